/** Class labels: one-hot encoding for conditional models and classifiers. */
import { IvaeInputError, checkInt } from "../util/errors";

/**
 * One-hot encoding of integer labels in [0, k): a row-major n × k Float32Array with a 1 in column
 * labels[i] of row i (what the conditional VAE takes as `labels`).
 */
export function oneHot(labels: ArrayLike<number>, k: number): Float32Array {
  checkInt(k, "oneHot", "k (number of classes)", 1);
  const n = labels.length;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new IvaeInputError(`oneHot: label ${i} is ${c}; expected an integer in [0, ${k})`);
    }
    out[i * k + c] = 1;
  }
  return out;
}

/** Counts per class of integer labels in [0, k). */
export function labelCounts(labels: ArrayLike<number>, k: number): Int32Array {
  checkInt(k, "labelCounts", "k (number of classes)", 1);
  const out = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new IvaeInputError(`labelCounts: label ${i} is ${c}; expected an integer in [0, ${k})`);
    }
    out[c]++;
  }
  return out;
}
