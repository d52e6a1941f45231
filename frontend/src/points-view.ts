/**
 * The base of the two point views (LatentScatter, MapOverlay): one typed state (the kernel's `PointsState`,
 * src/jupyter/state.ts, as the browser receives it) read through `get<K extends keyof T>`, the points in data
 * and screen coordinates, the selection mask, hover lookup, wheel zoom, click selection and the test hook.
 * Each view adds its own drawing, controls and drag gestures.
 */
import { DOMWidgetView } from "@jupyter-widgets/base";
import type { PointsState, WireState } from "../../src/jupyter/state";
import { Coloring, PointGrid, TypedModel, Viewport, f32, floatAt, fmt, renderSafely } from "./common";

/** The point traits as the browser receives them (typed arrays as bytes). */
export type PointsWire = WireState<PointsState>;

/** A widget view of points over a canvas, typed by its model's state `T`. */
export abstract class PointsView<T extends PointsWire> extends DOMWidgetView {
  declare model: TypedModel<T>;
  protected canvas!: HTMLCanvasElement;
  protected vp!: Viewport;
  /** Data coordinates of the points. */
  protected xs = new Float32Array(0);
  protected ys = new Float32Array(0);
  /** Screen coordinates of the points, set by {@link project}. */
  protected sx = new Float32Array(0);
  protected sy = new Float32Array(0);
  /** 1 for selected points. */
  protected mask = new Uint8Array(0);
  protected coloring: Coloring | null = null;
  protected legendBox!: HTMLElement;
  /** The status / hover text beside the plot. */
  protected info!: HTMLElement;
  private grid: PointGrid | null = null;
  private frame = 0;

  /** Name shown with a build error (class names do not survive minification). */
  protected abstract readonly viewName: string;
  /** Screen distance (px) within which hover and click find a point. */
  protected abstract readonly pickRadius: number;
  /** Builds the DOM and the listeners (called once, by render). */
  protected abstract build(): void;
  /** Redraws the canvas. */
  protected abstract draw(): void;

  override render(): void {
    renderSafely(this.el, this.viewName, () => this.build());
  }

  /** A trait of the typed state. */
  protected get<K extends keyof T & string>(key: K): T[K] {
    return this.model.get(key);
  }

  /** Sets traits and sends them to the kernel. */
  protected save(patch: Partial<T>): void {
    this.model.set(patch as Backbone.ObjectHash);
    this.model.save_changes();
  }

  /** Reads the point positions (x, y traits) and resizes the screen and mask arrays. */
  protected loadPoints(): void {
    this.xs = f32(this.get("x"));
    this.ys = f32(this.get("y"));
    this.sx = new Float32Array(this.xs.length);
    this.sy = new Float32Array(this.xs.length);
    this.mask = new Uint8Array(this.xs.length);
  }

  /** Marks the selected points in the mask; returns the selection. */
  protected readSelection(): number[] {
    const sel = this.get("selected");
    this.mask.fill(0);
    for (const i of sel) if (i >= 0 && i < this.mask.length) this.mask[i] = 1;
    return sel;
  }

  /** Sets the selection and saves it (so the kernel's `selected` follows, whoever started it). */
  protected commitSelection(sel: number[]): void {
    this.save({ selected: sel } as Partial<T>);
  }

  /** Screen positions of all points for the current viewport, and the hover grid of those inside the canvas. */
  protected project(): void {
    const vp = this.vp;
    const W = this.canvas.width,
      H = this.canvas.height;
    for (let i = 0; i < this.xs.length; i++) {
      this.sx[i] = vp.sx(this.xs[i]);
      this.sy[i] = vp.sy(this.ys[i]);
    }
    this.grid ??= new PointGrid(this.pickRadius + 2);
    this.grid.build(this.sx, this.sy, (i) => this.sx[i] >= 0 && this.sx[i] <= W && this.sy[i] >= 0 && this.sy[i] <= H);
  }

  /** The point nearest to a canvas position within {@link pickRadius}, or -1. */
  protected nearest(p: [number, number]): number {
    return this.grid ? this.grid.nearest(p[0], p[1], this.sx, this.sy, this.pickRadius) : -1;
  }

  /** Points whose screen position lies in the rectangle spanned by a and b. */
  protected pointsInBox(a: [number, number], b: [number, number]): number[] {
    const [xa, xb] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
    const [ya, yb] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
    const sel: number[] = [];
    for (let i = 0; i < this.xs.length; i++)
      if (this.sx[i] >= xa && this.sx[i] <= xb && this.sy[i] >= ya && this.sy[i] <= yb) sel.push(i);
    return sel;
  }

  /** A click at p: selects the nearest point, or adds it to the selection with ctrl/cmd. */
  protected clickSelect(p: [number, number], e: MouseEvent): void {
    const i = this.nearest(p);
    if (i < 0) return;
    const cur = this.get("selected");
    this.commitSelection(e.ctrlKey || e.metaKey ? [...new Set([...cur, i])].sort((a, b) => a - b) : [i]);
  }

  /** One line per channel with point i's value (category names where the channel has them). */
  protected channelLines(i: number): string[] {
    const chans = this.get("channels");
    const infos = this.get("channel_info");
    return Object.entries(chans).map(([k, dv]) => {
      const v = floatAt(dv, i);
      const lab = infos[k]?.labels?.[Math.round(v)];
      return `${k}: ${lab ?? (infos[k]?.kind === "categorical" ? String(Math.round(v)) : fmt(v))}`;
    });
  }

  /** Canvas position (canvas pixels) of a mouse event. */
  protected canvasPos(e: MouseEvent): [number, number] {
    const c = this.canvas;
    const r = c.getBoundingClientRect();
    return [((e.clientX - r.left) * c.width) / r.width, ((e.clientY - r.top) * c.height) / r.height];
  }

  /** Wheel zoom about the mouse. */
  protected attachWheelZoom(): void {
    this.canvas.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const [x, y] = this.canvasPos(e);
        this.vp.zoom(x, y, e.deltaY > 0 ? 1.15 : 1 / 1.15);
        this.scheduleDraw();
      },
      { passive: false },
    );
  }

  /** Redraws at the next animation frame (once, however many events arrive before it). */
  protected scheduleDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Test and debugging hook on the element: screen position (canvas px) of point i, the canvas, the view. */
  protected exposeHook(): void {
    (this.el as unknown as { ivae: unknown }).ivae = {
      screenPos: (i: number) => [this.vp.sx(this.xs[i]), this.vp.sy(this.ys[i])],
      canvas: this.canvas,
      view: this,
    };
  }
}
