import * as tf from "@tensorflow/tfjs";
import { bernoulliNll, gaussianNll } from "../elbo";
import { likelihoodMean } from "../decode-core";

/**
 * The pixel likelihood p(x | decoder output): the one place that says how the decoder's logits become an
 * image (`mean`) and how an image is scored against them (`nll`, nats per image).
 */
export interface Likelihood {
  readonly config: LikelihoodConfig;
  /**
   * −log p(x | logits) summed over pixels and channels (rows [B, C·P]: the channels of a pixel are independent
   * given z and the pose, so their log-likelihoods add), one value per image: [B]
   */
  nll(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D;
  /** the image the logits stand for: E[x | logits] */
  mean(logits: tf.Tensor): tf.Tensor;
}

/** Which likelihood, with its parameters. */
export type LikelihoodConfig = { kind: "bernoulli" } | { kind: "gaussian"; sigma: number };

/** Bernoulli pixels (intensities in [0, 1]): BCE with logits; mean σ(logit). */
export function bernoulli(): Likelihood {
  return { config: { kind: "bernoulli" }, nll: bernoulliNll, mean: (l) => likelihoodMean(tf, l, "bernoulli") };
}

/**
 * Gaussian pixels with fixed σ around the mean σ(logit) (as pyroVED's `sampler_d: "gaussian"` with its decoder's
 * sigmoid output), so that Bernoulli and Gaussian models share the decoder and differ only in the score.
 */
export function gaussian(sigma: number): Likelihood {
  return {
    config: { kind: "gaussian", sigma },
    nll: (l, x) => gaussianNll(l, x, sigma),
    mean: (l) => likelihoodMean(tf, l, "gaussian"),
  };
}

/** The likelihood part for a configuration. */
export function makeLikelihood(c: LikelihoodConfig): Likelihood {
  switch (c.kind) {
    case "bernoulli":
      return bernoulli();
    case "gaussian":
      return gaussian(c.sigma);
  }
}
