/**
 * Clustering of latent spaces: seeded k-means (k-means++ initialisation, best of several restarts) and
 * Gaussian mixtures fitted by EM (initialised from k-means; full or diagonal covariances).
 *
 * Points are an n × dim row-major array (what the encoders return as `zMean`). Latent spaces are small
 * (2-10 dimensions) but can hold 10^5 points, so this is plain typed-array code with float64 accumulators,
 * no tfjs.
 */
export { kmeans } from "./kmeans";
export type { KMeansOptions, KMeansResult } from "./kmeans";
export { gmm } from "./gmm";
export type { GMMOptions, GMMResult } from "./gmm";
