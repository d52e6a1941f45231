/**
 * LatentScatter: tens of thousands of latent points drawn on a canvas in the browser, coloured by a
 * channel, with zoom/pan, hover → the point's patch, and box/lasso selection that comes back here.
 */
import { ImageStack } from "../data/image-stack";
import { IvaeInputError } from "../util/errors";
import { ChannelInput, ChannelTraits, checkIndices, toChannelTraits } from "./channels";
import { Widget } from "./widget";

/** Traits of the LatentScatter model (names as the front end sees them). */
export interface LatentScatterState extends ChannelTraits {
  x: Float32Array;
  y: Float32Array;
  color_by: string;
  colormap: string;
  /** n × patch_shape patches as 8-bit grey (0..255), or null. */
  patches: Uint8Array | null;
  patch_shape: [number, number];
  selected: number[];
  hovered: number;
  point_size: number;
  width: number;
  height: number;
  title: string;
  x_label: string;
  y_label: string;
}

/** Options of {@link LatentScatter}. */
export interface LatentScatterOptions {
  /** Either x and y, or z (n × zDim, row-major) with the two dims to show. */
  x?: ArrayLike<number>;
  y?: ArrayLike<number>;
  z?: Float32Array;
  zDim?: number;
  dims?: [number, number];
  /** Colour channels, one value per point (e.g. suit, angle, class, frame). */
  channels?: { [name: string]: ChannelInput };
  colorBy?: string;
  colormap?: string;
  /** The patch of each point, shown on hover (values scaled to 0..255 over the stack's range). */
  patches?: ImageStack;
  pointSize?: number;
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

/** 8-bit grey patches scaled over the stack's own min..max (why: a fixed 0..1 would blank STEM data). */
export function patchesToBytes(p: ImageStack): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of p.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const s = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8Array(p.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((p.data[i] - lo) * s);
  return out;
}

/** Kernel side of the LatentScatter widget. */
export class LatentScatter extends Widget<LatentScatterState> {
  /** Number of points. */
  readonly n: number;

  constructor(opts: LatentScatterOptions) {
    const where = "LatentScatter";
    let x: Float32Array;
    let y: Float32Array;
    if (opts.z) {
      const d = opts.zDim ?? 2;
      const [a, b] = opts.dims ?? [0, 1];
      if (!(Number.isInteger(d) && d >= 1 && opts.z.length % d === 0)) throw new IvaeInputError(`${where}: z has ${opts.z.length} values, not a multiple of zDim=${d}`);
      if (a >= d || b >= d) throw new IvaeInputError(`${where}: dims ${a},${b} out of range for zDim=${d}`);
      const n = opts.z.length / d;
      x = new Float32Array(n);
      y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = opts.z[i * d + a];
        y[i] = opts.z[i * d + b];
      }
    } else if (opts.x && opts.y) {
      x = Float32Array.from(opts.x);
      y = Float32Array.from(opts.y);
    } else throw new IvaeInputError(`${where}: give x and y, or z (with zDim)`);
    const n = x.length;
    if (y.length !== n || n === 0) throw new IvaeInputError(`${where}: x and y must have the same non-zero length (got ${n}, ${y.length})`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new IvaeInputError(`${where}: point ${i} is not finite`);
    const ch = toChannelTraits(where, n, opts.channels);
    const names = Object.keys(ch.channels);
    const colorBy = opts.colorBy ?? names[0] ?? "";
    if (colorBy && !(colorBy in ch.channels)) throw new IvaeInputError(`${where}: colorBy "${colorBy}" is not one of the channels (${names.join(", ")})`);
    if (opts.patches && opts.patches.n !== n) throw new IvaeInputError(`${where}: ${opts.patches.n} patches for ${n} points`);
    const dl = opts.z ? (opts.dims ?? [0, 1]).map((d) => `z${d + 1}`) : ["x", "y"];
    super("LatentScatterModel", "LatentScatterView", {
      x,
      y,
      ...ch,
      color_by: colorBy,
      colormap: opts.colormap ?? "viridis",
      patches: opts.patches ? patchesToBytes(opts.patches) : null,
      patch_shape: opts.patches ? [opts.patches.height, opts.patches.width] : [0, 0],
      selected: [],
      hovered: -1,
      point_size: opts.pointSize ?? (n > 20000 ? 1.5 : n > 2000 ? 2.5 : 4),
      width: opts.width ?? 520,
      height: opts.height ?? 440,
      title: opts.title ?? "",
      x_label: opts.xLabel ?? dl[0],
      y_label: opts.yLabel ?? dl[1],
    });
    this.n = n;
  }

  /** Indices of the currently selected points (what the user lassoed in the browser). */
  get selected(): number[] {
    return this.get("selected");
  }

  /** Selects points from the kernel (highlighted in the browser and in linked overlays). */
  select(indices: ArrayLike<number>): void {
    this.set({ selected: checkIndices("LatentScatter.select", this.n, indices) });
  }

  /** Index of the point under the mouse, or -1. */
  get hovered(): number {
    return this.get("hovered");
  }

  /** Colours the points by another channel. */
  colorBy(channel: string): void {
    if (!(channel in this.get("channels"))) throw new IvaeInputError(`LatentScatter.colorBy: no channel "${channel}"`);
    this.set({ color_by: channel });
  }

  /** Calls `cb` whenever the selection changes in the browser. */
  onSelect(cb: (indices: number[]) => void): () => void {
    return this.onChange((c) => {
      if (c.selected) cb(c.selected);
    });
  }

  /** Resolves with the next selection the user makes. */
  nextSelection(timeoutMs = 600000): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (off(), reject(new Error("LatentScatter.nextSelection: timed out"))), timeoutMs);
      const off = this.onSelect((s) => (clearTimeout(t), off(), resolve(s)));
    });
  }

  protected override fromFrontend(key: string, value: unknown): unknown {
    if (key === "selected" && Array.isArray(value)) return checkIndices("LatentScatter (from the browser)", this.n, value as number[]);
    return value;
  }
}
