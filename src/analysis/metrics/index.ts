/**
 * Disentanglement and clustering metrics: how well do a model's latent variables recover the known
 * generative factors (angle, offsets, class) of a synthetic data set such as the cards?
 *
 * Everything works on plain arrays and throws `IvaeInputError` on mismatched lengths, non-finite values or
 * degenerate input (e.g. a constant variable, whose correlation is undefined) instead of returning NaN.
 */
export { pearson, offsetCorrelation, circularMean, circularCorrelation, wrapAngle, foldAngle } from "./correlation";
export { angleRecovery } from "./angles";
export type { AngleFit, AngleRecovery, AngleRecoveryOptions } from "./angles";
export { confusionMatrix, clusterPurity, adjustedRandIndex, hungarian, bestMatchAccuracy } from "./labels";
export type { ConfusionMatrix, BestMatch } from "./labels";
export { nearestCentroidAccuracy, knnAccuracy } from "./separability";
export type { CentroidAccuracy } from "./separability";
