export { train } from "./train";
export type { TrainOptions, TrainHistory, BetaWarmup } from "./train";
export { terminalProgress, textProgress, formatReport, formatDuration, termLabel } from "./progress";
export type { EpochReport, ProgressSink } from "./progress";
export { standardizeLatent } from "./standardize-latent";
export type { LatentStandardization } from "./standardize-latent";
export { learningRateAt } from "./lr-schedule";
export type { LearningRateSchedule, CosineSchedule, StepSchedule } from "./lr-schedule";
