// Prototype (session 11, docs/experiments/rotated-digits-pose.md): a pose warm-up with one drawn image per cluster
// instead of one for all digits. During the `poseWarmup` epochs z is held, as in the library, but at a fixed code per
// cluster (k points on a circle of radius 1.5) instead of 0; the clusters are an online k-means on rotation-invariant
// features of each image: the magnitudes of the angular Fourier harmonics 0..6 of its polar image about its
// centroid, per radius, scaled to unit norm (a turn of the image only shifts the polar image along the angle).
// So each cluster's members are aligned to their own drawn image while the frames settle. Not library code: it
// patches the equivariant encoder's `posterior` and `inFrame` of one model instance (digits.ts switch wc=k).
import * as tf from "@tensorflow/tfjs";
import { centroids, polarImages, poseGeometry } from "../../../src/models/pose-encoder";
import type { Posterior } from "../../../src/models/parts/latents";

const HARMONICS = 7;

/** Rotation-invariant features [B, HARMONICS·R] of B images H×W (unit norm per image). */
export function invariantFeatures(x: Float32Array, B: number, H: number, W: number): Float64Array {
  const g = poseGeometry(H, W, 64);
  const { steps: K, radii: R } = g;
  const polar = polarImages(x, B, g, centroids(x, B, H, W));
  const F = HARMONICS * R;
  const out = new Float64Array(B * F);
  for (let b = 0; b < B; b++) {
    let norm = 0;
    for (let m = 0; m < HARMONICS; m++)
      for (let r = 0; r < R; r++) {
        let re = 0,
          im = 0;
        for (let k = 0; k < K; k++) {
          const v = polar[(b * K + k) * R + r],
            a = (2 * Math.PI * m * k) / K;
          re += v * Math.cos(a);
          im += v * Math.sin(a);
        }
        const mag = Math.hypot(re, im);
        out[b * F + m * R + r] = mag;
        norm += mag * mag;
      }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let f = 0; f < F; f++) out[b * F + f] *= s;
  }
  return out;
}

/** Patches `model`'s equivariant encoder: z held at its cluster's code during the warm-up. Returns the counts. */
export function clusterWarmup(model: unknown, k: number, H: number, W: number): { counts: Float64Array } {
  type Enc = {
    poseWarmup: number;
    posterior: (x: tf.Tensor2D, c: tf.Tensor2D | null, epoch?: number) => Posterior;
    inFrame: (...a: unknown[]) => Posterior;
  };
  const enc = (model as { encoder: Enc }).encoder;
  const F = HARMONICS * Math.max(4, Math.round((Math.min(H, W) / 2 - 1) / 1.5));
  let centres: Float64Array | null = null;
  const counts = new Float64Array(k);
  let codes: Float32Array | null = null;
  const post = enc.posterior.bind(enc),
    inFrame = enc.inFrame.bind(enc);
  enc.posterior = (x, c, epoch) => {
    codes = null;
    if (epoch !== undefined && epoch <= enc.poseWarmup) {
      const B = x.shape[0];
      const f = invariantFeatures(x.dataSync() as Float32Array, B, H, W);
      if (!centres) centres = f.slice(0, Math.min(k, B) * F); // first k images of the first batch
      codes = new Float32Array(2 * B);
      for (let b = 0; b < B; b++) {
        let best = 0,
          bestD = Infinity;
        for (let j = 0; j < centres.length / F; j++) {
          let d = 0;
          for (let q = 0; q < F; q++) d += (f[b * F + q] - centres[j * F + q]) ** 2;
          if (d < bestD) [best, bestD] = [j, d];
        }
        counts[best]++;
        for (let q = 0; q < F; q++) centres[best * F + q] += (f[b * F + q] - centres[best * F + q]) / counts[best];
        codes[2 * b] = 1.5 * Math.cos((2 * Math.PI * best) / k);
        codes[2 * b + 1] = 1.5 * Math.sin((2 * Math.PI * best) / k);
      }
    }
    return post(x, c, epoch);
  };
  enc.inFrame = (...a: unknown[]) => {
    const out = inFrame(...a);
    const held = a[5] === true;
    if (held && codes) out.z = { mean: tf.tensor2d(codes, [codes.length / 2, 2]), logVar: out.z.logVar };
    return out;
  };
  return { counts };
}
