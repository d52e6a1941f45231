import { ImageStack } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import { gmm, kmeans } from "./cluster";
import { nmf } from "./nmf";
import { pca } from "./pca";

/** The classical descriptors of the lecture's comparison slide. */
export type BaselineMethod = "kmeans" | "gmm" | "pca-kmeans" | "pca-gmm" | "nmf-kmeans" | "nmf-gmm";

/** Options of {@link baselineClasses}. */
export interface BaselineOptions {
  /** number of classes */
  k: number;
  method?: BaselineMethod;
  /** PCA/NMF components used as features; default 3 */
  components?: number;
  seed?: number;
}

/** Classes and the features they were computed from. */
export interface BaselineResult {
  method: BaselineMethod;
  labels: Int32Array;
  /** n × dim features the clustering saw (raw pixels for "kmeans"/"gmm") */
  features: Float32Array;
  dim: number;
  /** PCA axes or NMF parts (components × pixels) for display as images, when used */
  basis?: Float32Array;
}

/**
 * Classifies patches (or any n × d rows: per-pixel spectra) with a classical pipeline: raw k-means or
 * GMM, or PCA / NMF features then k-means or GMM. Same patches and k as the VAE classes, so the scores
 * can be compared. Raw GMM uses diagonal covariances (a full d × d covariance per class cannot be estimated
 * from a few hundred patches).
 */
export function baselineClasses(
  data: ImageStack | { data: Float32Array; n: number; d: number },
  opts: BaselineOptions,
): BaselineResult {
  const n = data.n,
    d = "d" in data ? data.d : data.height * data.width;
  checkInt(opts.k, "baselineClasses", "k");
  const method = opts.method ?? "pca-kmeans";
  const comps = opts.components ?? 3;
  const seed = opts.seed ?? 0;
  check(
    ["kmeans", "gmm", "pca-kmeans", "pca-gmm", "nmf-kmeans", "nmf-gmm"].includes(method),
    "baselineClasses",
    `method must be one of kmeans, gmm, pca-kmeans, pca-gmm, nmf-kmeans, nmf-gmm; got ${JSON.stringify(method)}`,
  );
  let features = data.data,
    dim = d,
    basis: Float32Array | undefined;
  if (method.startsWith("pca")) {
    const p = pca(data.data, n, d, comps, { seed });
    features = p.scores;
    dim = comps;
    basis = p.axes;
  } else if (method.startsWith("nmf")) {
    let lo = Infinity;
    for (let i = 0; i < data.data.length; i++) lo = Math.min(lo, data.data[i]);
    // NMF needs non-negative data; a shift by the minimum keeps HAADF contrast unchanged
    const X = lo < 0 ? data.data.map((v) => v - lo) : data.data;
    const m = nmf(X, n, d, comps, { seed, maxIter: 200 });
    features = m.W;
    dim = comps;
    basis = m.H;
  }
  const useGmm = method.endsWith("gmm");
  const labels = useGmm
    ? gmm(features, dim, opts.k, { seed, covariance: dim > 8 ? "diag" : "full", nInit: 2 }).labels
    : kmeans(features, dim, opts.k, { seed, restarts: 8 }).labels;
  return { method, labels, features, dim, basis };
}
