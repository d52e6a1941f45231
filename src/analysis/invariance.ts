import { ImageStack } from "../data/image-stack";
import { extractPatches, PatchSet } from "../atoms/patches";
import { check, checkInt } from "../util/errors";
import type { Encoding } from "./encode";

/**
 * How translation-invariant a model's latents are on windows cut from a periodic image (the route
 * without atom finding): windows at every whole-pixel offset (u, v) within one lattice period around a
 * point deep in one phase. The structure is the same in all of them, only its position in the window
 * changes, so an invariant z is constant over them while a plain VAE's z follows the offset.
 */

/** Windows at every offset of one lattice cell, with the offsets. */
export interface OffsetProbes {
  windows: PatchSet;
  /** offset of each window from (x, y), px, in [0, period) */
  u: Int32Array;
  v: Int32Array;
  period: number;
}

/**
 * Cuts windows of `size` px centred at (x + u, y + v) for every whole u, v in [0, period): one lattice
 * cell of offsets (period = the cell's side in px). Whole-pixel cuts (no resampling), mirrored at the edge.
 */
export function offsetProbes(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  opts: { x: number; y: number; period: number; size: number },
): OffsetProbes {
  const where = "offsetProbes";
  check(
    Number.isFinite(opts.period) && opts.period >= 2,
    where,
    `period must be the lattice period in px (>= 2), got ${opts.period}`,
  );
  checkInt(opts.size, where, "size", 4);
  check(Number.isFinite(opts.x) && Number.isFinite(opts.y), where, `x and y must be numbers, got ${opts.x}, ${opts.y}`);
  const n = Math.round(opts.period);
  const u: number[] = [],
    v: number[] = [];
  for (let b = 0; b < n; b++)
    for (let a = 0; a < n; a++) {
      u.push(a);
      v.push(b);
    }
  const windows = extractPatches(
    image,
    { x: u.map((a) => opts.x + a), y: v.map((b) => opts.y + b) },
    { size: opts.size, interpolation: "nearest", edge: "reflect" },
  );
  return { windows, u: Int32Array.from(u), v: Int32Array.from(v), period: opts.period };
}

/** Result of {@link translationInvariance}. */
export interface TranslationInvariance {
  /**
   * Σ_j var(z_j over the probes) / Σ_j var(z_j over the reference windows): 0 for a z that ignores the
   * offset; about 1 or more when the offset moves z as much as the whole image does
   */
  varianceRatio: number;
  /** per latent, R² of a linear fit of z_j on (cos, sin) of 2πu/period and 2πv/period (periodic in the offset) */
  r2FromOffset: number[];
  /** how the inferred shifts follow the window offset, {@link shiftTracking}; absent without shift latents */
  dxVsOffset?: number;
  dyVsOffset?: number;
}

/** Scores the latents of the probe windows against the latents of all windows of the image. */
export function translationInvariance(
  probes: OffsetProbes,
  probeEncoding: Encoding,
  referenceEncoding: Encoding,
): TranslationInvariance {
  const where = "translationInvariance";
  const d = probeEncoding.latentDim,
    n = probeEncoding.n;
  check(n === probes.u.length, where, `probe encoding has ${n} rows for ${probes.u.length} probe windows`);
  check(
    referenceEncoding.latentDim === d,
    where,
    `latent dims differ: probes ${d}, reference ${referenceEncoding.latentDim}`,
  );
  const variance = (e: Encoding, j: number) => {
    let mu = 0,
      s = 0;
    for (let i = 0; i < e.n; i++) mu += e.zMean[i * d + j];
    mu /= e.n;
    for (let i = 0; i < e.n; i++) s += (e.zMean[i * d + j] - mu) ** 2;
    return s / e.n;
  };
  let vp = 0,
    vr = 0;
  for (let j = 0; j < d; j++) {
    vp += variance(probeEncoding, j);
    vr += variance(referenceEncoding, j);
  }
  const ph = (a: number) => (2 * Math.PI * a) / probes.period;
  const X = Array.from(probes.u, (a, i) => [
    Math.cos(ph(a)),
    Math.sin(ph(a)),
    Math.cos(ph(probes.v[i])),
    Math.sin(ph(probes.v[i])),
  ]);
  const r2FromOffset = Array.from({ length: d }, (_, j) =>
    linearR2(
      X,
      Float64Array.from({ length: n }, (_, i) => probeEncoding.zMean[i * d + j]),
    ),
  );
  const out: TranslationInvariance = { varianceRatio: vr > 0 ? vp / vr : 0, r2FromOffset };
  if (probeEncoding.dx && probeEncoding.dy) {
    out.dxVsOffset = shiftTracking(probeEncoding.dx, probes.u, probes.period);
    out.dyVsOffset = shiftTracking(probeEncoding.dy, probes.v, probes.period);
  }
  return out;
}

