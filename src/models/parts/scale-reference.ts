import * as tf from "@tensorflow/tfjs";
import type { ParamStore } from "../params";
import { Random } from "../../util/random";

/** Hidden units of the reference's net (4 suits need 4 values at 4 places in a 2-D z). */
const HIDDEN = 16;

/**
 * The per-content reference size of the scale search (`scaleReference: "content"`,
 * docs/experiments/scale-latent.md, session 11): log r_ref(z) = log r_ref + g(z), g a small tanh net of the content
 * latent's posterior mean (weights `scale.ref.*`, g = 0 at the start), fitted to each image's log r_g by least
 * squares and by nothing else. What it settles: the cards data draw each suit at U(0.8, 1.2) of *its own* size
 * (glyph height 0.45 of the frame), so "scale 1" is a different r_g per suit (hearts 3.85 px, diamonds 2.50 px)
 * and the mean log-scale is the same in every suit. The least-squares fit of log r_g on z makes the mean of
 * log ŝ = log r_g − log r_ref(z) zero in every class that z separates, which is that definition; one trainable
 * r_ref left it to the ELBO, which kept the raw r_g ratios on the failing seeds (the decoder used s as a suit cue).
 * No circle: z is read from the image de-scaled by the *global* r_ref, which is scale-invariant, and the fit does
 * not reach z (it reads z's values) nor does the ELBO reach g (ŝ enters the posterior as data).
 */
export class ContentReference {
  private readonly W1: tf.Variable;
  private readonly b1: tf.Variable;
  private readonly W2: tf.Variable;

  /** `seed` draws W1 from its own stream, so that a seed gives the model's other weights as without it. */
  constructor(params: ParamStore, latentDim: number, seed: number) {
    const rng = new Random(seed + 0x5ca1e);
    const a = Math.sqrt(6 / (latentDim + HIDDEN));
    const w = Float32Array.from({ length: latentDim * HIDDEN }, () => rng.uniform(-a, a));
    this.W1 = params.add("scale.ref.W1", [latentDim, HIDDEN], w);
    this.b1 = params.zeros("scale.ref.b1", HIDDEN);
    this.W2 = params.add("scale.ref.W2", [HIDDEN, 1], new Float32Array(HIDDEN));
  }

  /** g(z) [B, 1] of the values of z [B, d] (a fresh tensor: no gradient reaches the encoder). */
  offset(z: Float32Array, B: number): tf.Tensor2D {
    return tf.tidy(() => {
      const zc = tf.tensor2d(z, [B, z.length / B]);
      return tf.matMul(tf.tanh(tf.add(tf.matMul(zc, this.W1), this.b1)), this.W2) as tf.Tensor2D;
    });
  }
}
