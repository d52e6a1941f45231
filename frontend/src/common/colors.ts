/** Colour maps, categorical colours, the colouring of a channel, its legend, and number labels. */
import type { ChannelInfo } from "../../../src/jupyter/channels";
export type { ChannelInfo } from "../../../src/jupyter/channels";
import { h } from "./dom";

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
