/**
 * Clustering of latent spaces: seeded k-means (k-means++ initialisation, best of several restarts) and
 * Gaussian mixtures fitted by EM (initialised from k-means; full or diagonal covariances).
 *
 * Points are an n × dim row-major array (what the encoders return as `zMean`). Latent spaces are small
 * (2-10 dimensions) but can hold 10^5 points, so this is plain typed-array code with float64 accumulators,
 * no tfjs.
 */
import { IvaeInputError, check, checkInt } from "../util/errors";
import { Random } from "../util/random";

type Points = ArrayLike<number>;

function checkPoints(where: string, points: Points, dim: number, k?: number): number {
  check(
    points != null && typeof points.length === "number",
    where,
    "points must be an array of numbers (n × dim, row-major)",
  );
  checkInt(dim, where, "dim", 1);
  if (points.length % dim !== 0) {
    throw new IvaeInputError(
      `${where}: points has ${points.length} values, which is not a multiple of dim = ${dim} (expected n × dim, row-major)`,
    );
  }
  const n = points.length / dim;
  check(n >= 1, where, "points is empty");
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) {
      throw new IvaeInputError(
        `${where}: points contains a non-finite value (${points[i]}) at point ${Math.floor(i / dim)}, coordinate ${i % dim}`,
      );
    }
  }
  if (k !== undefined) {
    checkInt(k, where, "k (number of clusters)", 1);
    if (k > n) throw new IvaeInputError(`${where}: k = ${k} clusters but only ${n} points; expected k <= n`);
  }
  return n;
}

function checkSeed(where: string, seed: unknown): number {
  const s = seed ?? 0;
  check(typeof s === "number" && Number.isFinite(s), where, `seed must be a finite number, got ${String(seed)}`);
  return s;
}

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

/** Options of `gmm`. */
export interface GMMOptions {
  /** seed of the k-means initialisation (default 0) */
  seed?: number;
  /** "full" (default): one full covariance per component; "diag": axis-aligned */
  covariance?: "full" | "diag";
  /** EM iterations (default 200) */
  maxIter?: number;
  /** stop when the mean log-likelihood per point improves by less than tol (default 1e-5) */
  tol?: number;
  /** added to the covariance diagonals, in units of the data's mean variance, against collapse (default 1e-6) */
  regCovar?: number;
  /** k-means restarts used for the "kmeans" initialisation (default 4) */
  restarts?: number;
  /**
   * initial responsibilities of each EM run: "kmeans" (hard labels of a converged k-means), "kmeans++"
   * (one Lloyd step from k-means++ seeds, more varied), "random" (random soft assignments) or "auto"
   * (default: the first run from k-means, the others random). k-means alone cuts elongated clusters
   * (typical of latent spaces, e.g. a suit smeared along its shear) across, and EM cannot leave that
   * optimum; the random starts find the elongated solution, and the best likelihood decides.
   */
  init?: "auto" | "kmeans" | "kmeans++" | "random";
  /** EM runs from different seeded initialisations; the highest log-likelihood is kept (default 4) */
  nInit?: number;
  /**
   * with nInit > 1 and more points than this, the starts are compared on a seeded random subsample of this
   * many points and only the best is refined on all points (default 20000; 0 = always use all points)
   */
  initSubsample?: number;
}

/** A fitted Gaussian mixture. */
export interface GMMResult {
  k: number;
  dim: number;
  covariance: "full" | "diag";
  /** mixing weights, sum 1 */
  weights: Float64Array;
  /** k × dim */
  means: Float64Array;
  /** full: k × dim × dim; diag: k × dim (variances) */
  covariances: Float64Array;
  /** most probable component of each point */
  labels: Int32Array;
  /** n × k posterior probabilities */
  responsibilities: Float32Array;
  /** total log-likelihood of the data (natural log) */
  logLikelihood: number;
  /** Bayesian information criterion −2 logL + p ln n (lower is better; compare k) */
  bic: number;
  /** Akaike information criterion −2 logL + 2p */
  aic: number;
  /** number of free parameters p */
  nParameters: number;
  iterations: number;
  converged: boolean;
  /** most probable component of new points (m × dim) */
  predict(points: Points): Int32Array;
  /** m × k posterior probabilities of new points */
  predictProba(points: Points): Float32Array;
}

function cholesky(a: Float64Array, dim: number): Float64Array | null {
  const L = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * dim + j];
      for (let q = 0; q < j; q++) s -= L[i * dim + q] * L[j * dim + q];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * dim + i] = Math.sqrt(s);
      } else {
        L[i * dim + j] = s / L[j * dim + j];
      }
    }
  }
  return L;
}

/**
 * Gaussian mixture model fitted by expectation–maximisation, initialised from a seeded k-means. Reports the
 * log-likelihood, BIC/AIC (for choosing k) and responsibilities; `predict` labels new points. Same seed,
 * same result.
 */
