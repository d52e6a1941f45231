/**
 * MapOverlay front end: the image with a marker per atom coloured by a channel; channel, colour
 * map, opacity and colour-limit controls; click / shift-drag selection; zoom and pan. When its
 * `scatter` trait references a LatentScatter model, selections are mirrored both ways in the
 * browser (so the link also works in saved HTML), and each side saves its own state to the kernel.
 */
import { DOMWidgetModel, DOMWidgetView, unpack_models } from "@jupyter-widgets/base";
import { MAP_OVERLAY_DEFAULTS, MapOverlayState, WireState } from "../../src/jupyter/state";
import type { LatentScatterModel } from "./scatter";
import {
  COLORMAPS,
  Coloring,
  PointGrid,
  floatAt,
  TypedModel,
  modelNames,
  Viewport,
  colorize,
  ensureCss,
  f32,
  fmt,
  h,
  legend,
  u8,
  renderSafely,
} from "./common";

/** MapOverlay state in the browser: `scatter` arrives as the linked LatentScatter model (unpack_models). */
export type MapOverlayFrontState = Omit<WireState<MapOverlayState>, "scatter"> & { scatter: LatentScatterModel | null };

/** Model of the MapOverlay widget: the kernel's MapOverlayState and defaults (src/jupyter/state.ts). */
export class MapOverlayModel extends TypedModel<MapOverlayFrontState> {
  static override serializers = { ...DOMWidgetModel.serializers, scatter: { deserialize: unpack_models } };
  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      ...modelNames("MapOverlayModel", "MapOverlayView"),
      // data traits: always sent by the kernel
      image: null,
      image_shape: [0, 0],
      x: null,
      y: null,
      channels: {},
      channel_info: {},
      channel: "",
      ...MAP_OVERLAY_DEFAULTS,
    };
  }
}

const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** View of the MapOverlay widget. */
export class MapOverlayView extends DOMWidgetView {
  declare model: MapOverlayModel;
  private canvas!: HTMLCanvasElement;
  private band!: HTMLCanvasElement;
  private bg!: HTMLCanvasElement;
  private vp!: Viewport;
  private xs = new Float32Array(0);
  private ys = new Float32Array(0);
  private sx = new Float32Array(0);
  private sy = new Float32Array(0);
  private coloring: Coloring | null = null;
  private mask = new Uint8Array(0);
  private grid = new PointGrid(10);
  private legendBox!: HTMLElement;
  private info!: HTMLElement;
  private controls: { [k: string]: HTMLInputElement | HTMLSelectElement } = {};
  private frame = 0;

  override render(): void {
    renderSafely(this.el, "MapOverlayView", () => this.build());
  }

