/** How separable the classes are in a latent space: nearest-centroid and k-nearest-neighbour accuracy. */
import { IvaeInputError, check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { Num, checkLabels, encode } from "./checks";

/** Result of `nearestCentroidAccuracy`. */
export interface CentroidAccuracy {
  /** fraction of held-out points assigned to their own class, over all folds */
  accuracy: number;
  /** accuracy in each fold */
  foldAccuracy: number[];
  /** accuracy of always guessing the most frequent class (the chance level to compare with) */
  chance: number;
}

/**
 * Cross-validated nearest-centroid classification of points (n × dim, row-major) by their labels: how
 * linearly-ish separable are the classes in a latent space? The points are split into `folds` seeded
 * random folds; for each, class centroids are computed on the other folds and each held-out point gets
 * the class of the nearest centroid (Euclidean).
 */
export function nearestCentroidAccuracy(
  points: Num,
  dim: number,
  labels: Num,
  opts: { folds?: number; seed?: number } = {},
): CentroidAccuracy {
  const where = "nearestCentroidAccuracy";
  checkInt(dim, where, "dim", 1);
  check(points.length % dim === 0, where, `points has ${points.length} values, not a multiple of dim = ${dim}`);
  const n = points.length / dim;
  check(labels.length === n, where, `labels has ${labels.length} entries but points has ${n} rows of dim ${dim}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i]))
      throw new IvaeInputError(`${where}: points contains a non-finite value at flat index ${i}`);
  }
  checkLabels(where, "labels", labels);
  const folds = opts.folds ?? 5;
  checkInt(folds, where, "folds", 2);
  check(folds <= n, where, `folds = ${folds} exceeds the number of points (${n})`);
  const { codes, values } = encode(labels);
  const k = values.length;
  check(k >= 2, where, "needs at least two classes");
  const counts = new Int32Array(k);
  for (const c of codes) counts[c]++;
  const chance = Math.max(...counts) / n;
  const perm = new Random(opts.seed ?? 0).permutation(n);
  const fold = new Int32Array(n);
  for (let r = 0; r < n; r++) fold[perm[r]] = r % folds;
  const foldAccuracy: number[] = [];
  let hits = 0;
  const sums = new Float64Array(k * dim),
    cnt = new Float64Array(k);
  for (let f = 0; f < folds; f++) {
    sums.fill(0);
    cnt.fill(0);
    for (let i = 0; i < n; i++) {
      if (fold[i] === f) continue;
      const c = codes[i];
      cnt[c]++;
      for (let d = 0; d < dim; d++) sums[c * dim + d] += points[i * dim + d];
    }
    for (let c = 0; c < k; c++) if (cnt[c] > 0) for (let d = 0; d < dim; d++) sums[c * dim + d] /= cnt[c];
    let fh = 0,
      fn = 0;
    for (let i = 0; i < n; i++) {
      if (fold[i] !== f) continue;
      let best = -1,
        bd = Infinity;
      for (let c = 0; c < k; c++) {
        if (cnt[c] === 0) continue; // class absent from the training folds cannot be predicted
        let s = 0;
        for (let d = 0; d < dim; d++) {
          const t = points[i * dim + d] - sums[c * dim + d];
          s += t * t;
        }
        if (s < bd) {
          bd = s;
          best = c;
        }
      }
      fn++;
      if (best === codes[i]) fh++;
    }
    hits += fh;
    foldAccuracy.push(fh / fn);
  }
  return { accuracy: hits / n, foldAccuracy, chance };
}

/**
 * Leave-one-out k-nearest-neighbour classification of points (n × dim, row-major) by their labels
 * (majority of the k nearest others, ties to the nearest): how much of a label a latent space holds
 * whatever the shape of the classes, where a clustering (k-means, GMM) may still fail to find them.
 * O(n²·dim): meant for a few thousand points.
 */
export function knnAccuracy(points: Num, dim: number, labels: Num, opts: { k?: number } = {}): number {
  const where = "knnAccuracy";
  checkInt(dim, where, "dim", 1);
  check(points.length % dim === 0, where, `points has ${points.length} values, not a multiple of dim = ${dim}`);
  const n = points.length / dim;
  check(labels.length === n, where, `labels has ${labels.length} entries but points has ${n} rows of dim ${dim}`);
  const k = opts.k ?? 10;
  checkInt(k, where, "k", 1);
  check(k < n, where, `k = ${k} needs more than k points, got ${n}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i]))
      throw new IvaeInputError(`${where}: points contains a non-finite value at flat index ${i}`);
  }
  checkLabels(where, "labels", labels);
  const { codes, values } = encode(labels);
  const votes = new Float64Array(values.length);
  const d2 = new Float64Array(n),
    order = new Int32Array(n);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) {
        const t = points[i * dim + c] - points[j * dim + c];
        s += t * t;
      }
      d2[j] = j === i ? Infinity : s;
      order[j] = j;
    }
    const nb = Array.from(order)
      .sort((a, b) => d2[a] - d2[b])
      .slice(0, k);
    votes.fill(0);
    // a tiny bonus by rank breaks ties in favour of the nearer neighbours
    nb.forEach((j, r) => {
      votes[codes[j]] += 1 + 1e-6 * (k - r);
    });
    let best = 0;
    for (let c = 1; c < votes.length; c++) if (votes[c] > votes[best]) best = c;
    if (best === codes[i]) hits++;
  }
  return hits / n;
}