export function gmm(points: Points, dim: number, k: number, opts: GMMOptions = {}): GMMResult {
  const where = "gmm";
  const n = checkPoints(where, points, dim, k);
  const covType = opts.covariance ?? "full";
  check(
    covType === "full" || covType === "diag",
    where,
    `covariance must be "full" or "diag", got "${String(covType)}"`,
  );
  const maxIter = opts.maxIter ?? 200;
  checkInt(maxIter, where, "maxIter", 1);
  const tol = opts.tol ?? 1e-5;
  check(Number.isFinite(tol) && tol >= 0, where, `tol must be a finite number >= 0, got ${tol}`);
  const regRel = opts.regCovar ?? 1e-6;
  check(Number.isFinite(regRel) && regRel >= 0, where, `regCovar must be a finite number >= 0, got ${regRel}`);
  const full = covType === "full";

  // Regularisation scaled by the mean per-coordinate variance: latents of any scale behave alike.
  const gmean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) gmean[d] += points[i * dim + d] / n;
  let meanVar = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) meanVar += (points[i * dim + d] - gmean[d]) ** 2;
  meanVar /= n * dim;
  const reg = regRel * (meanVar > 0 ? meanVar : 1);

  const init = opts.init ?? "auto";
  check(
    init === "auto" || init === "kmeans" || init === "kmeans++" || init === "random",
    where,
    `init must be "auto", "kmeans", "kmeans++" or "random", got "${String(init)}"`,
  );
  const nInit = opts.nInit ?? 4;
  checkInt(nInit, where, "nInit", 1);
  const rng = new Random(checkSeed(where, opts.seed));
  const p = k - 1 + k * dim + (full ? (k * dim * (dim + 1)) / 2 : k * dim);

  // With several starts on a large set, choose among them on a seeded subsample (EM from random starts
  // needs many iterations) and refine only the winner on all points.
  const subN = opts.initSubsample ?? 20000;
  checkInt(subN, where, "initSubsample", 0);
  const useSub = nInit > 1 && subN > 0 && n > subN;
  const all = Float64Array.from(points);
  let fitPts = all,
    m = n;
  if (useSub) {
    const idx = new Random(rng.seed()).permutation(n).subarray(0, subN).sort();
    const sub = new Float64Array(subN * dim);
    for (let i = 0; i < subN; i++) for (let d = 0; d < dim; d++) sub[i * dim + d] = all[idx[i] * dim + d];
    fitPts = sub;
    m = subN;
  }

  let best: GMMResult | null = null;
  for (let run = 0; run < nInit; run++) {
    const runSeed = rng.seed();
    const resp = new Float64Array(m * k);
    const how = init === "auto" ? (run === 0 ? "kmeans" : "random") : init;
    if (how === "random") {
      // random soft assignments (every component starts near the global mean with the global spread)
      const r = new Random(runSeed);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += resp[i * k + c] = r.next();
        for (let c = 0; c < k; c++) resp[i * k + c] /= s;
      }
    } else {
      const labels =
        how === "kmeans"
          ? kmeans(fitPts, dim, k, { seed: runSeed, restarts: opts.restarts ?? 4 }).labels
          : kmeans(fitPts, dim, k, { seed: runSeed, restarts: 1, maxIter: 1 }).labels; // k-means++ seeds, one Lloyd step
      for (let i = 0; i < m; i++) resp[i * k + labels[i]] = 1;
    }
    const fit = runEM(fitPts, m, dim, k, full, reg, resp, maxIter, tol, covType, p);
    if (!best || fit.logLikelihood > best.logLikelihood) best = fit;
  }
  if (!useSub) return best!;
  return runEM(all, n, dim, k, full, reg, Float64Array.from(best!.predictProba(all)), maxIter, tol, covType, p);
}

/** EM from initial responsibilities `resp` (n × k, overwritten). All arrays float64 so the loops stay monomorphic. */
function runEM(
  points: Float64Array,
  n: number,
  dim: number,
  k: number,
  full: boolean,
  reg: number,
  resp: Float64Array,
  maxIter: number,
  tol: number,
  covType: "full" | "diag",
  p: number,
): GMMResult {
  const st: EMState = {
    k,
    dim,
    full,
    reg,
    weights: new Float64Array(k),
    means: new Float64Array(k * dim),
    covs: new Float64Array(full ? k * dim * dim : k * dim),
    chol: new Float64Array(k * dim * dim),
    logNorm: new Float64Array(k),
    logW: new Float64Array(k),
  };
  mStep(st, points, n, resp);
  let ll = -Infinity,
    iterations = 0,
    converged = false;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    const next = eStep(st, points, n, resp);
    mStep(st, points, n, resp);
    if (Math.abs(next - ll) / n < tol) {
      converged = true;
      break;
    }
    ll = next;
  }
  // Final responsibilities and likelihood for the final parameters.
  ll = eStep(st, points, n, resp);
  const respOut = Float32Array.from(resp);
  const labels = argmaxRows(resp, n, k);
  const predictProba = (pts: Points): Float32Array => {
    const m = checkPoints("gmm.predict", pts, dim);
    const out = new Float64Array(m * k);
    eStep(st, Float64Array.from(pts), m, out);
    return Float32Array.from(out);
  };
  return {
    k,
    dim,
    covariance: covType,
    weights: st.weights,
    means: st.means,
    covariances: st.covs,
    labels,
    responsibilities: respOut,
    logLikelihood: ll,
    bic: -2 * ll + p * Math.log(n),
    aic: -2 * ll + 2 * p,
    nParameters: p,
    iterations,
    converged,
    predict: (pts: Points) => {
      const pr = predictProba(pts);
      return argmaxRows(pr, pr.length / k, k);
    },
    predictProba,
  };
}

