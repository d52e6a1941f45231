import { check, checkFinite, checkInt } from "../util/errors";

/**
 * Class transitions of atomic columns between the frames of a movie (AtomAI's `atomstat.calculate_transition_matrix`
 * and `sum_transitions`: counts of class i at frame t → class j at frame t + 1 for the same column). Columns are
 * followed from frame to frame by `linkFrames` (mutual nearest neighbours after removing the frames' median shift,
 * the stage drift), so no tracking by hand is needed.
 */

/** Positions of points (columns, patches) over frames: x, y in px, frame index per point. */
export interface FramePoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  frame: ArrayLike<number>;
}

/** Options of `linkFrames`. */
export interface LinkOptions {
  /** largest distance (px) between a column and itself one frame later, after the drift is removed */
  maxDistance: number;
  /** remove the median shift between consecutive frames before matching (default true) */
  drift?: boolean;
}

/** Class transition counts and rates between consecutive frames. */
export interface TransitionMatrix {
  /** k × k: counts[i][j] = columns of class i at frame t and class j at frame t + 1, summed over t */
  counts: number[][];
  /** counts divided by their row total (a row with no column in it is all zeros: see `rowTotals`) */
  probabilities: number[][];
  /** columns of each class that were followed to the next frame */
  rowTotals: number[];
  /** the same counts per frame pair: perFrame[t] for t → t + 1 */
  perFrame: number[][][];
  /** followed columns in all */
  pairs: number;
}

function checkPoints(p: FramePoints, where: string): number {
  const n = p.x.length;
  check(p.y.length === n && p.frame.length === n, where, `x, y, frame must have one entry per point (${n})`);
  checkFinite(p.x, where, "x");
  checkFinite(p.y, where, "y");
  for (let i = 0; i < n; i++) checkInt(p.frame[i], where, `frame[${i}]`, 0);
  return n;
}

/** Nearest point of `to` for each of `from` (brute force: a few thousand columns per frame take milliseconds). */
function nearest(p: FramePoints, from: number[], to: number[], sx: number, sy: number): { j: number; d: number }[] {
  return from.map((i) => {
    let best = -1,
      bd = Infinity;
    for (const j of to) {
      const d = Math.hypot(p.x[j] - p.x[i] - sx, p.y[j] - p.y[i] - sy);
      if (d < bd) [best, bd] = [j, d];
    }
    return { j: best, d: bd };
  });
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
};

/**
 * Follows each point to the next frame: `next[i]` is the index of the same column in frame `frame[i] + 1`, or −1
 * when it has no partner there (left the field, vacancy, missed by the atom finder). A pair must be mutual nearest
 * neighbours within `maxDistance` once the median shift between the two frames is subtracted.
 */
export function linkFrames(points: FramePoints, opts: LinkOptions): Int32Array {
  const where = "linkFrames";
  const n = checkPoints(points, where);
  check(opts != null && opts.maxDistance > 0 && Number.isFinite(opts.maxDistance), where, "maxDistance (px) > 0");
  const byFrame = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const f = points.frame[i];
    if (!byFrame.has(f)) byFrame.set(f, []);
    byFrame.get(f)!.push(i);
  }
  const next = new Int32Array(n).fill(-1);
  for (const [f, a] of byFrame) {
    const b = byFrame.get(f + 1);
    if (!b) continue;
    let sx = 0,
      sy = 0;
    if (opts.drift ?? true) {
      const raw = nearest(points, a, b, 0, 0).map((m, k) => ({ ...m, i: a[k] }));
      const close = raw.filter((m) => m.d <= 2 * opts.maxDistance);
      sx = median(close.map((m) => points.x[m.j] - points.x[m.i]));
      sy = median(close.map((m) => points.y[m.j] - points.y[m.i]));
    }
    const fwd = nearest(points, a, b, sx, sy);
    const back = nearest(points, b, a, -sx, -sy);
    const backOf = new Map(b.map((j, k) => [j, back[k].j]));
    fwd.forEach((m, k) => {
      if (m.j >= 0 && m.d <= opts.maxDistance && backOf.get(m.j) === a[k]) next[a[k]] = m.j;
    });
  }
  return next;
}

/**
 * Counts class transitions along links: for every point i with `next[i] >= 0`, class[i] → class[next[i]] in
 * the frame pair of i. `classes` are integers in [0, k).
 */
export function transitionMatrix(
  classes: ArrayLike<number>,
  next: ArrayLike<number>,
  frame: ArrayLike<number>,
  k: number,
): TransitionMatrix {
  const where = "transitionMatrix";
  const n = classes.length;
  checkInt(k, where, "k (number of classes)", 1);
  check(next.length === n && frame.length === n, where, `classes, next and frame need one entry per point (${n})`);
  const zeros = () => Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const counts = zeros();
  const perFrame: number[][][] = [];
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    const c = classes[i];
    check(Number.isInteger(c) && c >= 0 && c < k, where, `class ${c} at index ${i} is not in [0, ${k})`);
    const j = next[i];
    if (j < 0) continue;
    check(Number.isInteger(j) && j < n, where, `next[${i}] = ${j} is not a point index or −1`);
    const t = frame[i];
    checkInt(t, where, `frame[${i}]`, 0);
    check(frame[j] === t + 1, where, `next[${i}] links frame ${t} to frame ${frame[j]}, expected ${t + 1}`);
    const d = classes[j];
    check(Number.isInteger(d) && d >= 0 && d < k, where, `class ${d} at index ${j} is not in [0, ${k})`);
    while (perFrame.length <= t) perFrame.push(zeros());
    perFrame[t][c][d]++;
    counts[c][d]++;
    pairs++;
  }
  const rowTotals = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const probabilities = counts.map((r, i) => r.map((v) => (rowTotals[i] > 0 ? v / rowTotals[i] : 0)));
  return { counts, probabilities, rowTotals, perFrame, pairs };
}

/** Links the columns of consecutive frames and counts their class transitions: `linkFrames` + `transitionMatrix`. */
export function classTransitions(
  classes: ArrayLike<number>,
  points: FramePoints,
  opts: LinkOptions & { k: number },
): TransitionMatrix & { next: Int32Array } {
  check(classes.length === points.x.length, "classTransitions", "one class per point");
  const next = linkFrames(points, opts);
  return { ...transitionMatrix(classes, next, points.frame, opts.k), next };
}
