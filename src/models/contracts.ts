import type * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import type { ModelConfig } from "./config";
import type { Posterior } from "./parts/latents";

/**
 * The types models share with the modules that use them (encode, manifold, training), kept apart from the
 * model class so that those modules depend on the contract, not on model.ts (no import circle).
 */

/** Posterior parameters of one batch, as tensors (the z/angle/offset view of `latents`). */
export interface PosteriorTensors {
  zMean: tf.Tensor2D;
  zLogVar: tf.Tensor2D;
  angleMean?: tf.Tensor1D;
  angleLogVar?: tf.Tensor1D;
  /** [B, 2] shift in grid units (x right, y up) */
  tMean?: tf.Tensor2D;
  tLogVar?: tf.Tensor2D;
  /** [B] scale s = 1 + σ_s u (posterior mean) and the log-variance of u (models with a scale latent) */
  scaleMean?: tf.Tensor1D;
  scaleLogVar?: tf.Tensor1D;
  /** [B, classes] posterior class probabilities (models with a discrete latent) */
  classProbs?: tf.Tensor2D;
  /** every latent's posterior by name, [B, dim] */
  latents: Posterior;
}

/**
 * The loss of one batch: `loss` and the model's named terms ("reconstruction", then one KL term per latent,
 * e.g. "klZ", "klAngle", "klOffset"), means over the batch in nats per image. `reconstruction`, `klZ`,
 * `klAngle` and `klOffset` are the same tensors under their old names (0 where the model has no such term).
 */
export interface LossTerms {
  loss: tf.Scalar;
  terms: Record<string, tf.Scalar>;
  reconstruction: tf.Scalar;
  klZ: tf.Scalar;
  klAngle: tf.Scalar;
  klOffset: tf.Scalar;
}

/** Options of one loss evaluation. */
export interface LossOptions {
  /** seed of the reparameterisation noise */
  seed: number;
  /** KL weight β (default 1) */
  beta?: number;
  /** indices of the pixels that enter the reconstruction term (unbiased estimate, scaled by P/m) */
  pixelIndices?: Int32Array;
  /** 1-based training epoch, for objectives that change during training (e.g. the jrVAE's capacity annealing) */
  epoch?: number;
  /**
   * Per image of the batch, an angle (radians, CCW as displayed) whose nearest trial frame is taken instead of the
   * frame search (`TrainOptions.initialAngles`)
   */
  frameHint?: Float32Array;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** angle(s) in radians, CCW-positive as displayed: one for all rows or one per row (rVAE only) */
  angle?: number | ArrayLike<number>;
  /** shift(s) in pixels, +dx to the right (shift-VAE / rVAE with translation only) */
  dx?: number | ArrayLike<number>;
  /** shift(s) in pixels, +dy downward */
  dy?: number | ArrayLike<number>;
  /** size factor(s), 1 = canonical (models with `scale: true` only) */
  scale?: number | ArrayLike<number>;
  /** category of the discrete latent per row or one for all (jrVAE; default: category 0) */
  classes?: number | ArrayLike<number>;
  /** class index per row or one for all (conditional models) */
  labels?: number | ArrayLike<number>;
  /** return the likelihood's mean image (default) or the decoder's logits */
  logits?: boolean;
  /** rows per decoder pass (integer >= 1, default 256) */
  batchSize?: number;
}

/** Options of `reconstruct`. */
export interface ReconstructOptions {
  labels?: ArrayLike<number>;
  batchSize?: number;
}

/** What batched encoding needs of a model (`LatentModel` has it). */
export interface EncodableModel {
  readonly config: ModelConfig;
  checkImages(images: ImageStack | tf.Tensor | number[][][], where: string): ImageStack;
  checkLabels(labels: ArrayLike<number> | undefined | null, n: number, where: string): Int32Array | null;
  oneHot(labels: Int32Array | null, start: number, count: number): tf.Tensor2D | null;
  encodeTensors(x: tf.Tensor2D, c?: tf.Tensor2D | null, frameHint?: Float32Array): PosteriorTensors;
}

/** What manifolds and traversals need of a model (`LatentModel` has it). */
export interface DecodableModel {
  readonly config: ModelConfig;
  decode(z: Float32Array | ArrayLike<number> | number[][], opts?: DecodeOptions): ImageStack;
}
