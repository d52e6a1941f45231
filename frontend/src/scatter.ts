/**
 * LatentScatter front end: canvas scatter of tens of thousands of points (one fillRect per point,
 * batched by colour), colour by channel, wheel zoom / drag pan, hover → patch, box and lasso
 * selection written back to the model (and so to the kernel).
 */
import {
  LATENT_SCATTER_DEFAULTS,
  LATENT_SCATTER_PLACEHOLDERS,
  LatentScatterState,
  WireState,
} from "../../src/jupyter/state";
import {
  COLORMAPS,
  TypedModel,
  Viewport,
  colorize,
  drawGrey,
  ensureCss,
  f32,
  fmt,
  h,
  inPolygon,
  legend,
} from "./common";
import { modelNames, u8 } from "./common";
import { PointsView } from "./points-view";

/** Model of the LatentScatter widget: the kernel's LatentScatterState and defaults (src/jupyter/state.ts). */
export class LatentScatterModel extends TypedModel<WireState<LatentScatterState>> {
  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      ...modelNames("LatentScatterModel", "LatentScatterView"),
      ...LATENT_SCATTER_PLACEHOLDERS,
      ...LATENT_SCATTER_DEFAULTS,
    };
  }
}

type Mode = "pan" | "box" | "lasso";

/** View of the LatentScatter widget. */
export class LatentScatterView extends PointsView<WireState<LatentScatterState>> {
  declare model: LatentScatterModel;
  protected readonly viewName = "LatentScatterView";
  protected readonly pickRadius = 10;
  private overlay!: HTMLCanvasElement;
  private patch!: HTMLCanvasElement;
  private countLabel!: HTMLElement;
  private channelSel!: HTMLSelectElement;
  private mode: Mode = "pan";
  private modeButtons: { [m: string]: HTMLButtonElement } = {};

  protected build(): void {
    ensureCss();
    const m = this.model;
    const W = this.get("width"),
      H = this.get("height");
    this.el.classList.add("ivae-widget", "ivae-scatter");
    this.canvas = h("canvas", { width: W, height: H, class: "ivae-plot" });
    this.overlay = h("canvas", { width: W, height: H, style: "position:absolute;left:0;top:0;pointer-events:none" });
    const plotWrap = h(
      "div",
      { style: `position:relative;width:${W + 2}px;height:${H + 2}px` },
      this.canvas,
      this.overlay,
    );
    this.channelSel = h("select", { title: "colour points by this channel" });
    const cmapSel = h("select", { title: "colour map for continuous channels" });
    for (const c of COLORMAPS) cmapSel.append(h("option", { value: c }, c));
    cmapSel.value = this.get("colormap") || "viridis";
    cmapSel.onchange = () => this.save({ colormap: cmapSel.value });
    this.channelSel.onchange = () => this.save({ color_by: this.channelSel.value });
    const modeBtn = (mode: Mode, label: string, title: string): HTMLButtonElement => {
      const b = h("button", { class: "ivae-btn", title, textContent: label, "data-mode": mode });
      b.onclick = () => this.setMode(mode);
      this.modeButtons[mode] = b;
      return b;
    };
    const reset = h("button", { class: "ivae-btn", textContent: "reset view", title: "fit all points" });
    reset.onclick = () => {
      this.vp.fit(this.xs, this.ys);
      this.draw();
    };
    const clear = h("button", { class: "ivae-btn", textContent: "clear", title: "clear the selection" });
    clear.onclick = () => this.commitSelection([]);
    this.countLabel = h("span", { class: "ivae-status" });
    const toolbar = h(
      "div",
      { class: "ivae-toolbar" },
      h("label", {}, "colour", this.channelSel),
      h("label", {}, "map", cmapSel),
      modeBtn("pan", "pan", "drag to pan, wheel to zoom"),
      modeBtn("box", "box", "drag a rectangle to select (or shift-drag in pan mode)"),
      modeBtn("lasso", "lasso", "draw a loop to select (or alt-drag in pan mode)"),
      reset,
      clear,
      this.countLabel,
    );
    const [ph, pw] = this.get("patch_shape");
    const ps = 128;
    this.patch = h("canvas", {
      width: ps,
      height: ps ? Math.round((ps * (ph || 1)) / (pw || 1)) : ps,
      class: "ivae-patch",
      title: "patch of the point under the mouse",
    });
    this.info = h("div", { class: "ivae-info" }, "hover a point");
    this.legendBox = h("div");
    const side = h("div", { class: "ivae-side" }, ph > 0 ? this.patch : h("span"), this.info, this.legendBox);
    const title = this.get("title");
    if (title) this.el.append(h("div", { class: "ivae-title" }, title));
    this.el.append(toolbar, h("div", { class: "ivae-row" }, plotWrap, side));
    this.vp = new Viewport(W, H, 30);
    this.loadPoints();
    this.vp.fit(this.xs, this.ys);
    this.setMode("pan");
    this.attachMouse();
    this.listenTo(m, "change:x change:y", () => (this.loadPoints(), this.vp.fit(this.xs, this.ys), this.draw()));
    this.listenTo(
      m,
      "change:color_by change:colormap change:channels change:channel_info",
      () => (this.updateColors(), this.draw()),
    );
    this.listenTo(m, "change:selected", () => (this.updateSelection(), this.draw()));
    this.listenTo(m, "change:point_size", () => this.draw());
    this.updateColors();
    this.updateSelection();
    this.draw();
    this.exposeHook();
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    for (const [k, b] of Object.entries(this.modeButtons)) b.classList.toggle("active", k === mode);
  }

