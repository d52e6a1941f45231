export {};
export {
  pearson, offsetCorrelation, circularMean, circularCorrelation, wrapAngle, angleRecovery, confusionMatrix,
  clusterPurity, adjustedRandIndex, hungarian, bestMatchAccuracy, nearestCentroidAccuracy,
} from "./metrics";
export type { AngleFit, AngleRecovery, AngleRecoveryOptions, ConfusionMatrix, BestMatch, CentroidAccuracy } from "./metrics";
export { kmeans, gmm } from "./cluster";
export type { KMeansOptions, KMeansResult, GMMOptions, GMMResult } from "./cluster";
