import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../config";
import type { Posterior } from "./latents";
import { scaleBalanceTerm } from "./scale-balance";

/** The scale latent's parts, as the model wires them: the balance term and the scale-equivariant encoder. */
export { scaleBalanceTerm } from "./scale-balance";
export { mlpOrCentredScale, scaleSearchOf } from "./centred-scale-encoder";

/**
 * The ELBO's `loss` with the scale latent's own terms added (and named in `terms`): `scaleBalance` (weight
 * `config.scaleBalance`) and, with `scaleReference: "content"`, `scaleFit`, the mean square of the reference fit's
 * residual (scale-reference.ts; weight 1: it alone trains the reference, and Adam's steps do not depend on it).
 * `post` is null under the frame mixture, which the config keeps apart from both.
 */
export function withScaleTerms(
  c: ModelConfig,
  post: Posterior | null,
  loss: tf.Scalar,
  terms: Record<string, tf.Scalar>,
): tf.Scalar {
  let out = loss;
  if (c.scaleBalance && post) {
    terms.scaleBalance = scaleBalanceTerm(post, c.scaleBalanceDebiased === true);
    out = tf.add(out, tf.mul(c.scaleBalance, terms.scaleBalance)) as tf.Scalar;
  }
  if (post?.scaleFit) {
    terms.scaleFit = tf.mean(tf.square(post.scaleFit.mean)) as tf.Scalar;
    out = tf.add(out, terms.scaleFit) as tf.Scalar;
  }
  return out;
}
