// The parts models are wired from (issue 12): likelihoods, latent specs, encoders, decoders.
export { bernoulli, gaussian, makeLikelihood } from "./likelihood";
export type { Likelihood as LikelihoodPart, LikelihoodConfig } from "./likelihood";
export { normalLatent, sampleLatents, negativeElbo } from "./latents";
export type { LatentKind, LatentSpec, GaussianPosterior, Posterior, NamedLoss } from "./latents";
export { MlpEncoder } from "./encoder";
export type { Encoder, HeadColumn } from "./encoder";
export { EquivariantPoseEncoder, polarFrameScorer } from "./equivariant-pose-encoder";
export type { CandidateScore, FrameScorer } from "./equivariant-pose-encoder";
export { GroupPoseScorer } from "./group-pose-scorer";
export { OffsetSearchEncoder } from "./offset-search-encoder";
export { MlpDecoder } from "./decoder";
export type { Decoder, DecoderPose } from "./decoder";
export { CoordinateDecoder } from "./coordinate-decoder";
export { ScaleSearch, logGyrationRadii, scaledNormalisedImages } from "./scale-search";
export { CentredScaleEncoder } from "./centred-scale-encoder";
