/**
 * MapOverlay front end: the image with a marker per atom coloured by a channel; channel, colour
 * map, opacity and colour-limit controls; click / shift-drag selection; zoom and pan. When its
 * `scatter` trait references a LatentScatter model, selections are mirrored both ways in the
 * browser (so the link also works in saved HTML), and each side saves its own state to the kernel.
 */
import { DOMWidgetModel, unpack_models } from "@jupyter-widgets/base";
import { MAP_OVERLAY_DEFAULTS, MAP_OVERLAY_PLACEHOLDERS, MapOverlayState, WireState } from "../../src/jupyter/state";
import type { LatentScatterModel } from "./scatter";
import { COLORMAPS, TypedModel, modelNames, Viewport, colorize, ensureCss, f32, fmt, h, legend, u8 } from "./common";
import { PointsView } from "./points-view";

/** MapOverlay state in the browser: `scatter` arrives as the linked LatentScatter model (unpack_models). */
export type MapOverlayFrontState = Omit<WireState<MapOverlayState>, "scatter"> & { scatter: LatentScatterModel | null };

/** Model of the MapOverlay widget: the kernel's MapOverlayState and defaults (src/jupyter/state.ts). */
export class MapOverlayModel extends TypedModel<MapOverlayFrontState> {
  static override serializers = { ...DOMWidgetModel.serializers, scatter: { deserialize: unpack_models } };
  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      ...modelNames("MapOverlayModel", "MapOverlayView"),
      ...MAP_OVERLAY_PLACEHOLDERS,
      ...MAP_OVERLAY_DEFAULTS,
    };
  }
}

const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** View of the MapOverlay widget. */
export class MapOverlayView extends PointsView<MapOverlayFrontState> {
  declare model: MapOverlayModel;
  protected readonly viewName = "MapOverlayView";
  protected readonly pickRadius = 8;
  private band!: HTMLCanvasElement;
  private bg!: HTMLCanvasElement;
  private controls: { [k: string]: HTMLInputElement | HTMLSelectElement } = {};

  protected build(): void {
    ensureCss();
    const m = this.model;
    const [ih, iw] = this.get("image_shape");
    const W = this.get("width");
    const H = Math.round((W * ih) / iw);
    this.el.classList.add("ivae-widget", "ivae-overlay");
    this.canvas = h("canvas", { width: W, height: H, class: "ivae-plot" });
    this.band = h("canvas", { width: W, height: H, style: "position:absolute;left:0;top:0;pointer-events:none" });
    // The image rendered once at native size; drawImage scales it on every redraw.
    this.bg = h("canvas", { width: iw, height: ih });
    const img = u8(this.get("image"));
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
    const save = (patch: Partial<MapOverlayFrontState>): void => this.save(patch);
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
    clear.onclick = () => this.commitSelection([]);
    this.info = h("div", { class: "ivae-info" });
    this.legendBox = h("div");
    const title = this.get("title");
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
    this.loadPoints();
    this.listenTo(
      m,
      "change:channel change:colormap change:vmin change:vmax change:channels",
      () => (this.recolor(), this.draw()),
    );
    this.listenTo(m, "change:opacity change:marker_size", () => (this.syncControls(), this.draw()));
    this.listenTo(m, "change:selected", () => (this.reselect(), this.draw()));
    this.linkScatter();
    this.recolor();
    // a restored selection (saved state, notebook reload) shows in the status line from the start
    this.reselect();
    this.mouse();
    this.draw();
    this.exposeHook();
  }

  /** Mirrors selections with the linked LatentScatter model, both ways, without echo loops. */
  private linkScatter(): void {
    const sc = this.get("scatter");
    if (!sc) return;
    const fromScatter = (): void => {
      const s = sc.get("selected");
      if (!same(s, this.get("selected"))) this.commitSelection(s);
    };
    this.listenTo(sc, "change:selected", fromScatter);
    this.listenTo(this.model, "change:selected", () => {
      const s = this.get("selected");
      if (!same(s, sc.get("selected"))) {
        sc.set("selected", s);
        sc.save_changes();
      }
    });
    if (sc.get("selected").length) fromScatter();
  }

  private syncControls(): void {
    const c = this.controls;
    c.channel.value = this.get("channel");
    c.colormap.value = this.get("colormap");
    c.opacity.value = String(this.get("opacity"));
    c.marker_size.value = String(this.get("marker_size"));
    const vmin = this.get("vmin"),
      vmax = this.get("vmax");
    c.vmin.value = vmin == null ? "" : String(vmin);
    c.vmax.value = vmax == null ? "" : String(vmax);
  }

  private recolor(): void {
    const chans = this.get("channels");
    const infos = this.get("channel_info");
    const sel = this.controls.channel as HTMLSelectElement;
    sel.replaceChildren(...Object.keys(chans).map((n) => h("option", { value: n }, n)));
    const ch = this.get("channel");
    const [cmap, vmin, vmax] = [this.get("colormap"), this.get("vmin"), this.get("vmax")];
    this.coloring = ch && chans[ch] ? colorize(f32(chans[ch]), infos[ch], cmap, vmin, vmax) : null;
    this.legendBox.replaceChildren(this.coloring ? legend(this.coloring, ch) : h("span"));
    this.syncControls();
    if (this.coloring && this.coloring.kind !== "categorical") {
      (this.controls.vmin as HTMLInputElement).placeholder = fmt(this.coloring.lo);
      (this.controls.vmax as HTMLInputElement).placeholder = fmt(this.coloring.hi);
    }
  }

  /** The selection into the mask and the status line (whoever changed it: a click, the scatter, the kernel). */
  private reselect(): void {
    this.info.textContent = selectionStatus(this.readSelection().length);
  }

  protected draw(): void {
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
    this.project();
    const zoom = W / (vp.x1 - vp.x0) / (W / this.bg.width);
    const r = this.get("marker_size") * Math.sqrt(Math.max(1, zoom));
    const anySel = this.get("selected").length > 0;
    const op = this.get("opacity");
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
  }

  private mouse(): void {
    const c = this.canvas;
    const pos = (e: MouseEvent): [number, number] => this.canvasPos(e);
    this.attachWheelZoom();
    let drag: { box: boolean; start: [number, number]; last: [number, number] } | null = null;
    c.addEventListener("pointerdown", (e) => {
      const p = pos(e);
      drag = { box: e.shiftKey, start: p, last: p };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      const p = pos(e);
      if (!drag) {
        const i = this.nearest(p);
        if (i >= 0)
          this.info.textContent = [`atom #${i} at (${fmt(this.xs[i])}, ${fmt(this.ys[i])}) px`]
            .concat(this.channelLines(i))
            .join("\n");
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
        this.scheduleDraw();
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
      if (d.box && moved) this.commitSelection(this.pointsInBox(d.start, p));
      else if (!moved) this.clickSelect(p, e);
    });
  }
}

/** The overlay's status line for a selection of n atoms (the hint when there is none). */
export function selectionStatus(n: number): string {
  return n === 0 ? "click an atom; shift-drag to select a region" : `${n} atom${n === 1 ? "" : "s"} selected`;
}

/**
 * Opacity of unselected markers while something is selected: dimmed, but kept as context (about
 * 70 % of the chosen opacity, not below 0.3 unless the opacity itself is lower).
 */
export function dimAlpha(opacity: number): number {
  return Math.max(Math.min(opacity, 0.3), 0.7 * opacity);
}
