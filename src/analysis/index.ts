export {};
export { encodeImages, latentColumn } from "./encode";
export type { Encoding, EncodeOptions } from "./encode";
export { latentManifold, latentTraversal } from "./manifold";
export type { ManifoldOptions, TraversalOptions } from "./manifold";
export { pca, symmetricEigen } from "./pca";
export type { PCAResult } from "./pca";
export { nmf } from "./nmf";
export type { NMFResult } from "./nmf";
export { baselineClasses } from "./baselines";
export type { BaselineMethod, BaselineOptions, BaselineResult } from "./baselines";
export { mapPoints, rasterizeMap, labelImage, valueHistogram, valueDensity2d, colorizeMap } from "./maps";
export type { MapSites, MapPoint, RasterMap, Histogram, Density2D } from "./maps";
export {
  pearson,
  offsetCorrelation,
  circularMean,
  circularCorrelation,
  wrapAngle,
  foldAngle,
  knnAccuracy,
  angleRecovery,
  confusionMatrix,
  clusterPurity,
  adjustedRandIndex,
  hungarian,
  bestMatchAccuracy,
  nearestCentroidAccuracy,
} from "./metrics";
export type {
  AngleFit,
  AngleRecovery,
  AngleRecoveryOptions,
  ConfusionMatrix,
  BestMatch,
  CentroidAccuracy,
} from "./metrics";
export { kmeans, gmm } from "./cluster";
export type { KMeansOptions, KMeansResult, GMMOptions, GMMResult } from "./cluster";
export {
  patchRange,
  unitPatches,
  latticeRotation,
  clusterFeatures,
  clusterLabels,
  rvaePatchClasses,
  nameClustersByMajority,
  meanSd,
} from "./microscopy";
export type { ClusterFeatures, RvaePatchOptions, RvaePatchResult } from "./microscopy";
export { offsetProbes, translationInvariance, shiftTracking, linearR2 } from "./invariance";
export type { OffsetProbes, TranslationInvariance } from "./invariance";
export { poseMaps } from "./pose-maps";
export { synchroniseAngles } from "./angle-sync";
export type { AngleSync, AngleSyncOptions } from "./angle-sync";
export { learnUprightPose } from "./upright-pose";
export type { UprightAngles, UprightGeometry, UprightPose, UprightPoseOptions } from "./upright-pose";
export { saveUprightPose, loadUprightPose } from "./upright-pose-io";
export type { PoseMapOptions, PoseMapPanel } from "./pose-maps";
export { linkFrames, transitionMatrix, classTransitions } from "./transitions";
export type { FramePoints, LinkOptions, TransitionMatrix } from "./transitions";
