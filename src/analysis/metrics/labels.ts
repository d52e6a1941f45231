/** Agreement of cluster labels with true labels: confusion matrix, purity, ARI, best one-to-one match. */
import { check } from "../../util/errors";
import { Num, checkLabels, checkPair, encode } from "./checks";

/** Contingency table rows = true labels, columns = predicted labels. */
export interface ConfusionMatrix {
  /** counts, matrix[r][c] = number of points with true label trueLabels[r] and predicted predLabels[c] */
  matrix: number[][];
  trueLabels: number[];
  predLabels: number[];
}

/**
 * Confusion (contingency) matrix between predicted and true integer labels (any integers; rows and
 * columns list the distinct values in increasing order).
 */
export function confusionMatrix(labelsPred: Num, labelsTrue: Num): ConfusionMatrix {
  checkPair("confusionMatrix", labelsPred, labelsTrue, 1);
  checkLabels("confusionMatrix", "labelsPred", labelsPred);
  checkLabels("confusionMatrix", "labelsTrue", labelsTrue);
  const p = encode(labelsPred),
    t = encode(labelsTrue);
  const matrix = t.values.map(() => new Array<number>(p.values.length).fill(0));
  for (let i = 0; i < labelsPred.length; i++) matrix[t.codes[i]][p.codes[i]]++;
  return { matrix, trueLabels: t.values, predLabels: p.values };
}

/** Purity: fraction of points whose cluster's majority class is their own class (1 = every cluster pure). */
export function clusterPurity(labelsPred: Num, labelsTrue: Num): number {
  const { matrix, predLabels } = confusionMatrix(labelsPred, labelsTrue);
  let s = 0;
  for (let c = 0; c < predLabels.length; c++) {
    let m = 0;
    for (const row of matrix) m = Math.max(m, row[c]);
    s += m;
  }
  return s / labelsPred.length;
}

/**
 * Adjusted Rand index (Hubert & Arabie 1985) between two partitions: 1 for identical partitions (up to
 * relabelling), about 0 for independent ones, negative below chance. Like scikit-learn, two trivial
 * identical partitions (all in one cluster, or all singletons) give 1.
 */
export function adjustedRandIndex(a: Num, b: Num): number {
  const { matrix } = confusionMatrix(a, b);
  const n = a.length;
  const c2 = (x: number) => (x * (x - 1)) / 2;
  let sumCells = 0;
  const rows = new Array<number>(matrix.length).fill(0),
    cols = new Array<number>(matrix[0].length).fill(0);
  for (let r = 0; r < matrix.length; r++) {
    for (let c = 0; c < matrix[r].length; c++) {
      const v = matrix[r][c];
      sumCells += c2(v);
      rows[r] += v;
      cols[c] += v;
    }
  }
  const sa = rows.reduce((s, v) => s + c2(v), 0),
    sb = cols.reduce((s, v) => s + c2(v), 0);
  const expected = (sa * sb) / c2(n);
  const max = (sa + sb) / 2;
  if (max === expected) return 1;
  return (sumCells - expected) / (max - expected);
}

/**
 * Hungarian algorithm (Kuhn–Munkres, O(m³)) for a square cost matrix: the assignment row → column of
 * minimum total cost.
 */
export function hungarian(cost: number[][]): Int32Array {
  const m = cost.length;
  for (const row of cost) check(row.length === m, "hungarian", "the cost matrix must be square");
  // Potentials formulation (e-maxx), 1-based with a virtual column 0.
  const u = new Float64Array(m + 1),
    v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1),
    way = new Int32Array(m + 1);
  for (let i = 1; i <= m; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity,
        j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(m);
  for (let j = 1; j <= m; j++) if (p[j] > 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

/** Result of `bestMatchAccuracy`. */
export interface BestMatch {
  /** fraction of points whose cluster is matched to their class */
  accuracy: number;
  /** [cluster label, class label] pairs of the optimal one-to-one matching (clusters left over are unmatched) */
  mapping: Array<[number, number]>;
}

/**
 * Clustering accuracy under the best one-to-one matching of clusters to classes (Hungarian algorithm on
 * the contingency table). Unlike purity, several clusters cannot all claim the same class, so splitting a
 * class into many clusters is penalised.
 */
export function bestMatchAccuracy(labelsPred: Num, labelsTrue: Num): BestMatch {
  const { matrix, trueLabels, predLabels } = confusionMatrix(labelsPred, labelsTrue);
  const m = Math.max(trueLabels.length, predLabels.length);
  let big = 0;
  for (const row of matrix) for (const v of row) big = Math.max(big, v);
  // rows = clusters, columns = classes, padded with zero-count dummies; cost = big − count
  const cost: number[][] = [];
  for (let c = 0; c < m; c++) {
    const row: number[] = [];
    for (let r = 0; r < m; r++) row.push(big - (c < predLabels.length && r < trueLabels.length ? matrix[r][c] : 0));
    cost.push(row);
  }
  const assign = hungarian(cost);
  let hits = 0;
  const mapping: Array<[number, number]> = [];
  for (let c = 0; c < predLabels.length; c++) {
    const r = assign[c];
    if (r < trueLabels.length) {
      hits += matrix[r][c];
      mapping.push([predLabels[c], trueLabels[r]]);
    }
  }
  return { accuracy: hits / labelsPred.length, mapping };
}
