/**
 * Disentanglement and clustering metrics: how well do a model's latent variables recover the known
 * generative factors (angle, offsets, class) of a synthetic data set such as the cards?
 *
 * Everything works on plain arrays and throws `IvaeInputError` on mismatched lengths, non-finite values or
 * degenerate input (e.g. a constant variable, whose correlation is undefined) instead of returning NaN.
 */
import { IvaeInputError, check, checkInt } from "../util/errors";
import { Random } from "../util/random";

type Num = ArrayLike<number>;

function checkPair(where: string, a: Num, b: Num, min = 2): void {
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

function checkLabels(where: string, what: string, x: Num): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isInteger(x[i])) throw new IvaeInputError(`${where}: ${what}[${i}] = ${x[i]} is not an integer label`);
  }
}

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

/** How well one group's inferred angles follow the true ones. */
export interface AngleFit {
  /** group label (−1 for the pooled result) */
  group: number;
  n: number;
  /** rotational symmetry order k used: angles were compared as k·angle */
  symmetry: number;
  /** Jammalamadaka–Sengupta ρ of k·inferred vs k·truth; negative when the encoder's angle runs backwards */
  rho: number;
  absRho: number;
  /** fitted inferred ≈ slope·truth + offset (least squares after removing wraps); slope ≈ ±1 when recovered */
  slope: number;
  /** radians, defined modulo 2π/k */
  offset: number;
  /** root-mean-square of the wrapped residual inferred − (sign·truth + offset), radians (in the k-fold frame, divided by k) */
  residualRms: number;
}

/** Result of `angleRecovery`. */
export interface AngleRecovery {
  /** one entry per group, in increasing group order */
  groups: AngleFit[];
  /** all points together (each compared in its own group's k-fold frame); rho is diluted by per-group offsets */
  overall: AngleFit;
  /** group-size-weighted mean of the per-group |ρ|: the headline number (offsets between classes are allowed) */
  meanAbsRho: number;
}

/** Options of `angleRecovery`. */
export interface AngleRecoveryOptions {
  /** integer group (class) per point, e.g. the suit; default one group */
  groups?: ArrayLike<number>;
  /** rotational symmetry order: one number for all, or per group label (index = label), e.g. cards' `symmetry` */
  symmetry?: number | ArrayLike<number>;
}

function fitAngles(inf: Float64Array, tru: Float64Array, k: number, group: number): AngleFit {
  const n = inf.length;
  const ki = new Float64Array(n),
    kt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ki[i] = k * inf[i];
    kt[i] = k * tru[i];
  }
  const rho = circularCorrelation(ki, kt);
  const sign = rho >= 0 ? 1 : -1;
  // Offset: circular mean of the residual in the k-fold frame (defined modulo 2π/k back in radians).
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) res[i] = ki[i] - sign * kt[i];
  const off = circularMean(res);
  // Unwrap the inferred angles around the fitted line, then an ordinary least-squares line.
  let mt = 0,
    mu = 0;
  const unwrapped = new Float64Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = wrapAngle(res[i] - off);
    ss += r * r;
    unwrapped[i] = (sign * kt[i] + off + r) / k;
    mt += tru[i];
    mu += unwrapped[i];
  }
  mt /= n;
  mu /= n;
  let stu = 0,
    stt = 0;
  for (let i = 0; i < n; i++) {
    stu += (tru[i] - mt) * (unwrapped[i] - mu);
    stt += (tru[i] - mt) ** 2;
  }
  const slope = stt > 0 ? stu / stt : sign;
  return {
    group,
    n,
    symmetry: k,
    rho,
    absRho: Math.abs(rho),
    slope,
    offset: mu - slope * mt,
    residualRms: Math.sqrt(ss / n) / k,
  };
}

/**
 * Angle recovery of a rotation-invariant model: per group (e.g. suit) and overall, the circular correlation
 * between the inferred angle (the encoder's posterior mean, radians) and the true rotation, plus the fitted
 * line inferred ≈ slope·truth + offset. The rVAE learns each class's angle only up to a class-specific
 * offset (its own "upright" pose) and possibly with the opposite sense, so the headline is the per-group
 * |ρ| weighted by group size. For a group with k-fold rotational symmetry (diamonds: k = 2) the angle is
 * only defined modulo 2π/k, so k·inferred is compared with k·truth.
 *
 * Also accepts the positional form `angleRecovery(inferred, truth, groups, symmetry)`.
 */
export function angleRecovery(
  inferred: Num,
  truth: Num,
  opts: AngleRecoveryOptions | ArrayLike<number> = {},
  symmetryArg?: number | ArrayLike<number>,
): AngleRecovery {
  const where = "angleRecovery";
  checkPair(where, inferred, truth);
  const o: AngleRecoveryOptions = isArrayLike(opts) ? { groups: opts, symmetry: symmetryArg } : { ...opts };
  if (!isArrayLike(opts) && symmetryArg !== undefined) o.symmetry = symmetryArg;
  const n = inferred.length;
  const groups = o.groups ?? new Int32Array(n);
  check(groups.length === n, where, `groups has ${groups.length} entries but there are ${n} angles`);
  checkLabels(where, "groups", groups);
  const symOf = (g: number): number => {
    const s = o.symmetry;
    const k = s === undefined ? 1 : typeof s === "number" ? s : s[g];
    if (!Number.isInteger(k) || (k as number) < 1) {
      throw new IvaeInputError(
        `${where}: symmetry for group ${g} is ${String(k)}; expected an integer >= 1 (diamonds 2, others 1)`,
      );
    }
    return k as number;
  };
  const labels = [...new Set(Array.from(groups))].sort((x, y) => x - y);
  const fits: AngleFit[] = [];
  for (const g of labels) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (groups[i] === g) idx.push(i);
    if (idx.length < 3) throw new IvaeInputError(`${where}: group ${g} has only ${idx.length} points; need at least 3`);
    fits.push(
      fitAngles(
        Float64Array.from(idx, (i) => inferred[i]),
        Float64Array.from(idx, (i) => truth[i]),
        symOf(g),
        g,
      ),
    );
  }
  // Pooled: each point in its group's k-fold frame, i.e. compare k·angle (then report on that scale with k = 1).
  const ki = new Float64Array(n),
    kt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = symOf(groups[i]);
    ki[i] = k * inferred[i];
    kt[i] = k * truth[i];
  }
  const allSame = fits.every((f) => f.symmetry === fits[0].symmetry);
  const overall = allSame
    ? fitAngles(Float64Array.from(inferred), Float64Array.from(truth), fits[0].symmetry, -1)
    : fitAngles(ki, kt, 1, -1);
  let w = 0;
  for (const f of fits) w += f.n * f.absRho;
  return { groups: fits, overall, meanAbsRho: w / n };
}

function isArrayLike(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || ArrayBuffer.isView(x);
}

/** Compact integer codes 0..m-1 for arbitrary integer labels, plus the sorted distinct labels. */
function encode(x: Num): { codes: Int32Array; values: number[] } {
  const values = [...new Set(Array.from(x))].sort((a, b) => a - b);
  const map = new Map(values.map((v, i) => [v, i]));
  const codes = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) codes[i] = map.get(x[i])!;
  return { codes, values };
}

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
