/** Options and result of a Gaussian mixture fit (`gmm`). */
import type { Points } from "./points";

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
