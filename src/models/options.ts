import type { FrameChoice } from "./parts/pose-frame-choice";
export type { FrameChoice } from "./parts/pose-frame-choice";
import type { ScaleRecipeOptions } from "./scale-options";
import type { HalfTurnOption } from "./half-turn-options";

/** The options users pass to the model constructors (resolved and checked by config.ts). */
/** Pixel likelihood p(x|z) by name: Bernoulli (BCE with logits; pixels in [0,1]) or Gaussian with fixed σ. */
export type Likelihood = "bernoulli" | "gaussian";

/** Options shared by every model. */
export interface ModelOptions {
  /** [height, width] of the images */
  imageShape: [number, number];
  /** number of content latents z (default 2) */
  latentDim?: number;
  /** encoder MLP widths (default [128, 128], as pyroVED and AtomAI) */
  encoderHidden?: number[];
  /** decoder MLP widths; for coordinate decoders all widths must be equal */
  decoderHidden?: number[];
  /** default "bernoulli" */
  likelihood?: Likelihood;
  /** σ of the Gaussian likelihood (default 0.5, as pyroVED) */
  decoderSigma?: number;
  /** length of the one-hot label fed to encoder and decoder (0 = unconditional) */
  conditionDim?: number;
  /** seed of the Glorot initialisation (default 0) */
  seed?: number;
  /**
   * detector channels per pixel (default 1), e.g. 2 for a simultaneous ADF/ABF pair: the encoder reads all of
   * them, one z and one pose describe them all, the decoder draws every channel (images [n, channels, h, w])
   */
  channels?: number;
}