  private build(): void {
    ensureCss();
    const m = this.model;
    const [ih, iw] = m.get("image_shape");
    const W = m.get("width");
    const H = Math.round((W * ih) / iw);
    this.el.classList.add("ivae-widget", "ivae-overlay");
    this.canvas = h("canvas", { width: W, height: H, class: "ivae-plot" });
    this.band = h("canvas", { width: W, height: H, style: "position:absolute;left:0;top:0;pointer-events:none" });
    // The image rendered once at native size; drawImage scales it on every redraw.
    this.bg = h("canvas", { width: iw, height: ih });
    const img = u8(m.get("image"));
    const g = this.bg.getContext("2d")!;
    const id = g.createImageData(iw, ih);
    for (let p = 0; p < iw * ih; p++)
      ((id.data[4 * p] = id.data[4 * p + 1] = id.data[4 * p + 2] = img[p]), (id.data[4 * p + 3] = 255));
    g.putImageData(id, 0, 0);

    const chSel = h("select", { title: "channel that colours the markers", "data-control": "channel" });
    const cmSel = h("select", { title: "colour map", "data-control": "colormap" });
    for (const c of ["auto", ...COLORMAPS]) cmSel.append(h("option", { value: c }, c));
    const op = h("input", {
      type: "range",
      min: "0",
      max: "1",
      step: "0.05",
      title: "marker opacity",
      "data-control": "opacity",
    });
    const vmin = h("input", {
      type: "number",
      step: "any",
      placeholder: "auto",
      title: "colour scale minimum",
      "data-control": "vmin",
    });
    const vmax = h("input", {
      type: "number",
      step: "any",
      placeholder: "auto",
      title: "colour scale maximum",
      "data-control": "vmax",
    });
    const size = h("input", {
      type: "range",
      min: "1",
      max: "10",
      step: "0.5",
      title: "marker size",
      "data-control": "marker_size",
    });
    this.controls = { channel: chSel, colormap: cmSel, opacity: op, vmin, vmax, marker_size: size };
    const save = (patch: { [k: string]: unknown }): void => {
      m.set(patch);
      m.save_changes();
    };
    chSel.onchange = () => save({ channel: chSel.value, vmin: null, vmax: null });
    cmSel.onchange = () => save({ colormap: cmSel.value });
    op.oninput = () => save({ opacity: Number(op.value) });
    size.oninput = () => save({ marker_size: Number(size.value) });
    const lim = (e: HTMLInputElement): number | null =>
      e.value === "" || !Number.isFinite(Number(e.value)) ? null : Number(e.value);
    vmin.onchange = () => save({ vmin: lim(vmin) });
    vmax.onchange = () => save({ vmax: lim(vmax) });
    const reset = h("button", { class: "ivae-btn", textContent: "reset view" });
    reset.onclick = () => (this.vp.setRect(0, iw, 0, ih), this.draw());
    const clear = h("button", { class: "ivae-btn", textContent: "clear" });
    clear.onclick = () => this.commit([]);
    this.info = h("div", { class: "ivae-info" }, "click an atom; shift-drag to select a region");
    this.legendBox = h("div");
    const title = m.get("title");
    if (title) this.el.append(h("div", { class: "ivae-title" }, title));
    this.el.append(
      h(
        "div",
        { class: "ivae-toolbar" },
        h("label", {}, "channel", chSel),
        h("label", {}, "map", cmSel),
        h("label", {}, "opacity", op),
        h("label", {}, "size", size),
      ),
      h("div", { class: "ivae-toolbar" }, h("label", {}, "min", vmin), h("label", {}, "max", vmax), reset, clear),
      h(
        "div",
        { class: "ivae-row" },
        h("div", { style: `position:relative;width:${W + 2}px;height:${H + 2}px` }, this.canvas, this.band),
        h("div", { class: "ivae-side" }, this.legendBox, this.info),
      ),
    );
    this.vp = new Viewport(W, H, 0, true);
    this.vp.setRect(-0.5, iw - 0.5, -0.5, ih - 0.5);
    this.xs = f32(m.get("x"));
    this.ys = f32(m.get("y"));
    this.sx = new Float32Array(this.xs.length);
    this.sy = new Float32Array(this.xs.length);
    this.mask = new Uint8Array(this.xs.length);
    this.listenTo(
      m,
      "change:channel change:colormap change:vmin change:vmax change:channels",
      () => (this.recolor(), this.draw()),
    );
    this.listenTo(m, "change:opacity change:marker_size", () => (this.syncControls(), this.draw()));
    this.listenTo(m, "change:selected", () => (this.reselect(), this.draw()));
    this.linkScatter();
    this.recolor();
    this.reselect();
    this.mouse();
    this.draw();
    (this.el as unknown as { ivae: unknown }).ivae = {
      screenPos: (i: number) => [this.vp.sx(this.xs[i]), this.vp.sy(this.ys[i])],
      canvas: this.canvas,
      view: this,
    };
  }

  /** Mirrors selections with the linked LatentScatter model, both ways, without echo loops. */
  private linkScatter(): void {
    const sc = this.model.get("scatter");
    if (!sc) return;
    const fromScatter = (): void => {
      const s = sc.get("selected");
      if (!same(s, this.model.get("selected"))) this.commit(s);
    };
    this.listenTo(sc, "change:selected", fromScatter);
    this.listenTo(this.model, "change:selected", () => {
      const s = this.model.get("selected");
      if (!same(s, sc.get("selected"))) {
        sc.set("selected", s);
        sc.save_changes();
      }
    });
    if (sc.get("selected").length) fromScatter();
  }