/** Parameters of a mixture plus per-component Cholesky factors (Σ = L Lᵀ) and log-normalisers. */
interface EMState {
  k: number;
  dim: number;
  full: boolean;
  reg: number;
  weights: Float64Array;
  means: Float64Array;
  covs: Float64Array;
  chol: Float64Array;
  logNorm: Float64Array;
  logW: Float64Array;
}

/** M-step: weights, means and (regularised) covariances from responsibilities, then their Cholesky factors. */
function mStep(st: EMState, points: Float64Array, n: number, resp: Float64Array): void {
  const { k, dim, full, reg, weights, means, covs, chol, logNorm, logW } = st;
  const nk = new Float64Array(k);
  means.fill(0);
  covs.fill(0);
  for (let i = 0; i < n; i++) {
    const io = i * dim,
      ro = i * k;
    for (let c = 0; c < k; c++) {
      const r = resp[ro + c];
      if (r === 0) continue;
      nk[c] += r;
      const co = c * dim;
      for (let d = 0; d < dim; d++) means[co + d] += r * points[io + d];
    }
  }
  for (let c = 0; c < k; c++) {
    const w = nk[c] + 10 * Number.EPSILON; // a starved component keeps a defined mean
    for (let d = 0; d < dim; d++) means[c * dim + d] /= w;
    weights[c] = nk[c] / n;
    logW[c] = nk[c] > 0 ? Math.log(weights[c]) : -Infinity;
  }
  // Second pass about the new means (two-pass covariance: no cancellation for off-centre clusters).
  const diff = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const io = i * dim,
      ro = i * k;
    for (let c = 0; c < k; c++) {
      const r = resp[ro + c];
      if (r === 0) continue;
      const co = c * dim;
      for (let d = 0; d < dim; d++) diff[d] = points[io + d] - means[co + d];
      if (full) {
        const o = c * dim * dim;
        for (let a = 0; a < dim; a++) {
          const ra = r * diff[a],
            oa = o + a * dim;
          for (let b = 0; b <= a; b++) covs[oa + b] += ra * diff[b];
        }
      } else {
        for (let d = 0; d < dim; d++) covs[co + d] += r * diff[d] * diff[d];
      }
    }
  }
  chol.fill(0);
  for (let c = 0; c < k; c++) {
    const w = nk[c] + 10 * Number.EPSILON;
    const o = c * dim * dim;
    if (full) {
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b <= a; b++) {
          const v = covs[o + a * dim + b] / w + (a === b ? reg : 0);
          covs[o + a * dim + b] = v;
          covs[o + b * dim + a] = v;
        }
      }
      const L = cholesky(covs.subarray(o, o + dim * dim), dim);
      if (!L) {
        throw new IvaeInputError(
          `gmm: covariance of component ${c} is not positive definite; increase regCovar or use covariance: "diag"`,
        );
      }
      chol.set(L, o);
    } else {
      for (let d = 0; d < dim; d++) {
        covs[c * dim + d] = covs[c * dim + d] / w + reg;
        chol[o + d * dim + d] = Math.sqrt(covs[c * dim + d]);
      }
    }
    let logDet = 0;
    for (let d = 0; d < dim; d++) logDet += 2 * Math.log(chol[o + d * dim + d]);
    logNorm[c] = -0.5 * (dim * Math.log(2 * Math.PI) + logDet);
  }
}

/**
 * E-step: log(weight · N(x | μ, Σ)) per component via forward substitution with L, normalised with
 * log-sum-exp into `out` (m × k posteriors). Returns the total log-likelihood.
 */
function eStep(st: EMState, pts: Float64Array, m: number, out: Float64Array): number {
  const { k, dim, means, chol, logNorm, logW } = st;
  const z = new Float64Array(dim),
    lp = new Float64Array(k);
  let ll = 0;
  for (let i = 0; i < m; i++) {
    const io = i * dim;
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      const o = c * dim * dim,
        co = c * dim;
      let q = 0;
      for (let a = 0; a < dim; a++) {
        const oa = o + a * dim;
        let s = pts[io + a] - means[co + a];
        for (let b = 0; b < a; b++) s -= chol[oa + b] * z[b];
        const za = s / chol[oa + a];
        z[a] = za;
        q += za * za;
      }
      const v = logW[c] + logNorm[c] - 0.5 * q;
      lp[c] = v;
      if (v > mx) mx = v;
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(lp[c] - mx);
    const lse = mx + Math.log(s);
    ll += lse;
    const ro = i * k;
    for (let c = 0; c < k; c++) out[ro + c] = Math.exp(lp[c] - lse);
  }
  return ll;
}

function argmaxRows(x: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (x[i * k + c] > x[i * k + b]) b = c;
    out[i] = b;
  }
  return out;
}
