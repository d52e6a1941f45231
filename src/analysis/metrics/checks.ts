/** Input checks and label codes shared by the metrics. */
import { IvaeInputError, check } from "../../util/errors";

/** Numbers: a plain array or a typed array. */
export type Num = ArrayLike<number>;

/** Two finite arrays of the same length, at least `min` long. */
export function checkPair(where: string, a: Num, b: Num, min = 2): void {
  check(
    a != null && b != null && typeof a.length === "number" && typeof b.length === "number",
    where,
    "expected two arrays of numbers",
  );
  if (a.length !== b.length)
    throw new IvaeInputError(`${where}: the two arrays differ in length (${a.length} vs ${b.length})`);
  if (a.length < min) throw new IvaeInputError(`${where}: needs at least ${min} values, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      throw new IvaeInputError(`${where}: non-finite value at index ${i} (${a[i]}, ${b[i]}); expected finite numbers`);
    }
  }
}

/** Integer labels only. */
export function checkLabels(where: string, what: string, x: Num): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isInteger(x[i])) throw new IvaeInputError(`${where}: ${what}[${i}] = ${x[i]} is not an integer label`);
  }
}

/** A plain or typed array of numbers (not an options object). */
export function isArrayLike(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || ArrayBuffer.isView(x);
}

/** Compact integer codes 0..m-1 for arbitrary integer labels, plus the sorted distinct labels. */
export function encode(x: Num): { codes: Int32Array; values: number[] } {
  const values = [...new Set(Array.from(x))].sort((a, b) => a - b);
  const map = new Map(values.map((v, i) => [v, i]));
  const codes = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) codes[i] = map.get(x[i])!;
  return { codes, values };
}
