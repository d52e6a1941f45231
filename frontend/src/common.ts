/**
 * Helpers shared by the ivae widget views: binary traits, colour maps, legends and a zoom/pan
 * viewport. No framework: plain DOM + canvas, so tens of thousands of points stay cheap.
 */

import { DOMWidgetModel } from "@jupyter-widgets/base";
import type { ChannelInfo } from "../../src/jupyter/channels";
import { WIDGET_FRONTEND_VERSION, WIDGET_MODULE, WireState } from "../../src/jupyter/state";

export type { ChannelInfo } from "../../src/jupyter/channels";

/** The npm/AMD module name the kernel asks for (src/jupyter/state.ts). */
export const MODULE_NAME = WIDGET_MODULE;
/** Version of this front-end module (src/jupyter/state.ts). */
export const MODULE_VERSION = WIDGET_FRONTEND_VERSION;

/**
 * A widget model with one typed state `S`, the kernel's state type as the browser receives it
 * (src/jupyter/state.ts): `get("width")` is a number, a misspelt trait name does not compile.
 */
export class TypedModel<S extends object> extends DOMWidgetModel {
  override get<K extends keyof S & string>(key: K): S[K];
  /** Any other attribute (base traits, Backbone internals) is `unknown`: a misspelt trait does not type-check. */
  override get(key: string): unknown;
  override get(key: string): unknown {
    return super.get(key);
  }
}

/** A typed model of kernel state `S` (typed arrays arrive as DataView/bytes). */
export type ModelOf<S extends object> = TypedModel<WireState<S>>;

/** The `_model_*` / `_view_*` defaults of an ivae-widgets model. */
export function modelNames(model: string, view: string): Backbone.ObjectHash {
  return {
    _model_name: model,
    _model_module: MODULE_NAME,
    _model_module_version: MODULE_VERSION,
    _view_name: view,
    _view_module: MODULE_NAME,
    _view_module_version: MODULE_VERSION,
  };
}

/** A bytes trait as the widget manager hands it over (DataView, ArrayBuffer or typed array). */
export type Bytes = DataView | ArrayBuffer | ArrayBufferView | null | undefined;