/**
 * How closely inferred shifts follow true offsets modulo a lattice period: with phases a = 2π·shift/period
 * and b = 2π·offset/period, R± = |mean exp(i(a ∓ b))| is 1 when shift = ±offset + const (mod period) and
 * near 0 when unrelated. Returns +R+ or −R−, whichever is larger: the sign says whether the shift moves
 * with the offset or against it (moving a window right moves its content left). Used instead of a
 * circular correlation coefficient, which is undefined for offsets spread evenly over the whole period.
 */
export function shiftTracking(shift: ArrayLike<number>, offset: ArrayLike<number>, period: number): number {
  check(
    shift.length === offset.length && shift.length > 0,
    "shiftTracking",
    `got ${shift.length} shifts for ${offset.length} offsets`,
  );
  check(Number.isFinite(period) && period > 0, "shiftTracking", `period must be > 0 px, got ${period}`);
  const w = (2 * Math.PI) / period;
  let cp = 0,
    sp = 0,
    cm = 0,
    sm = 0;
  for (let i = 0; i < shift.length; i++) {
    check(Number.isFinite(shift[i]), "shiftTracking", `shift ${i} is not finite (${shift[i]})`);
    const dp = w * (shift[i] - offset[i]),
      dm = w * (shift[i] + offset[i]);
    cp += Math.cos(dp);
    sp += Math.sin(dp);
    cm += Math.cos(dm);
    sm += Math.sin(dm);
  }
  const n = shift.length,
    rp = Math.hypot(cp, sp) / n,
    rm = Math.hypot(cm, sm) / n;
  return rp >= rm ? rp : -rm;
}

/** R² of the least-squares fit of y on the columns of X plus an intercept (normal equations, tiny ridge). */
export function linearR2(X: number[][], y: ArrayLike<number>): number {
  const n = y.length;
  check(X.length === n && n > 0, "linearR2", `X has ${X.length} rows for ${n} values`);
  const m = X[0].length + 1;
  const A = Array.from({ length: m }, () => new Float64Array(m + 1));
  for (let i = 0; i < n; i++) {
    const row = [1, ...X[i]];
    for (let a = 0; a < m; a++) {
      A[a][m] += row[a] * y[i];
      for (let c = 0; c < m; c++) A[a][c] += row[a] * row[c];
    }
  }
  for (let a = 0; a < m; a++) A[a][a] += 1e-9;
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= m; k++) A[r][k] -= f * A[c][k];
    }
  }
  const w = A.map((r, i) => r[m] / r[i]);
  let mu = 0;
  for (let i = 0; i < n; i++) mu += y[i];
  mu /= n;
  let ssr = 0,
    sst = 0;
  for (let i = 0; i < n; i++) {
    const pred = [1, ...X[i]].reduce((a, v, k) => a + v * w[k], 0);
    ssr += (y[i] - pred) ** 2;
    sst += (y[i] - mu) ** 2;
  }
  return sst > 0 ? 1 - ssr / sst : 0;
}