  private syncControls(): void {
    const m = this.model;
    const c = this.controls;
    c.channel.value = m.get("channel");
    c.colormap.value = m.get("colormap");
    c.opacity.value = String(m.get("opacity"));
    c.marker_size.value = String(m.get("marker_size"));
    const vmin = m.get("vmin"),
      vmax = m.get("vmax");
    c.vmin.value = vmin == null ? "" : String(vmin);
    c.vmax.value = vmax == null ? "" : String(vmax);
  }

  private recolor(): void {
    const m = this.model;
    const chans = m.get("channels");
    const infos = m.get("channel_info");
    const sel = this.controls.channel as HTMLSelectElement;
    sel.replaceChildren(...Object.keys(chans).map((n) => h("option", { value: n }, n)));
    const ch = m.get("channel");
    this.coloring =
      ch && chans[ch] ? colorize(f32(chans[ch]), infos[ch], m.get("colormap"), m.get("vmin"), m.get("vmax")) : null;
    this.legendBox.replaceChildren(this.coloring ? legend(this.coloring, ch) : h("span"));
    this.syncControls();
    if (this.coloring && this.coloring.kind !== "categorical") {
      (this.controls.vmin as HTMLInputElement).placeholder = fmt(this.coloring.lo);
      (this.controls.vmax as HTMLInputElement).placeholder = fmt(this.coloring.hi);
    }
  }

  private reselect(): void {
    this.mask.fill(0);
    for (const i of this.model.get("selected")) if (i >= 0 && i < this.mask.length) this.mask[i] = 1;
  }