/** Copies a bytes trait into an aligned Float32Array (websocket buffers need not be 4-aligned). */
export function f32(b: Bytes): Float32Array {
  if (!b) return new Float32Array(0);
  if (b instanceof ArrayBuffer) return new Float32Array(b.slice(0));
  const v = b as ArrayBufferView;
  return new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** Float32 number `i` (little-endian) of a bytes trait, without copying it. */
export function floatAt(b: DataView | ArrayBuffer | ArrayBufferView, i: number): number {
  if (b instanceof DataView) return b.getFloat32(4 * i, true);
  const dv = b instanceof ArrayBuffer ? new DataView(b) : new DataView(b.buffer, b.byteOffset, b.byteLength);
  return dv.getFloat32(4 * i, true);
}

/** A Uint8Array view of a bytes trait. */
export function u8(b: Bytes): Uint8Array {
  if (!b) return new Uint8Array(0);
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  const v = b as ArrayBufferView;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Element helper: tag, attributes/properties, children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { [k: string]: unknown } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "style" && typeof v === "string") e.setAttribute("style", v);
    else if (k.startsWith("data-") || k === "class" || k === "title" || k === "for") e.setAttribute(k, String(v));
    else (e as unknown as { [k: string]: unknown })[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

type RGB = [number, number, number];
const hex = (s: string): RGB => [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
const ANCHORS: { [name: string]: RGB[] } = {
  viridis: [
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
  ].map(hex),
  magma: [
    "#000004",
    "#180f3d",
    "#440f76",
    "#721f81",
    "#9e2f7f",
    "#cd4071",
    "#f1605d",
    "#fd9668",
    "#feca8d",
    "#fcfdbf",
  ].map(hex),
  coolwarm: ["#3b4cc0", "#6788ee", "#9abbff", "#c9d7f0", "#edd1c2", "#f7a889", "#e26952", "#b40426"].map(hex),
  // Cyclic (first = last) so that −π and +π get the same colour: angles wrap.
  twilight: [
    "#e2d9e2",
    "#9ebbc9",
    "#6b8ec3",
    "#5b59b0",
    "#4c2a72",
    "#5c1b4d",
    "#8f3c58",
    "#be6e63",
    "#d7a89c",
    "#e2d9e2",
  ].map(hex),
};
const TAB10: RGB[] = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
].map(hex);

/** Names of the continuous colour maps offered in the selectors. */
export const COLORMAPS = Object.keys(ANCHORS);

/** Colour of t in [0, 1] on a named map. */
export function mapColor(name: string, t: number): RGB {
  const a = ANCHORS[name] ?? ANCHORS.viridis;
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(a[i][k] + f * (a[i + 1][k] - a[i][k]))) as RGB;
}

/** Categorical colour k. */
export function catColor(k: number): RGB {
  return TAB10[((k % 10) + 10) % 10];
}

/** How a channel maps to colours: per-point colour bucket + palette (drawing batches by bucket). */
export interface Coloring {
  bucket: Uint16Array;
  palette: string[];
  /** Continuous range used (for the colour bar). */
  lo: number;
  hi: number;
  kind: ChannelInfo["kind"];
  cmap: string;
  labels: string[];
}

/** Colours `values` (continuous maps quantised to 64 steps: why, one fillStyle per batch). */
export function colorize(
  values: Float32Array,
  info: ChannelInfo | undefined,
  cmap: string,
  vmin?: number | null,
  vmax?: number | null,
): Coloring {
  const n = values.length;
  const kind = info?.kind ?? "continuous";
  const bucket = new Uint16Array(n);
  if (kind === "categorical") {
    let maxK = 0;
    for (let i = 0; i < n; i++) {
      const k = Math.max(0, Math.round(values[i]));
      bucket[i] = k;
      if (k > maxK) maxK = k;
    }
    const palette = Array.from({ length: maxK + 1 }, (_, k) => `rgb(${catColor(k).join(",")})`);
    const labels = Array.from({ length: maxK + 1 }, (_, k) => info?.labels?.[k] ?? String(k));
    return { bucket, palette, lo: 0, hi: maxK, kind, cmap: "tab10", labels };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  if (kind === "cyclic" && vmin == null && vmax == null) {
    lo = -Math.PI;
    hi = Math.PI;
  }
  if (vmin != null) lo = vmin;
  if (vmax != null) hi = vmax;
  if (!(hi > lo)) hi = lo + 1;
  const map = cmap === "auto" ? (kind === "cyclic" ? "twilight" : "viridis") : cmap;
  const STEPS = 64;
  for (let i = 0; i < n; i++) {
    let t = (values[i] - lo) / (hi - lo);
    if (kind === "cyclic") t = t - Math.floor(t);
    bucket[i] = Math.min(STEPS - 1, Math.max(0, Math.floor(t * STEPS)));
  }
  const palette = Array.from({ length: STEPS }, (_, k) => `rgb(${mapColor(map, (k + 0.5) / STEPS).join(",")})`);
  return { bucket, palette, lo, hi, kind, cmap: map, labels: [] };
}

/** Format a number for labels. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(2) : v.toFixed(a < 1 ? 3 : a < 100 ? 2 : 1);
}

/** A legend element: a colour bar with limits, or swatches for categories. */
export function legend(c: Coloring, title: string): HTMLElement {
  const box = h("div", { class: "ivae-legend" });
  box.append(h("div", { class: "ivae-legend-title" }, title));
  if (c.kind === "categorical") {
    c.labels.forEach((lab, k) => {
      box.append(h("div", { class: "ivae-swatch" }, h("span", { style: `background:${c.palette[k]}` }), lab));
    });
    return box;
  }
  const bar = h("canvas", { width: 160, height: 10, class: "ivae-colorbar" });
  const g = bar.getContext("2d")!;
  for (let x = 0; x < 160; x++) {
    g.fillStyle = `rgb(${mapColor(c.cmap, x / 159).join(",")})`;
    g.fillRect(x, 0, 1, 10);
  }
  box.append(bar, h("div", { class: "ivae-colorbar-labels" }, h("span", {}, fmt(c.lo)), h("span", {}, fmt(c.hi))));
  return box;
}

/** Draws 8-bit grey pixels (h×w) into a canvas, scaled to its size without smoothing. */
export function drawGrey(
  canvas: HTMLCanvasElement,
  px: Uint8Array | Float32Array,
  hgt: number,
  wid: number,
  offset = 0,
  floatScale = 255,
): void {
  const tmp = document.createElement("canvas");
  tmp.width = wid;
  tmp.height = hgt;
  const tg = tmp.getContext("2d")!;
  const img = tg.createImageData(wid, hgt);
  const isF = px instanceof Float32Array;
  for (let p = 0; p < hgt * wid; p++) {
    const raw = px[offset + p];
    const v = isF ? Math.max(0, Math.min(255, Math.round(raw * floatScale))) : raw;
    img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v;
    img.data[4 * p + 3] = 255;
  }
  tg.putImageData(img, 0, 0);
  const g = canvas.getContext("2d")!;
  g.imageSmoothingEnabled = false;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** Data-to-screen mapping with zoom (wheel) and pan (drag). */
export class Viewport {
  /** Visible data rectangle. */
  x0 = 0;
  x1 = 1;
  y0 = 0;
  y1 = 1;
  constructor(
    public width: number,
    public height: number,
    public pad = 10,
    /** y grows downward on screen in data units too (images) rather than upward (plots). */
    public yDown = false,
  ) {}
  /** Fits the view to data bounds with a margin, keeping the aspect ratio if `equal`. */
  fit(xs: Float32Array, ys: Float32Array, equal = false, margin = 0.04): void {
    let a = Infinity,
      b = -Infinity,
      c = Infinity,
      d = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] < a) a = xs[i];
      if (xs[i] > b) b = xs[i];
      if (ys[i] < c) c = ys[i];
      if (ys[i] > d) d = ys[i];
    }
    if (!(b > a)) ((a -= 1), (b += 1));
    if (!(d > c)) ((c -= 1), (d += 1));
    this.setRect(a - (b - a) * margin, b + (b - a) * margin, c - (d - c) * margin, d + (d - c) * margin, equal);
  }
  setRect(x0: number, x1: number, y0: number, y1: number, equal = false): void {
    if (equal) {
      const sx = (x1 - x0) / (this.width - 2 * this.pad);
      const sy = (y1 - y0) / (this.height - 2 * this.pad);
      const s = Math.max(sx, sy);
      const cx = (x0 + x1) / 2,
        cy = (y0 + y1) / 2;
      x0 = cx - (s * (this.width - 2 * this.pad)) / 2;
      x1 = cx + (s * (this.width - 2 * this.pad)) / 2;
      y0 = cy - (s * (this.height - 2 * this.pad)) / 2;
      y1 = cy + (s * (this.height - 2 * this.pad)) / 2;
    }
    Object.assign(this, { x0, x1, y0, y1 });
  }
  sx(x: number): number {
    return this.pad + ((x - this.x0) / (this.x1 - this.x0)) * (this.width - 2 * this.pad);
  }
  sy(y: number): number {
    const t = (y - this.y0) / (this.y1 - this.y0);
    return this.pad + (this.yDown ? t : 1 - t) * (this.height - 2 * this.pad);
  }
  dx(px: number): number {
    return this.x0 + ((px - this.pad) / (this.width - 2 * this.pad)) * (this.x1 - this.x0);
  }
  dy(py: number): number {
    const t = (py - this.pad) / (this.height - 2 * this.pad);
    return this.y0 + (this.yDown ? t : 1 - t) * (this.y1 - this.y0);
  }
  /** Zooms by `factor` (< 1 zooms in) around screen point (px, py). */
  zoom(px: number, py: number, factor: number): void {
    const x = this.dx(px),
      y = this.dy(py);
    this.x0 = x + (this.x0 - x) * factor;
    this.x1 = x + (this.x1 - x) * factor;
    this.y0 = y + (this.y0 - y) * factor;
    this.y1 = y + (this.y1 - y) * factor;
  }
  /** Pans by a screen displacement. */
  pan(dpx: number, dpy: number): void {
    const ux = ((this.x1 - this.x0) / (this.width - 2 * this.pad)) * dpx;
    const uy = ((this.y1 - this.y0) / (this.height - 2 * this.pad)) * dpy * (this.yDown ? 1 : -1);
    ((this.x0 -= ux), (this.x1 -= ux), (this.y0 -= uy), (this.y1 -= uy));
  }
}

