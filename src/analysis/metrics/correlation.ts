/** Correlations of linear and circular variables, angle wrapping and folding. */
import { IvaeInputError, check } from "../../util/errors";
import { Num, checkPair } from "./checks";

/** Pearson's correlation coefficient r of two equally long arrays. */
export function pearson(a: Num, b: Num): number {
  checkPair("pearson", a, b);
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma,
      y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  if (!(saa > 0) || !(sbb > 0)) {
    throw new IvaeInputError(
      `pearson: ${saa > 0 ? "the second" : "the first"} array is constant, so the correlation is undefined`,
    );
  }
  return sab / Math.sqrt(saa * sbb);
}

/** |Pearson r| between an inferred offset (e.g. the encoder's dx) and the true one: sign conventions may differ. */
export function offsetCorrelation(inferred: Num, truth: Num): number {
  checkPair("offsetCorrelation", inferred, truth);
  return Math.abs(pearson(inferred, truth));
}

/** Circular mean direction atan2(Σ sin, Σ cos). */
export function circularMean(a: Num): number {
  let s = 0,
    c = 0;
  for (let i = 0; i < a.length; i++) {
    s += Math.sin(a[i]);
    c += Math.cos(a[i]);
  }
  return Math.atan2(s, c);
}

/**
 * Jammalamadaka–Sengupta circular correlation of two angle arrays (radians):
 * ρ = Σ sin(a−ā) sin(b−b̄) / √(Σ sin²(a−ā) Σ sin²(b−b̄)), ā, b̄ the circular means.
 * It is invariant to a constant shift of either variable (ρ(a, a + c) = 1), −1 for a reflection
 * (ρ(a, c − a) = −1), and near 0 for independent angles.
 */
export function circularCorrelation(a: Num, b: Num): number {
  checkPair("circularCorrelation", a, b);
  const ma = circularMean(a),
    mb = circularMean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.sin(a[i] - ma),
      y = Math.sin(b[i] - mb);
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  // relative threshold: rounding leaves ~1e-32 per value for a constant array
  const tiny = 1e-20 * a.length;
  if (!(saa > tiny) || !(sbb > tiny)) {
    throw new IvaeInputError(
      `circularCorrelation: ${saa > tiny ? "the second" : "the first"} angle array has no spread about its mean ` +
        `(all equal modulo π), so the correlation is undefined`,
    );
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Wraps an angle into (−π, π]. */
export function wrapAngle(x: number): number {
  const t = x - 2 * Math.PI * Math.floor((x + Math.PI) / (2 * Math.PI));
  return t === -Math.PI ? Math.PI : t;
}

/**
 * Wraps an angle into (−π/fold, π/fold]: the orientation of an object with `fold`-fold symmetry (a square
 * lattice of columns: 4), for which angles 2π/fold apart are the same pose. The equivariant pose encoder
 * picks one of the equivalent frames per patch, so its angle map over a lattice is only meaningful folded.
 */
export function foldAngle(x: number, fold: number): number {
  check(
    Number.isInteger(fold) && fold >= 1,
    "foldAngle",
    `fold must be an integer >= 1 (the object's rotational symmetry), got ${fold}`,
  );
  return wrapAngle(x * fold) / fold;
}
