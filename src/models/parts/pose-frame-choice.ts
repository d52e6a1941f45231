import * as tf from "@tensorflow/tfjs";
import type { LatentSpec, Posterior } from "./latents";

/**
 * How the equivariant encoder ranks its candidate frames (`frameChoice`). "reconstruction": −log p(x | means),
 * the frame the decoder draws best. "elbo": that plus every latent's KL at the candidate's posterior, i.e. the
 * −ELBO at the means, so the angle prior p(γ) = N(0, s_γ²) breaks near-ties between frames in favour of the one
 * nearer upright: when the decoder draws a class about as well turned by 180° (a blob early on, or a "2" and its
 * half-turn), the frame the prior prefers wins, and the class settles in one frame
 * (docs/experiments/rotated-digits-pose.md, session 7).
 */
export type FrameChoice = "reconstruction" | "elbo";

/**
 * The candidate's score [B] for `frameChoice: "elbo"`: the reconstruction nats `nll` [B], measured on a pixel
 * subset and scaled by `pixelScale` (all pixels / subset) to the whole image, plus Σ KL(q ‖ p) of the latents.
 */
export function candidateNegElbo(
  nll: tf.Tensor1D,
  pixelScale: number,
  specs: LatentSpec[],
  post: Posterior,
): tf.Tensor1D {
  return tf.tidy(() => {
    let s = tf.mul(nll, pixelScale) as tf.Tensor1D;
    for (const l of specs) s = tf.add(s, l.kl(post[l.name])) as tf.Tensor1D;
    return s;
  });
}
