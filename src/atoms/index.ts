export * from "./filters";
export * from "./find";
export * from "./refine";
export * from "./scale";
export * from "./background";
export * from "./score";
export * from "./patches";
// the DCNN finder's main names; the rest (net, augmentation, weight files) in the `dcnn` namespace
export { atomProbabilityMap, CANONICAL_SPACING, findAtomsDCNN, loadAtomNet, trainAtomNet } from "./dcnn";
export type { DCNNOptions, TrainAtomNetOptions } from "./dcnn";
export * as dcnn from "./dcnn";