/** Options of the rotation/translation invariant VAE. */
export interface RVAEOptions extends ModelOptions, ScaleRecipeOptions, HalfTurnOption {
  /** infer an angle latent γ (default true) */
  rotation?: boolean;
  /** infer a shift latent Δr = (tx, ty) (default true) */
  translation?: boolean;
  /** skip-rVAE: z is added to every hidden decoder layer (default false) */
  skip?: boolean;
  /** s_γ, standard deviation of the angle prior in radians (default π/2; see docs/RESULTS.md) */
  rotationPrior?: number;
  /** s_Δr, standard deviation of the shift prior in grid units, the image spanning [−1, 1] (default 0.1) */
  translationPrior?: number;
  /**
   * How q(γ|x) is inferred (models with rotation). "equivariant" (default): the encoder MLP reads the image
   * de-rotated by `rotationSteps` trial angles and picks the best frame, so the angle turns with the image by
   * construction (see pose-encoder.ts; needed for large rotations). "mlp": one MLP pass as pyroVED/AtomAI,
   * which works for small rotations only (its angle collapses on ±120°, docs/experiments/rvae-angle-collapse.md).
   * "group": as "equivariant", with the frame scores from group convolutions over R rotations (TARGET-VAE's lifting
   * and group convolution) instead of the polar template (`groupRotations`, `groupChannels`).
   */
  poseEncoder?: PoseEncoder;
  /**
   * `poseEncoder: "group"`: the angle bins R of the group-convolution encoder's pose posterior q(r|x) (a multiple
   * of 4, at most 32; default 8), after TARGET-VAE (src/models/parts/group-pose-scorer.ts). Its frame search takes
   * the same options as "equivariant" (frameCandidates, framePosterior, oppositeFrames, poseWarmup, frameChoice,
   * offsetBound); stored only when set.
   */
  groupRotations?: number;
  /** `poseEncoder: "group"`: channels per rotation of its lifting and group convolution (default 8) */
  groupChannels?: number;
  /** number of trial angles of the equivariant encoder (default 64, i.e. every 5.6°) */
  rotationSteps?: number;
  /**
   * Equivariant encoder: how many of the best-scoring frames (≤ 16; at least 45° apart, 180°/m for m > 4) are
   * tried by decoding them; the one that reconstructs the image best gives the pose (default 1: the best score
   * only). Each extra candidate costs a decoder pass per step (measurements: docs/DEVELOPERS.md, "Measured notes").
   */
  frameCandidates?: number;
  /**
   * Equivariant encoder with `frameCandidates` ≥ 2: the candidate frames carry a categorical posterior
   * q(frame|x) (softmax of the frame scores, uniform prior, ELBO term `klFrame`) and training marginalises the
   * ELBO over them, so the scorer learns which frame reconstructs best (TARGET-VAE's posterior over rotations;
   * parts/frame-posterior.ts). Encoding keeps the most probable frame, with no decoding (default false).
   */
  framePosterior?: boolean;
  /**
   * Equivariant pose encoder with translation: the MLP's part of the shift (added to the image's centroid)
   * is bounded to ±offsetBound px per axis (b·tanh). Unbounded, a constant per-class offset lets the decoder
   * draw the content off-centre, cut by the frame when decoded at zero shift (docs/experiments/rvae-decoder.md,
   * "3 seeds"). Default 2 px; 0 = unbounded (models saved before this option load as 0).
   */
  offsetBound?: number;
  /**
   * Equivariant encoder with an even `frameCandidates`: the candidates come in opposite pairs, the best
   * frames' axes each tried both ways (p and p + 180°), so decoding, not the scorer, settles a half-turn.
   * Without it the best frames all lie within about ±100° of the scorer's one peak, and a shape that is
   * nearly the same turned by 180° (a "3" and an "ε") is split between two frames for good
   * (docs/experiments/rotated-digits-pose.md). Default false.
   */
  oppositeFrames?: boolean;
  /**
   * Equivariant encoder: the first `poseWarmup` training epochs hold z at 0, so the decoder draws one image for
   * all and every image's frame is chosen against it; a class then settles in one frame before z can hold a
   * second, turned variant. During those epochs `klZ` reads a constant 9.5 nats per z column (z's posterior is
   * N(0, e⁻²⁰)). Default 0 (docs/experiments/rotated-digits-pose.md).
   */
  poseWarmup?: number;
  /**
   * Equivariant encoder: the highest angular harmonic of the pose scorer's initial kernel (1 to 4). 1 (default):
   * harmonics 0 and 1, one score peak per image at its ink asymmetry. 2 adds the axis term, shared by the members
   * of an elongated class whose ink asymmetry differs (docs/experiments/rotated-digits-pose.md, session 8).
   */
  poseKernelHarmonics?: number;
  /**
   * Equivariant encoder with `frameCandidates` ≥ 2 (hard choice): how the candidates are ranked.
   * "reconstruction" (default): the frame the decoder draws best. "elbo": the −ELBO at the posterior means
   * (reconstruction + the latents' KL), so the angle prior breaks near-ties towards upright
   * (parts/pose-frame-choice.ts).
   */
  frameChoice?: FrameChoice;
  /**
   * Equivariant encoder with `framePosterior` or `frameChoice: "elbo"`: the prior over the trial frames.
   * "uniform" (default): 1/K. "rotation": the angle prior N(0, `rotationPrior`²) at each trial angle, normalised
   * over the trials, in the frame KL (`klFrame`) and, for the hard choice by −ELBO, as −log p(frame) in each
   * candidate's score; so a frame near upright costs less than its half-turn (by π²/(2s²) nats, 3.4 at s = 1.2).
   * For data turned uniformly within ±θ, s ≈ θ/√3 matches their spread (1.2 rad for ±120°). "learned" (needs
   * `framePosterior`): p(k | z), a small net from z to the K trial frames fitted with the ELBO (the generative model
   * becomes p(z) p(k|z) p(x|z,k)); its input is the candidates' weighed z mean, without gradient into the encoder;
   * its weights are saved with the model (parts/learned-frame-prior.ts). Stored only when set.
   */
  framePrior?: FramePrior;
  /**
   * How the shift is inferred when the pose encoder is not the equivariant one (e.g. the shift-VAE).
   * "mlp" (default): one MLP pass. "equivariant": a learned kernel is correlated with the image at every
   * integer shift up to a third of its side, the best shift re-centres it and the MLP reads z from the
   * re-centred image (offset-encoder.ts); for windows cut on a grid over a lattice, without atom finding.
   */
  offsetEncoder?: OffsetEncoder;
  /**
   * Equivariant offset encoder: largest shift tried, px (default a third of the image side). z is read
   * from the central square every such shift keeps inside the image (side − 2·(radius + 1)), so on windows
   * of several unit cells set it to about half the largest lattice period.
   */
  offsetSearchRadius?: number;
  /**
   * Infer a scale latent s (pyroVED's 's' invariance): the canonical image is drawn s times larger,
   * s = 1 + scalePrior·u with u ~ N(0, 1) (default false).
   */
  scale?: boolean;
  /** σ_s, the scale prior's standard deviation (default 0.1, as pyroVED's `sc_prior`) */
  scalePrior?: number;
  /**
   * Weight of the scale balance term (default 0 = none; needs `scale`, not with `framePosterior`): the batch's
   * estimate of E[E[u | z]²], which asks that the mean scale be the same for every content z, so that no class
   * settles at its own mean size (parts/scale-balance.ts).
   */
  scaleBalance?: number;
  /**
   * How the scale is inferred (needs `scale`). "mlp" (default): the MLP's scale column. "equivariant": the image's
   * radius of gyration about its centroid gives a coarse scale, the MLP reads the image de-scaled by it (and
   * centred, de-rotated) and corrects it per class, so s follows a size change with slope 1 by construction
   * (parts/scale-search.ts); with rotation it needs poseEncoder "equivariant" or "group".
   */
  scaleEncoder?: "equivariant" | "mlp";
  /**
   * First layer of the coordinate decoder. "fourier" (default when `decoderHidden` has at least two layers):
   * learned Fourier features sin(c′W + φ) of the transformed pixel coordinates c′, z entering at the next layer;
   * it draws sharp edges in a few epochs (docs/experiments/rvae-decoder.md). "linear": tanh(c′W + zW_z + b),
   * pyroVED's and spatial-VAE's layer, which learns detail slowly.
   */
  coordinateFeatures?: CoordinateFeatures;
  /**
   * "fourier" features: standard deviation σ of the initial frequencies W ~ N(0, σ²), radians per grid unit
   * (the image spans [−1, 1]); default 0.3·(side − 1), a typical feature period of about 10 pixels.
   */
  fourierScale?: number;
  /**
   * Coordinate decoders: widths of tanh layers that read z alone before it enters the decoder (default none: z
   * enters linearly, as pyroVED's). With them the decoder can hold its drawing flat over a region of z and change
   * it sharply at the region's border, which a z entering linearly cannot (docs/experiments/rvae-decoder.md,
   * session 11). Not with `skip`; stored only when set.
   */
  latentHidden?: number[];
  /** `latentHidden`: gain of its first layer's Glorot weights at initialisation (default 1); stored only when set */
  latentGain?: number;
}

/** First layer of the coordinate decoder; see `RVAEOptions.coordinateFeatures`. */
export type CoordinateFeatures = "fourier" | "linear";

/** How a model with translation infers its shift; see `RVAEOptions.offsetEncoder`. */
export type OffsetEncoder = "equivariant" | "mlp";

/** The prior over the equivariant encoder's trial frames; see `RVAEOptions.framePrior`. */
export type FramePrior = "uniform" | "rotation" | "learned";

/** How an rVAE infers its angle; see `RVAEOptions.poseEncoder`. */
export type PoseEncoder = "equivariant" | "group" | "mlp";
