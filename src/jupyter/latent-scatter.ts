/**
 * LatentScatter: tens of thousands of latent points drawn on a canvas in the browser, coloured by a
 * channel, with zoom/pan, hover → the point's patch, and box/lasso selection that comes back here.
 */
import { ImageStack } from "../data/image-stack";
import { IvaeInputError } from "../util/errors";
import { ChannelInput, checkIndices, toChannelTraits } from "./channels";
import { LATENT_SCATTER_DEFAULTS, LatentScatterState } from "./state";
import { Widget } from "./widget";

export type { LatentScatterState } from "./state";

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
  /**
   * Hover patches travel as 8-bit n × h × w buffers, so they are downsampled (area average) to at
   * most `maxPatchSize` pixels on their longer side (default 24)...
   */
  maxPatchSize?: number;
  /** ...and further, keeping the aspect ratio, until all of them fit in `maxPatchBytes` (default 16 MiB). */
  maxPatchBytes?: number;
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

/** Default cap on the longer side of hover patches sent to the browser. */
export const MAX_PATCH_SIZE = 24;
/** Default cap on the bytes of all hover patches together (n × h × w). */
export const MAX_PATCH_BYTES = 16 * 1024 * 1024;

/**
 * The patch shape sent to the browser: `[h, w]` scaled down (never up, aspect kept) so that the
 * longer side is at most `maxSize` and `n·h·w <= maxBytes`; at least 1×1.
 */
export function hoverPatchShape(
  n: number,
  h: number,
  w: number,
  maxSize = MAX_PATCH_SIZE,
  maxBytes = MAX_PATCH_BYTES,
): [number, number] {
  if (!(maxSize >= 1) || !(maxBytes >= n))
    throw new IvaeInputError(
      `LatentScatter: maxPatchSize must be >= 1 and maxPatchBytes >= the number of patches (${n}); got ${maxSize}, ` +
        `${maxBytes}`,
    );
  let f = Math.min(1, maxSize / Math.max(h, w), Math.sqrt(maxBytes / (n * h * w)));
  let oh = Math.max(1, Math.floor(h * f + 1e-9));
  let ow = Math.max(1, Math.floor(w * f + 1e-9));
  while (n * oh * ow > maxBytes && (oh > 1 || ow > 1)) {
    f *= 0.97;
    oh = Math.max(1, Math.floor(h * f));
    ow = Math.max(1, Math.floor(w * f));
  }
  return [oh, ow];
}

/**
 * Area-average downsampling of every image of a stack to `oh × ow` (each output pixel is the mean
 * of the input area it covers, fractional pixels weighted), so thin features fade instead of
 * aliasing away. Returns the stack itself when the shape does not change.
 */
export function downsampleStack(p: ImageStack, oh: number, ow: number): ImageStack {
  const { n, height: h, width: w } = p;
  if (oh === h && ow === w) return p;
  if (!(oh >= 1 && ow >= 1 && oh <= h && ow <= w))
    throw new IvaeInputError(`downsampleStack: ${oh}x${ow} is not a downsampling of ${h}x${w}`);
  // Separable weights: out index -> list of (in index, weight), weights sum to 1.
  const weights = (inN: number, outN: number): { i: number; w: number }[][] => {
    const s = inN / outN;
    return Array.from({ length: outN }, (_, o) => {
      const a = o * s,
        b = (o + 1) * s,
        out: { i: number; w: number }[] = [];
      for (let i = Math.floor(a); i < Math.min(inN, Math.ceil(b)); i++) {
        const cover = Math.min(b, i + 1) - Math.max(a, i);
        if (cover > 1e-9) out.push({ i, w: cover / s });
      }
      return out;
    });
  };
  const wr = weights(h, oh),
    wc = weights(w, ow);
  const data = new Float32Array(n * oh * ow);
  const rows = new Float32Array(oh * w);
  for (let k = 0; k < n; k++) {
    const src = k * h * w;
    rows.fill(0);
    for (let o = 0; o < oh; o++)
      for (const { i, w: wt } of wr[o]) for (let c = 0; c < w; c++) rows[o * w + c] += wt * p.data[src + i * w + c];
    const dst = k * oh * ow;
    for (let o = 0; o < oh; o++)
      for (let q = 0; q < ow; q++) {
        let v = 0;
        for (const { i, w: wt } of wc[q]) v += wt * rows[o * w + i];
        data[dst + o * ow + q] = v;
      }
  }
  return { data, n, height: oh, width: ow };
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
      if (!(Number.isInteger(d) && d >= 1 && opts.z.length % d === 0))
        throw new IvaeInputError(`${where}: z has ${opts.z.length} values, not a multiple of zDim=${d}`);
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
    if (y.length !== n || n === 0)
      throw new IvaeInputError(`${where}: x and y must have the same non-zero length (got ${n}, ${y.length})`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i]))
        throw new IvaeInputError(`${where}: point ${i} is not finite`);
    const ch = toChannelTraits(where, n, opts.channels);
    const names = Object.keys(ch.channels);
    const colorBy = opts.colorBy ?? names[0] ?? "";
    if (colorBy && !(colorBy in ch.channels))
      throw new IvaeInputError(`${where}: colorBy "${colorBy}" is not one of the channels (${names.join(", ")})`);
    if (opts.patches && opts.patches.n !== n)
      throw new IvaeInputError(`${where}: ${opts.patches.n} patches for ${n} points`);
    let hover: ImageStack | undefined;
    if (opts.patches) {
      const [oh, ow] = hoverPatchShape(
        n,
        opts.patches.height,
        opts.patches.width,
        opts.maxPatchSize,
        opts.maxPatchBytes,
      );
      hover = downsampleStack(opts.patches, oh, ow);
    }
    const dl = opts.z ? (opts.dims ?? [0, 1]).map((d) => `z${d + 1}`) : ["x", "y"];
    super("LatentScatterModel", "LatentScatterView", {
      ...LATENT_SCATTER_DEFAULTS,
      x,
      y,
      ...ch,
      color_by: colorBy,
      colormap: opts.colormap ?? LATENT_SCATTER_DEFAULTS.colormap,
      patches: hover ? patchesToBytes(hover) : null,
      patch_shape: hover ? [hover.height, hover.width] : [0, 0],
      patch_source_shape: opts.patches ? [opts.patches.height, opts.patches.width] : [0, 0],
      point_size: opts.pointSize ?? (n > 20000 ? 1.5 : n > 2000 ? 2.5 : 4),
      width: opts.width ?? LATENT_SCATTER_DEFAULTS.width,
      height: opts.height ?? LATENT_SCATTER_DEFAULTS.height,
      title: opts.title ?? LATENT_SCATTER_DEFAULTS.title,
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
    if (key === "selected" && Array.isArray(value))
      return checkIndices("LatentScatter (from the browser)", this.n, value as number[]);
    return value;
  }
}
