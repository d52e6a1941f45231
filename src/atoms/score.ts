import { check } from "../util/errors";

/** The result of {@link scoreAtoms}. */
export interface AtomScore {
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** mean / rms distance of the matched pairs, px */
  meanError: number;
  rmsError: number;
  /** for each found atom, the index of its matched true atom, or −1 */
  match: Int32Array;
}

/**
 * Scores found atoms against the ground truth: pairs are matched one-to-one, closest first, within
 * `tolerance` px and only within the same frame; unmatched finds are false positives, unmatched true
 * atoms false negatives. `region` restricts the truth and the finds to a box (e.g. away from the
 * edges, where a column is only half in the image).
 */
export function scoreAtoms(
  found: { x: ArrayLike<number>; y: ArrayLike<number>; frame?: ArrayLike<number> },
  truth: { x: ArrayLike<number>; y: ArrayLike<number>; frame?: ArrayLike<number> },
  opts: { tolerance: number; region?: { x0: number; y0: number; x1: number; y1: number } },
): AtomScore {
  const tol = opts.tolerance;
  check(tol > 0, "scoreAtoms", `tolerance must be > 0 px, got ${tol}`);
  check(
    found.x.length === found.y.length && truth.x.length === truth.y.length,
    "scoreAtoms",
    "x and y must have the same length",
  );
  const inR = (x: number, y: number) =>
    !opts.region || (x >= opts.region.x0 && x < opts.region.x1 && y >= opts.region.y0 && y < opts.region.y1);
  const fIdx: number[] = [],
    tIdx: number[] = [];
  for (let i = 0; i < found.x.length; i++) if (inR(found.x[i], found.y[i])) fIdx.push(i);
  for (let j = 0; j < truth.x.length; j++) if (inR(truth.x[j], truth.y[j])) tIdx.push(j);
  // bucket the truth by frame and a grid of cell = tolerance so that candidate pairs are found in O(n)
  const key = (f: number, gx: number, gy: number) => `${f}:${gx}:${gy}`;
  const grid = new Map<string, number[]>();
  for (const j of tIdx) {
    const k = key(truth.frame?.[j] ?? 0, Math.floor(truth.x[j] / tol), Math.floor(truth.y[j] / tol));
    (grid.get(k) ?? grid.set(k, []).get(k)!).push(j);
  }
  const pairs: [number, number, number][] = [];
  for (const i of fIdx) {
    const f = found.frame?.[i] ?? 0,
      gx = Math.floor(found.x[i] / tol),
      gy = Math.floor(found.y[i] / tol);
    for (let a = -1; a <= 1; a++)
      for (let b = -1; b <= 1; b++) {
        for (const j of grid.get(key(f, gx + a, gy + b)) ?? []) {
          const d = Math.hypot(found.x[i] - truth.x[j], found.y[i] - truth.y[j]);
          if (d <= tol) pairs.push([d, i, j]);
        }
      }
  }
  pairs.sort((p, q) => p[0] - q[0]);
  const match = new Int32Array(found.x.length).fill(-1);
  const used = new Uint8Array(truth.x.length);
  let tp = 0,
    se = 0,
    ae = 0;
  for (const [d, i, j] of pairs) {
    if (match[i] >= 0 || used[j]) continue;
    match[i] = j;
    used[j] = 1;
    tp++;
    se += d * d;
    ae += d;
  }
  const fp = fIdx.length - tp,
    fn = tIdx.length - tp;
  const precision = fIdx.length ? tp / fIdx.length : 0,
    recall = tIdx.length ? tp / tIdx.length : 0;
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    meanError: tp ? ae / tp : NaN,
    rmsError: tp ? Math.sqrt(se / tp) : NaN,
    match,
  };
}

/**
 * Index of the true atom of frame `frame` nearest to (x, y): the ground truth of a found atom that
 * {@link scoreAtoms} left unmatched, or of a sliding window's centre. A linear scan (a few thousand atoms).
 */
export function nearestColumn(
  truth: { x: ArrayLike<number>; y: ArrayLike<number>; frame?: ArrayLike<number> },
  x: number,
  y: number,
  frame = 0,
): number {
  check(truth.x.length > 0, "nearestColumn", "the truth has no atoms");
  let best = -1,
    bd = Infinity;
  for (let k = 0; k < truth.x.length; k++) {
    if ((truth.frame?.[k] ?? 0) !== frame) continue;
    const d = (truth.x[k] - x) ** 2 + (truth.y[k] - y) ** 2;
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  check(best >= 0, "nearestColumn", `the truth has no atoms in frame ${frame}`);
  return best;
}
