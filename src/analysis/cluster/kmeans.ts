/** Seeded k-means: k-means++ initialisation, best of several restarts, `predict` for new points. */
import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { Points, checkPoints, checkSeed } from "./points";

/** Options of `kmeans`. */
export interface KMeansOptions {
  /** seed of the k-means++ initialisations (default 0) */
  seed?: number;
  /** independent k-means++ starts; the one with the lowest inertia is kept (default 4) */
  restarts?: number;
  /** Lloyd iterations per start (default 300) */
  maxIter?: number;
  /** stop when no centre moves more than tol × (data scale) (default 1e-6) */
  tol?: number;
}

/** A k-means clustering. */
export interface KMeansResult {
  k: number;
  dim: number;
  /** cluster of each point, 0..k-1 */
  labels: Int32Array;
  /** k × dim row-major */
  centers: Float32Array;
  /** points per cluster */
  sizes: Int32Array;
  /** sum of squared distances of points to their centre */
  inertia: number;
  /** Lloyd iterations of the kept start, and whether it converged */
  iterations: number;
  converged: boolean;
  /** nearest-centre labels of new points (m × dim) */
  predict(points: Points): Int32Array;
}

function nearestCenters(
  points: Points,
  n: number,
  dim: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  dist?: Float64Array,
): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let best = 0,
      bd = Infinity;
    for (let c = 0; c < k; c++) {
      const co = c * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const t = points[o + d] - centers[co + d];
        s += t * t;
      }
      if (s < bd) {
        bd = s;
        best = c;
      }
    }
    labels[i] = best;
    if (dist) dist[i] = bd;
    inertia += bd;
  }
  return inertia;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each new centre drawn with probability ∝ D². */
function kmeansPlusPlus(points: Points, n: number, dim: number, k: number, rng: Random): Float64Array {
  const centers = new Float64Array(k * dim);
  const first = rng.int(n);
  for (let d = 0; d < dim; d++) centers[d] = points[first * dim + d];
  const d2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const t = points[i * dim + d] - centers[d];
      s += t * t;
    }
    d2[i] = s;
  }
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i];
    let pick: number;
    if (total > 0) {
      let r = rng.next() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= d2[i];
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = rng.int(n); // all points coincide with chosen centres: any point will do
    }
    const co = c * dim;
    for (let d = 0; d < dim; d++) centers[co + d] = points[pick * dim + d];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const t = points[i * dim + d] - centers[co + d];
        s += t * t;
      }
      if (s < d2[i]) d2[i] = s;
    }
  }
  return centers;
}

/**
 * k-means clustering (Lloyd's algorithm) with k-means++ initialisation, keeping the best of `restarts`
 * seeded starts. An emptied cluster is re-seeded at the point farthest from its centre, so the result
 * always has k non-empty clusters. Same seed, same result.
 */
export function kmeans(points: Points, dim: number, k: number, opts: KMeansOptions = {}): KMeansResult {
  const where = "kmeans";
  const n = checkPoints(where, points, dim, k);
  const rng = new Random(checkSeed(where, opts.seed));
  const restarts = opts.restarts ?? 4;
  checkInt(restarts, where, "restarts", 1);
  const maxIter = opts.maxIter ?? 300;
  checkInt(maxIter, where, "maxIter", 1);
  const tol = opts.tol ?? 1e-6;
  check(Number.isFinite(tol) && tol >= 0, where, `tol must be a finite number >= 0, got ${tol}`);

  // Tolerance relative to the data's spread, so it means the same for latents of any scale.
  let scale = 0;
  {
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += points[i * dim + d] / n;
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) scale += (points[i * dim + d] - mean[d]) ** 2 / n;
  }
  const tol2 = tol * tol * Math.max(scale, 1e-300);

  let best: {
    labels: Int32Array;
    centers: Float64Array;
    inertia: number;
    iterations: number;
    converged: boolean;
  } | null = null;
  const labels = new Int32Array(n),
    dist = new Float64Array(n);
  const sums = new Float64Array(k * dim),
    counts = new Float64Array(k);
  for (let r = 0; r < restarts; r++) {
    const centers = kmeansPlusPlus(points, n, dim, k, rng.fork());
    let iterations = 0,
      converged = false,
      inertia = 0;
    for (let it = 0; it < maxIter; it++) {
      iterations = it + 1;
      inertia = nearestCenters(points, n, dim, centers, k, labels, dist);
      sums.fill(0);
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const c = labels[i];
        counts[c]++;
        for (let d = 0; d < dim; d++) sums[c * dim + d] += points[i * dim + d];
      }
      let shift = 0;
      for (let c = 0; c < k; c++) {
        if (counts[c] === 0) {
          // empty cluster: move it to the worst-fitted point and take that point away from its cluster
          let far = 0;
          for (let i = 1; i < n; i++) if (dist[i] > dist[far]) far = i;
          dist[far] = 0;
          for (let d = 0; d < dim; d++) centers[c * dim + d] = points[far * dim + d];
          shift = Infinity;
          continue;
        }
        let s = 0;
        for (let d = 0; d < dim; d++) {
          const v = sums[c * dim + d] / counts[c];
          s += (v - centers[c * dim + d]) ** 2;
          centers[c * dim + d] = v;
        }
        if (s > shift) shift = s;
      }
      if (shift <= tol2) {
        converged = true;
        break;
      }
    }
    inertia = nearestCenters(points, n, dim, centers, k, labels);
    if (!best || inertia < best.inertia)
      best = { labels: labels.slice(), centers: centers.slice(), inertia, iterations, converged };
  }
  const b = best!;
  const sizes = new Int32Array(k);
  for (const l of b.labels) sizes[l]++;
  const centers64 = b.centers;
  return {
    k,
    dim,
    labels: b.labels,
    centers: Float32Array.from(centers64),
    sizes,
    inertia: b.inertia,
    iterations: b.iterations,
    converged: b.converged,
    predict(newPoints: Points): Int32Array {
      const m = checkPoints("kmeans.predict", newPoints, dim);
      const out = new Int32Array(m);
      nearestCenters(newPoints, m, dim, centers64, k, out);
      return out;
    },
  };
}
