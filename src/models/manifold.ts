import type { ImageStack } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import type { DecodableModel } from "./contracts";

/** Options of `manifold`. */
export interface ManifoldOptions {
  /**
   * [min, max] of both latents (default [−2, 2], the prior's bulk), or "data": each latent from the
   * `quantiles` of the encoded means in `data` (as AtomAI's manifold2d lets users set the limits), i.e. the
   * region the data occupy
   */
  range?: [number, number] | "data";
  /** with `range: "data"`: an encoding of the data (its `zMean`, n × latentDim) */
  data?: { zMean: Float32Array };
  /** with `range: "data"`: lower and upper quantile of each latent (default [0.05, 0.95]) */
  quantiles?: [number, number];
  /** grid points per axis (default 10) */
  steps?: number;
  /** which two latents span the grid (default [0, 1]) */
  dims?: [number, number];
  /** angle (rad, CCW) at which to render, rVAE only (default 0 = canonical pose) */
  angle?: number;
  /** shift in pixels (default 0) */
  dx?: number;
  dy?: number;
  /** class index, required for conditional models */
  label?: number;
}

/** Options of `traversal`. */
export interface TraversalOptions {
  /** which latent to vary */
  dim: number;
  /** [min, max] (default [−2, 2]) */
  range?: [number, number];
  /** number of images (default 10) */
  steps?: number;
  /** values of the other latents (default all 0) */
  base?: ArrayLike<number>;
  angle?: number;
  dx?: number;
  dy?: number;
  label?: number;
}

function linspace(a: number, b: number, n: number): number[] {
  return n === 1 ? [(a + b) / 2] : Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** The q-quantile (linear interpolation) of latent k of n × d row-major means. */
function latentQuantile(zMean: Float32Array, d: number, k: number, q: number): number {
  const n = zMean.length / d;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = zMean[i * d + k];
  v.sort();
  const pos = q * (n - 1),
    lo = Math.floor(pos),
    hi = Math.min(n - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/** The grid range of latent k: the given [min, max], or the data's quantiles for `range: "data"`. */
function axisRange(opts: ManifoldOptions, d: number, k: number, where: string): [number, number] {
  if (opts.range !== "data") return opts.range ?? [-2, 2];
  const data = opts.data;
  check(
    data != null && data.zMean instanceof Float32Array && data.zMean.length >= 2 * d && data.zMean.length % d === 0,
    where,
    `range: "data" needs data: an encoding of at least two images (model.encode(images)) whose zMean has ` +
      `latentDim = ${d} columns`,
  );
  const [q0, q1] = opts.quantiles ?? [0.05, 0.95];
  check(
    Number.isFinite(q0) && Number.isFinite(q1) && q0 >= 0 && q1 <= 1 && q0 < q1,
    where,
    `quantiles must be [lo, hi] with 0 <= lo < hi <= 1, got ${JSON.stringify(opts.quantiles)}`,
  );
  for (let i = 0; i < data.zMean.length; i++) {
    check(Number.isFinite(data.zMean[i]), where, `data.zMean has a non-finite value at flat index ${i}`);
  }
  const lo = latentQuantile(data.zMean, d, k, q0),
    hi = latentQuantile(data.zMean, d, k, q1);
  // all means equal on this latent: a small window around them rather than an empty range
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

function checkRange(range: [number, number], where: string): void {
  check(
    Array.isArray(range) &&
      range.length === 2 &&
      Number.isFinite(range[0]) &&
      Number.isFinite(range[1]) &&
      range[0] < range[1],
    where,
    `range must be [min, max] with finite min < max, got ${JSON.stringify(range)}`,
  );
}

/**
 * Decodes a steps × steps grid over two latents, row-major over (z2 descending, z1 ascending) as in
 * pyroVED's manifold2d, so that drawn as an image grid z1 grows to the right and z2 upward.
 * Returns steps² images. For a 1-latent model this is a traversal of `steps` images.
 */
export function latentManifold(model: DecodableModel, opts: ManifoldOptions = {}): ImageStack {
  const where = `${model.config.className}.manifold`;
  const steps = opts.steps ?? 10;
  checkInt(steps, where, "steps", 1);
  const d = model.config.latentDim;
  if (d === 1) {
    const range = axisRange(opts, d, 0, where);
    checkRange(range, where);
    return latentTraversal(model, {
      dim: 0,
      range,
      steps,
      angle: opts.angle,
      dx: opts.dx,
      dy: opts.dy,
      label: opts.label,
    });
  }
  const [i1, i2] = opts.dims ?? [0, 1];
  check(
    i1 !== i2 && [i1, i2].every((k) => Number.isInteger(k) && k >= 0 && k < d),
    where,
    `dims must be two different latent indices in [0, ${d}), got [${i1}, ${i2}]`,
  );
  const range1 = axisRange(opts, d, i1, where),
    range2 = axisRange(opts, d, i2, where);
  checkRange(range1, where);
  checkRange(range2, where);
  const grid1 = linspace(range1[0], range1[1], steps),
    grid2 = linspace(range2[0], range2[1], steps);
  // the other latents sit at the data's median with range "data", else at 0
  const base = new Float32Array(d);
  if (opts.range === "data") for (let k = 0; k < d; k++) base[k] = latentQuantile(opts.data!.zMean, d, k, 0.5);
  const z = new Float32Array(steps * steps * d);
  let r = 0;
  for (let a = steps - 1; a >= 0; a--) {
    for (let b = 0; b < steps; b++, r++) {
      z.set(base, r * d);
      z[r * d + i1] = grid1[b];
      z[r * d + i2] = grid2[a];
    }
  }
  return model.decode(z, decodeExtras(model, opts));
}

/** Decodes `steps` images along latent `dim` with the others held at `base` (default 0). */
export function latentTraversal(model: DecodableModel, opts: TraversalOptions): ImageStack {
  const where = `${model.config.className}.traversal`;
  const d = model.config.latentDim;
  check(
    opts != null && Number.isInteger(opts.dim) && opts.dim >= 0 && opts.dim < d,
    where,
    `dim must be a latent index in [0, ${d}), got ${opts?.dim}`,
  );
  const range = opts.range ?? [-2, 2];
  const steps = opts.steps ?? 10;
  checkRange(range, where);
  checkInt(steps, where, "steps", 1);
  if (opts.base !== undefined)
    check(opts.base.length === d, where, `base has ${opts.base.length} values, expected latentDim = ${d}`);
  const z = new Float32Array(steps * d);
  linspace(range[0], range[1], steps).forEach((v, i) => {
    for (let k = 0; k < d; k++) z[i * d + k] = opts.base ? opts.base[k] : 0;
    z[i * d + opts.dim] = v;
  });
  return model.decode(z, decodeExtras(model, opts));
}

function decodeExtras(model: DecodableModel, o: { angle?: number; dx?: number; dy?: number; label?: number }) {
  return {
    angle: model.config.rotation ? (o.angle ?? 0) : o.angle,
    dx: model.config.translation ? (o.dx ?? 0) : o.dx,
    dy: model.config.translation ? (o.dy ?? 0) : o.dy,
    labels: o.label,
  };
}