  private draw(): void {
    const g = this.canvas.getContext("2d")!;
    const W = this.canvas.width,
      H = this.canvas.height,
      vp = this.vp;
    g.clearRect(0, 0, W, H);
    g.imageSmoothingEnabled = false;
    // Image pixel (row i, col j) covers [j-0.5, j+0.5] × [i-0.5, i+0.5] in marker (pixel) coordinates.
    g.drawImage(
      this.bg,
      vp.sx(-0.5),
      vp.sy(-0.5),
      vp.sx(this.bg.width - 0.5) - vp.sx(-0.5),
      vp.sy(this.bg.height - 0.5) - vp.sy(-0.5),
    );
    const n = this.xs.length;
    for (let i = 0; i < n; i++) ((this.sx[i] = vp.sx(this.xs[i])), (this.sy[i] = vp.sy(this.ys[i])));
    const zoom = W / (vp.x1 - vp.x0) / (W / this.bg.width);
    const r = this.model.get("marker_size") * Math.sqrt(Math.max(1, zoom));
    const anySel = this.model.get("selected").length > 0;
    const op = this.model.get("opacity");
    const col = this.coloring;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < n; i++) {
        const isSel = this.mask[i] === 1;
        if ((pass === 1) !== isSel) continue;
        if (this.sx[i] < -r || this.sx[i] > W + r || this.sy[i] < -r || this.sy[i] > H + r) continue;
        const dim = anySel && !isSel;
        g.globalAlpha = dim ? dimAlpha(op) : op;
        g.fillStyle = col ? col.palette[col.bucket[i]] : "#ffcc00";
        g.beginPath();
        g.arc(this.sx[i], this.sy[i], isSel ? r * 1.4 : dim ? r * 0.85 : r, 0, 2 * Math.PI);
        g.fill();
        if (dim && op > 0) {
          // A thin dark rim keeps the dimmed markers readable on bright parts of the image.
          g.globalAlpha = Math.min(1, 0.6 * op + 0.15);
          g.strokeStyle = "#000";
          g.lineWidth = 0.75;
          g.stroke();
        }
        if (isSel) {
          g.globalAlpha = 1;
          g.strokeStyle = "#fff";
          g.lineWidth = 3.5;
          g.stroke();
          g.strokeStyle = "#ff2d55";
          g.lineWidth = 2;
          g.stroke();
        }
      }
    }
    g.globalAlpha = 1;
    this.grid.build(this.sx, this.sy, (i) => this.sx[i] >= 0 && this.sx[i] <= W && this.sy[i] >= 0 && this.sy[i] <= H);
  }

  /** Sets the selection and saves it (so the kernel's `selected` follows, whoever started it). */
  private commit(sel: number[]): void {
    this.model.set("selected", sel);
    this.model.save_changes();
    this.info.textContent = `${sel.length} atom${sel.length === 1 ? "" : "s"} selected`;
  }

  private mouse(): void {
    const c = this.canvas;
    const pos = (e: MouseEvent): [number, number] => {
      const r = c.getBoundingClientRect();
      return [((e.clientX - r.left) * c.width) / r.width, ((e.clientY - r.top) * c.height) / r.height];
    };
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const [x, y] = pos(e);
        this.vp.zoom(x, y, e.deltaY > 0 ? 1.15 : 1 / 1.15);
        if (!this.frame) this.frame = requestAnimationFrame(() => ((this.frame = 0), this.draw()));
      },
      { passive: false },
    );
    let drag: { box: boolean; start: [number, number]; last: [number, number] } | null = null;
    c.addEventListener("pointerdown", (e) => {
      const p = pos(e);
      drag = { box: e.shiftKey, start: p, last: p };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      const p = pos(e);
      if (!drag) {
        const i = this.grid.nearest(p[0], p[1], this.sx, this.sy, 8);
        if (i >= 0) {
          const chans = this.model.get("channels");
          const infos = this.model.get("channel_info");
          const lines = [`atom #${i} at (${fmt(this.xs[i])}, ${fmt(this.ys[i])}) px`];
          for (const [k, dv] of Object.entries(chans)) {
            const v = floatAt(dv, i);
            lines.push(`${k}: ${infos[k]?.labels?.[Math.round(v)] ?? fmt(v)}`);
          }
          this.info.textContent = lines.join("\n");
        }
        return;
      }
      if (drag.box) {
        const b = this.band.getContext("2d")!;
        b.clearRect(0, 0, this.band.width, this.band.height);
        b.strokeStyle = "#fff";
        b.setLineDash([4, 3]);
        b.fillStyle = "rgba(255,255,255,0.15)";
        b.fillRect(drag.start[0], drag.start[1], p[0] - drag.start[0], p[1] - drag.start[1]);
        b.strokeRect(drag.start[0], drag.start[1], p[0] - drag.start[0], p[1] - drag.start[1]);
      } else {
        this.vp.pan(p[0] - drag.last[0], p[1] - drag.last[1]);
        if (!this.frame) this.frame = requestAnimationFrame(() => ((this.frame = 0), this.draw()));
      }
      drag.last = p;
    });
    c.addEventListener("pointerup", (e) => {
      if (!drag) return;
      const p = pos(e);
      const d = drag;
      drag = null;
      this.band.getContext("2d")!.clearRect(0, 0, this.band.width, this.band.height);
      const moved = Math.hypot(p[0] - d.start[0], p[1] - d.start[1]) > 3;
      if (d.box && moved) {
        const [xa, xb] = [Math.min(d.start[0], p[0]), Math.max(d.start[0], p[0])];
        const [ya, yb] = [Math.min(d.start[1], p[1]), Math.max(d.start[1], p[1])];
        const sel: number[] = [];
        for (let i = 0; i < this.xs.length; i++)
          if (this.sx[i] >= xa && this.sx[i] <= xb && this.sy[i] >= ya && this.sy[i] <= yb) sel.push(i);
        this.commit(sel);
      } else if (!moved) {
        const i = this.grid.nearest(p[0], p[1], this.sx, this.sy, 8);
        const cur = this.model.get("selected");
        if (i >= 0) this.commit(e.ctrlKey || e.metaKey ? [...new Set([...cur, i])].sort((a, b) => a - b) : [i]);
      }
    });
  }
}

/**
 * Opacity of unselected markers while something is selected: dimmed, but kept as context (about
 * 70 % of the chosen opacity, not below 0.3 unless the opacity itself is lower).
 */
export function dimAlpha(opacity: number): number {
  return Math.max(Math.min(opacity, 0.3), 0.7 * opacity);
}