  private updateColors(): void {
    const chans = this.get("channels");
    const infos = this.get("channel_info");
    const names = Object.keys(chans);
    this.channelSel.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
    const by = this.get("color_by");
    this.channelSel.value = by;
    this.channelSel.disabled = names.length === 0;
    this.coloring = by && chans[by] ? colorize(f32(chans[by]), infos[by], this.get("colormap")) : null;
    this.legendBox.replaceChildren(this.coloring ? legend(this.coloring, by) : h("span"));
  }

  private updateSelection(): void {
    const sel = this.readSelection();
    const [n, k] = [this.xs.length.toLocaleString(), sel.length.toLocaleString()];
    this.countLabel.textContent = `${n} points · ${k} selected`;
  }

  /** Redraws all points; batched by colour bucket so the canvas state changes rarely. */
  protected draw(): void {
    const g = this.canvas.getContext("2d")!;
    const W = this.canvas.width,
      H = this.canvas.height;
    g.clearRect(0, 0, W, H);
    const n = this.xs.length;
    this.project();
    this.drawAxes(g);
    const r = this.get("point_size");
    const hasSel = this.get("selected").length > 0;
    const col = this.coloring;
    const nb = col ? col.palette.length : 1;
    const order: number[][] = Array.from({ length: nb }, () => []);
    for (let i = 0; i < n; i++) {
      if (this.sx[i] < -r || this.sx[i] > W + r || this.sy[i] < -r || this.sy[i] > H + r) continue;
      order[col ? col.bucket[i] : 0].push(i);
    }
    g.globalAlpha = hasSel ? 0.25 : 0.85;
    const d = 2 * r;
    order.forEach((list, b) => {
      g.fillStyle = col ? col.palette[b] : "#3465a4";
      for (const i of list) g.fillRect(this.sx[i] - r, this.sy[i] - r, d, d);
    });
    g.globalAlpha = 1;
    if (hasSel) {
      g.strokeStyle = "#111";
      g.lineWidth = 1;
      for (let i = 0; i < n; i++) {
        if (!this.mask[i]) continue;
        g.fillStyle = col ? col.palette[col.bucket[i]] : "#3465a4";
        g.fillRect(this.sx[i] - r - 1, this.sy[i] - r - 1, d + 2, d + 2);
        g.strokeRect(this.sx[i] - r - 1.5, this.sy[i] - r - 1.5, d + 3, d + 3);
      }
    }
  }

