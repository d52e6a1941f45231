import type { ModelConfig } from "./config";
import { LatentSpec, normalLatent } from "./parts/latents";

/**
 * Initial log-variance of the pose posteriors q(γ|x), q(Δr|x): log(0.05²). Why: a near-deterministic pose at the
 * start lets the decoder learn to use it. With the usual 0 (σ = 1 rad) the sampled angle is so noisy that the decoder
 * first learns rotation-blurred blobs and the angle latent collapses to the prior (observed on cards3; the local
 * optimum of spatial-VAE issue #2).
 */
export const POSE_INIT_LOGVAR = Math.log(0.05 * 0.05);

/** The latents of the built-in models: z, then the angle and the offset where the configuration has them. */
export function poseLatents(c: ModelConfig): LatentSpec[] {
  const specs = [normalLatent("z", "continuous", c.latentDim, "klZ")];
  if (c.rotation) specs.push(normalLatent("angle", "angle", 1, "klAngle", c.rotationPrior));
  if (c.translation) specs.push(normalLatent("offset", "offset", 2, "klOffset", c.translationPrior));
  // u ~ N(0, 1) with s = 1 + σ_s u, as pyroVED's scale latent
  if (c.scale) specs.push(normalLatent("scale", "scale", 1, "klScale"));
  return specs;
}
