/** Input checks shared by the clustering algorithms: points as an n × dim row-major array, seeds. */
import { IvaeInputError, check, checkInt } from "../../util/errors";

/** Points: an n × dim row-major array of finite numbers. */
export type Points = ArrayLike<number>;

/** The number of points n, after checking the array (and k ≤ n when given). */
export function checkPoints(where: string, points: Points, dim: number, k?: number): number {
  check(
    points != null && typeof points.length === "number",
    where,
    "points must be an array of numbers (n × dim, row-major)",
  );
  checkInt(dim, where, "dim", 1);
  if (points.length % dim !== 0) {
    throw new IvaeInputError(
      `${where}: points has ${points.length} values, which is not a multiple of dim = ${dim} (expected n × dim, ` +
        `row-major)`,
    );
  }
  const n = points.length / dim;
  check(n >= 1, where, "points is empty");
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) {
      throw new IvaeInputError(
        `${where}: points contains a non-finite value (${points[i]}) at point ${Math.floor(i / dim)}, coordinate ` +
          `${i % dim}`,
      );
    }
  }
  if (k !== undefined) {
    checkInt(k, where, "k (number of clusters)", 1);
    if (k > n) throw new IvaeInputError(`${where}: k = ${k} clusters but only ${n} points; expected k <= n`);
  }
  return n;
}

/** A finite seed (default 0). */
export function checkSeed(where: string, seed: unknown): number {
  const s = seed ?? 0;
  check(typeof s === "number" && Number.isFinite(s), where, `seed must be a finite number, got ${String(seed)}`);
  return s;
}

/** The index of the largest entry of each row of an n × k array. */
export function argmaxRows(x: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (x[i * k + c] > x[i * k + b]) b = c;
    out[i] = b;
  }
  return out;
}