  private drawAxes(g: CanvasRenderingContext2D): void {
    const vp = this.vp,
      W = this.canvas.width,
      H = this.canvas.height;
    g.save();
    g.strokeStyle = "#e6e6e6";
    g.fillStyle = "#888";
    g.font = "10px system-ui,sans-serif";
    const ticks = (a: number, b: number): number[] => {
      const step = Math.pow(10, Math.floor(Math.log10((b - a) / 5)));
      const s = (b - a) / step > 20 ? step * 5 : (b - a) / step > 8 ? step * 2 : step;
      const out: number[] = [];
      for (let t = Math.ceil(a / s) * s; t <= b; t += s) out.push(Math.abs(t) < s * 1e-9 ? 0 : t);
      return out;
    };
    for (const t of ticks(vp.x0, vp.x1)) {
      const x = vp.sx(t);
      (g.beginPath(), g.moveTo(x, 0), g.lineTo(x, H), g.stroke());
      g.fillText(fmt(t), x + 2, H - 4);
    }
    for (const t of ticks(vp.y0, vp.y1)) {
      const y = vp.sy(t);
      (g.beginPath(), g.moveTo(0, y), g.lineTo(W, y), g.stroke());
      g.fillText(fmt(t), 2, y - 2);
    }
    g.fillStyle = "#444";
    g.font = "11px system-ui,sans-serif";
    g.fillText(this.get("x_label"), W - 30, H - 16);
    g.fillText(this.get("y_label"), 6, 14);
    g.restore();
  }

  private hover(i: number): void {
    if (i === this.get("hovered")) return;
    this.save({ hovered: i });
    if (i < 0) return;
    const [ph, pw] = this.get("patch_shape");
    if (ph > 0) drawGrey(this.patch, u8(this.get("patches")), ph, pw, i * ph * pw);
    this.info.textContent = [`#${i}  (${fmt(this.xs[i])}, ${fmt(this.ys[i])})`, ...this.channelLines(i)].join("\n");
  }

  private attachMouse(): void {
    const c = this.canvas;
    const pos = (e: MouseEvent): [number, number] => this.canvasPos(e);
    this.attachWheelZoom();
    let drag: { mode: Mode; start: [number, number]; last: [number, number]; path: [number, number][] } | null = null;
    c.addEventListener("pointerdown", (e) => {
      const p = pos(e);
      const mode: Mode =
        this.mode === "pan" && e.shiftKey ? "box" : this.mode === "pan" && e.altKey ? "lasso" : this.mode;
      drag = { mode, start: p, last: p, path: [p] };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      const p = pos(e);
      if (!drag) {
        this.hover(this.nearest(p));
        return;
      }
      if (drag.mode === "pan") {
        this.vp.pan(p[0] - drag.last[0], p[1] - drag.last[1]);
        this.scheduleDraw();
      } else {
        drag.path.push(p);
        this.drawRubber(drag.mode, drag.start, p, drag.path);
      }
      drag.last = p;
    });
    c.addEventListener("pointerup", (e) => {
      if (!drag) return;
      const p = pos(e);
      const d = drag;
      drag = null;
      this.overlay.getContext("2d")!.clearRect(0, 0, this.overlay.width, this.overlay.height);
      // A lasso ends where it started, so "moved" means the path spans more than a few pixels.
      const xs = d.path.map((q) => q[0]).concat(p[0]),
        ys = d.path.map((q) => q[1]).concat(p[1]);
      const moved = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) > 3;
      if (d.mode === "pan") {
        // A click selects the nearest point (ctrl/cmd adds to the selection).
        if (!moved) this.clickSelect(p, e);
        return;
      }
      if (!moved) return;
      if (d.mode === "box") {
        this.commitSelection(this.pointsInBox(d.start, p));
        return;
      }
      const sel: number[] = [];
      for (let i = 0; i < this.xs.length; i++) if (inPolygon(this.sx[i], this.sy[i], d.path)) sel.push(i);
      this.commitSelection(sel);
    });
    c.addEventListener("pointerleave", () => {
      if (!drag) this.hover(-1);
    });
  }

  private drawRubber(mode: Mode, a: [number, number], b: [number, number], path: [number, number][]): void {
    const g = this.overlay.getContext("2d")!;
    g.clearRect(0, 0, this.overlay.width, this.overlay.height);
    g.strokeStyle = "#2f6fdf";
    g.fillStyle = "rgba(47,111,223,0.12)";
    g.setLineDash([4, 3]);
    g.beginPath();
    if (mode === "box") g.rect(a[0], a[1], b[0] - a[0], b[1] - a[1]);
    else path.forEach(([x, y], k) => (k ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    g.fill();
    g.stroke();
  }
}