/** Point-in-polygon (even-odd), screen coordinates. */
export function inPolygon(x: number, y: number, poly: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i],
      [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Screen-space grid index of points for nearest-point hover in O(1) per query. */
export class PointGrid {
  private cells = new Map<number, number[]>();
  constructor(private readonly cell: number) {}
  build(sx: Float32Array, sy: Float32Array, visible: (i: number) => boolean): void {
    this.cells.clear();
    for (let i = 0; i < sx.length; i++) {
      if (!visible(i)) continue;
      const k = Math.floor(sx[i] / this.cell) * 65536 + Math.floor(sy[i] / this.cell);
      const l = this.cells.get(k);
      if (l) l.push(i);
      else this.cells.set(k, [i]);
    }
  }
  nearest(x: number, y: number, sx: Float32Array, sy: Float32Array, maxDist: number): number {
    let best = -1,
      bd = maxDist * maxDist;
    const cx = Math.floor(x / this.cell),
      cy = Math.floor(y / this.cell);
    for (let a = cx - 1; a <= cx + 1; a++) {
      for (let b = cy - 1; b <= cy + 1; b++) {
        for (const i of this.cells.get(a * 65536 + b) ?? []) {
          const d = (sx[i] - x) ** 2 + (sy[i] - y) ** 2;
          if (d <= bd) ((bd = d), (best = i));
        }
      }
    }
    return best;
  }
}

/** Shared CSS, injected once per page. */
export const CSS = `
.ivae-widget{font:12px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;display:inline-flex;flex-direction:column;gap:6px;padding:8px;border:1px solid #ddd;border-radius:6px;background:#fff;box-sizing:border-box;max-width:100%}
.ivae-title{font-weight:600;font-size:13px}
.ivae-toolbar{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.ivae-toolbar label{display:inline-flex;gap:4px;align-items:center}
.ivae-toolbar select,.ivae-toolbar input[type=number]{font:inherit;padding:1px 3px}
.ivae-toolbar input[type=number]{width:64px}
.ivae-btn{font:inherit;padding:2px 8px;border:1px solid #bbb;border-radius:4px;background:#f6f6f6;cursor:pointer}
.ivae-btn.active{background:#2f6fdf;border-color:#2f6fdf;color:#fff}
.ivae-row{display:flex;gap:10px;align-items:flex-start}
.ivae-side{display:flex;flex-direction:column;gap:8px;min-width:170px}
.ivae-plot{border:1px solid #e3e3e3;background:#fcfcfc;cursor:crosshair;touch-action:none}
.ivae-patch{border:1px solid #ccc;background:#000;image-rendering:pixelated}
.ivae-info{color:#555;min-height:2.7em;white-space:pre-line}
.ivae-legend-title{font-weight:600;margin-bottom:2px}
.ivae-swatch{display:flex;gap:5px;align-items:center}
.ivae-swatch span{display:inline-block;width:10px;height:10px;border-radius:50%}
.ivae-colorbar-labels{display:flex;justify-content:space-between;width:160px;color:#555}
.ivae-slider{display:grid;grid-template-columns:58px 150px 48px;gap:6px;align-items:center}
.ivae-slider input{width:150px}
.ivae-slider output{text-align:right;font-variant-numeric:tabular-nums}
.ivae-status{color:#777;font-size:11px}
.ivae-error{color:#b00020;white-space:pre-wrap}
`;

let cssDone = false;
/** Adds {@link CSS} to the document once. */
export function ensureCss(): void {
  if (cssDone || typeof document === "undefined") return;
  cssDone = true;
  document.head.append(h("style", { "data-ivae": "1" }, CSS));
}

/**
 * Runs a view's build step and shows any error inside the view: ManagerBase.create_view swallows
 * exceptions from render() and logs only "Could not create a view", hiding the stack.
 */
export function renderSafely(el: HTMLElement, viewName: string, build: () => void): void {
  try {
    build();
  } catch (err) {
    console.error(`${viewName}.render`, err);
    el.append(h("div", { class: "ivae-error" }, String((err as Error)?.stack ?? err)));
  }
}
