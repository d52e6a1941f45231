import { check, checkFinite, checkInt, IvaeInputError } from "../util/errors";
import { Random } from "../util/random";

/** A non-negative matrix factorisation X ≈ W H. */
export interface NMFResult {
  components: number;
  /** n × components, non-negative (abundances / weights) */
  W: Float32Array;
  /** components × d, non-negative (parts / endmember spectra) */
  H: Float32Array;
  /** relative Frobenius error ‖X − WH‖ / ‖X‖ */
  relativeError: number;
  iterations: number;
}

/**
 * NMF by Lee–Seung multiplicative updates minimising the Frobenius error, from a seeded random start
 * scaled to the data. The natural baseline for spectra and for HAADF patches (intensities ≥ 0).
 * Rejects negative values (shift or clip the data first: NMF has no meaning for them).
 */
export function nmf(
  X: Float32Array,
  n: number,
  d: number,
  components: number,
  opts: { seed?: number; maxIter?: number; tol?: number } = {},
): NMFResult {
  checkInt(n, "nmf", "n");
  checkInt(d, "nmf", "d");
  checkInt(components, "nmf", "components");
  check(X.length === n * d, "nmf", `X has ${X.length} values, expected n*d = ${n * d}`);
  checkFinite(X, "nmf", "X");
  let mean = 0;
  for (let i = 0; i < X.length; i++) {
    if (X[i] < 0)
      throw new IvaeInputError(
        `nmf: X has a negative value (${X[i]}) at flat index ${i}; expected non-negative data (subtract the minimum ` +
          `first)`,
      );
    mean += X[i];
  }
  mean /= X.length;
  const k = components,
    rng = new Random(opts.seed ?? 0);
  const scale = Math.sqrt(mean / k);
  const W = new Float64Array(n * k).map(() => scale * rng.uniform(0.1, 1));
  const H = new Float64Array(k * d).map(() => scale * rng.uniform(0.1, 1));
  const maxIter = opts.maxIter ?? 300,
    tol = opts.tol ?? 1e-5,
    eps = 1e-12;
  let normX = 0;
  for (let i = 0; i < X.length; i++) normX += X[i] * X[i];
  const WtX = new Float64Array(k * d),
    WtW = new Float64Array(k * k),
    XHt = new Float64Array(n * k),
    HHt = new Float64Array(k * k);
  let prev = Infinity,
    err = 0,
    it = 0;
  for (it = 1; it <= maxIter; it++) {
    // H ← H ∘ (WᵀX) / (WᵀW H)
    WtX.fill(0);
    WtW.fill(0);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < k; a++) {
        const w = W[i * k + a];
        for (let j = 0; j < d; j++) WtX[a * d + j] += w * X[i * d + j];
        for (let b = 0; b < k; b++) WtW[a * k + b] += w * W[i * k + b];
      }
    for (let a = 0; a < k; a++)
      for (let j = 0; j < d; j++) {
        let den = 0;
        for (let b = 0; b < k; b++) den += WtW[a * k + b] * H[b * d + j];
        H[a * d + j] *= WtX[a * d + j] / (den + eps);
      }
    // W ← W ∘ (X Hᵀ) / (W H Hᵀ)
    XHt.fill(0);
    HHt.fill(0);
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += H[a * d + j] * H[b * d + j];
        HHt[a * k + b] = s;
      }
    for (let i = 0; i < n; i++)
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += X[i * d + j] * H[a * d + j];
        XHt[i * k + a] = s;
      }
    for (let i = 0; i < n; i++)
      for (let a = 0; a < k; a++) {
        let den = 0;
        for (let b = 0; b < k; b++) den += W[i * k + b] * HHt[b * k + a];
        W[i * k + a] *= XHt[i * k + a] / (den + eps);
      }
    if (it % 10 === 0 || it === maxIter) {
      // ‖X − WH‖² = ‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW HHᵀ), without forming WH
      let cross = 0,
        quad = 0;
      for (let i = 0; i < n * k; i++) cross += W[i] * XHt[i];
      WtW.fill(0);
      for (let i = 0; i < n; i++)
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) WtW[a * k + b] += W[i * k + a] * W[i * k + b];
      for (let a = 0; a < k * k; a++) quad += WtW[a] * HHt[a];
      err = Math.sqrt(Math.max(0, normX - 2 * cross + quad) / (normX || 1));
      if (prev - err < tol * Math.max(err, 1e-12) && it > 20) break;
      prev = err;
    }
  }
  return {
    components: k,
    W: Float32Array.from(W),
    H: Float32Array.from(H),
    relativeError: err,
    iterations: Math.min(it, maxIter),
  };
}
