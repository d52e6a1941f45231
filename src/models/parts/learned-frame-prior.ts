import * as tf from "@tensorflow/tfjs";
import { fastTanh } from "../ops";
import type { ParamStore } from "../params";
import type { Random } from "../../util/random";

/** Hidden units of the learned frame prior's net (z → tanh layer → K logits). */
export const LEARNED_PRIOR_HIDDEN = 32;

/**
 * Fixed gains on the net's two layers: the hidden layer's pre-activation is 3 (W₁z + b₁), the logits 10 (W₂h + b₂).
 * With one Adam optimizer for the whole model each weight moves about one learning rate a step; the gains make the
 * prior's outputs move about that much faster (docs/experiments/rotated-digits-pose.md, session 12, says why).
 */
export const LEARNED_PRIOR_GAINS = [3, 10] as const;

/**
 * The learned, content-conditional prior over the K trial frames (`framePrior: "learned"`):
 * p(k | z) = softmax(g₂ (W₂ tanh(g₁ (W₁ z + b₁)) + b₂))_k (gains `LEARNED_PRIOR_GAINS`), weights `framePrior.*` in
 * the model's parameters. The generative model becomes p(z) p(k|z) p(x|z,k), so the ELBO's frame term is
 * E_q[log q(k|x) − log p(k|z)]; its parameters are fitted with the rest of the ELBO (an empirical-Bayes prior, as
 * the VampPrior of Tomczak & Welling 2018 learns p(z)). The output layer starts at zero, so a fresh prior is uniform
 * over the K trials.
 */
export class LearnedFramePrior {
  private readonly w1: tf.Variable;
  private readonly b1: tf.Variable;
  private readonly w2: tf.Variable;
  private readonly b2: tf.Variable;

  constructor(
    params: ParamStore,
    readonly latentDim: number,
    readonly steps: number,
    rng: Random,
  ) {
    this.w1 = params.glorot("framePrior.w1", latentDim, LEARNED_PRIOR_HIDDEN, rng);
    this.b1 = params.zeros("framePrior.b1", LEARNED_PRIOR_HIDDEN);
    this.w2 = params.add(
      "framePrior.w2",
      [LEARNED_PRIOR_HIDDEN, steps],
      new Float32Array(LEARNED_PRIOR_HIDDEN * steps),
    );
    this.b2 = params.zeros("framePrior.b2", steps);
  }

  /** log p(k | z) [B, K] for z [B, latentDim]; each row sums to 1 after exp. */
  logPrior(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [g1, g2] = LEARNED_PRIOR_GAINS;
      const h = fastTanh(tf.mul(g1, tf.add(tf.matMul(z, this.w1), this.b1)));
      return tf.logSoftmax(tf.mul(g2, tf.add(tf.matMul(h, this.w2), this.b2))) as tf.Tensor2D;
    });
  }
}

/** KL(q(k|x) ‖ p(k|z)) = Σ_k q (log q − log p) per image [B], for a per-image prior `logPrior` [B, K]. */
export function klFrameConditional(scores: tf.Tensor2D, logPrior: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const logq = tf.logSoftmax(scores);
    return tf.sum(tf.mul(tf.exp(logq), tf.sub(logq, logPrior)), 1) as tf.Tensor1D;
  });
}

/**
 * The prior's input: the candidates' z means weighed by their mixture weights [B, m], as a constant (no gradient
 * reaches the encoder through it, so the prior does not push z to code the angle). `means[c]` is [B, D].
 */
export function priorInput(means: tf.Tensor2D[], weights: tf.Tensor2D): tf.Tensor2D {
  const [B, D] = means[0].shape;
  const w = weights.dataSync();
  const m = means.length;
  const out = new Float32Array(B * D);
  means.forEach((t, c) => {
    const v = t.dataSync();
    for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) out[b * D + d] += w[b * m + c] * v[b * D + d];
  });
  return tf.tensor2d(out, [B, D]);
}
