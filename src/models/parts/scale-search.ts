import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../params";
import type { GaussianPosterior } from "./latents";

/**
 * The scale-equivariant scale encoder (`scaleEncoder: "equivariant"`, docs/experiments/scale-latent.md, session
 * 10), the size analogue of the pose encoder's angle search. The image's intensity radius of gyration about its
 * centroid, r_g, gives a coarse scale ŝ = r_g / r_ref; the MLP reads the image centred, de-rotated and *de-scaled*
 * by ŝ (drawn back at the reference size), and its scale column a gives a correction: s = ŝ·exp(σ_s·a), the latent
 * u = (s − 1)/σ_s as pyroVED's 's'. Drawing a glyph k times larger multiplies r_g by k (up to pixelation) and
 * leaves the de-scaled image unchanged, so s follows the size with slope 1 by construction and neither z nor the
 * correction can see it; the correction only sets each class's reference (a heart's r_g is 1.56 times a
 * diamond's at the same scale), which the KL on u and the scale balance term pull to the same mean. Why not the
 * MLP alone: its s moved 0.13–0.62 times the true scale, with a slope per class (sessions 8–9).
 * r_ref is a trainable log (`scale.logRef`) started at 0.13 of the shorter side (the cards' r_g at 24 px).
 */
export class ScaleSearch {
  private readonly logRef: tf.Variable;

  constructor(
    params: ParamStore,
    readonly height: number,
    readonly width: number,
    private readonly sigma: number,
  ) {
    this.logRef = params.add("scale.logRef", [1], Float32Array.of(Math.log(0.13 * Math.min(height, width))));
  }

  /** log r_g (px) of channel 0 of each image [B·P] about its centre (row, col pairs); NaN for a blank image. */
  logGyration(x0: Float32Array, B: number, centre: Float64Array): Float32Array {
    return logGyrationRadii(x0, B, this.height, this.width, centre);
  }

  /**
   * The coarse scale ŝ = r_g / r_ref of each image (1 for a blank one), clamped to [1/4, 4], as data, and the
   * log r_ref it used.
   */
  coarse(logRg: Float32Array): CoarseScale {
    const ref = this.logRef.dataSync()[0];
    const scale = logRg.map((v) => (Number.isFinite(v) ? Math.min(4, Math.max(0.25, Math.exp(v - ref))) : 1));
    return { scale, ref };
  }

  /**
   * The posterior of u from the MLP's scale column q (a = q.mean, its log-variance kept) and the coarse scale:
   * mean (ŝ·exp(σ_s·a) − 1)/σ_s, σ_s·a clipped to ±1. Gradients reach the MLP and, as through −log r_ref in ŝ,
   * the reference.
   */
  posterior(q: GaussianPosterior, c: CoarseScale): GaussianPosterior {
    return tf.tidy(() => {
      const B = c.scale.length;
      // log ŝ + (ref − logRef): the value of log ŝ, the gradient of −log r_ref
      const logCoarse = tf.sub(tf.tensor2d(c.scale.map(Math.log), [B, 1]), tf.sub(this.logRef, c.ref));
      // the correction clipped to a factor e^±1 (per-class corrections need ±0.25): with σ_s 0.05 an unbounded one ran
      // away to s ≈ 10⁴ (docs/experiments/scale-latent.md, session 10); inside the clip nothing changes
      const logS = tf.add(logCoarse, tf.clipByValue(tf.mul(this.sigma, q.mean), -CORRECTION_MAX, CORRECTION_MAX));
      return { mean: tf.div(tf.sub(tf.exp(logS), 1), this.sigma) as tf.Tensor2D, logVar: q.logVar };
    }) as unknown as GaussianPosterior;
  }
}

/** Largest |log| of the MLP's correction to the coarse scale. */
const CORRECTION_MAX = 1;

/** Coarse scales of a batch (data) and the log r_ref they were taken with. */
export interface CoarseScale {
  scale: Float32Array;
  ref: number;
}

/** log of each image's intensity radius of gyration (px) about `centre` [B·2] (row, col); NaN when blank. */
export function logGyrationRadii(x: Float32Array, B: number, H: number, W: number, centre: Float64Array): Float32Array {
  const P = H * W;
  const out = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    const cr = centre[2 * b],
      cc = centre[2 * b + 1];
    let s = 0,
      m2 = 0;
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        // positive part, as the centroid's (pose-encoder.ts `centroids`)
        const v = Math.max(0, x[b * P + i * W + j]);
        s += v;
        m2 += v * ((i - cr) ** 2 + (j - cc) ** 2);
      }
    out[b] = s > 0 && m2 > 0 ? 0.5 * Math.log(m2 / s) : NaN;
  }
  return out;
}

/**
 * Every channel of each image [B, C·P] centred on its centre (row, col), de-rotated by `angle` (rad, CCW as
 * displayed; none: 0) and de-scaled by `scale`: output pixel p (offset from the image centre, y up) shows the input
 * at centre + s·R(angle)·p, bilinear, 0 outside. With s = 1 it is the pose encoder's `normalisedImages`.
 */
export function scaledNormalisedImages(
  x: Float32Array,
  B: number,
  C: number,
  H: number,
  W: number,
  centre: Float64Array,
  angle: Float32Array | null,
  scale: Float32Array,
): Float32Array {
  const P = H * W;
  const out = new Float32Array(B * C * P);
  const cy = (H - 1) / 2,
    cx = (W - 1) / 2;
  for (let b = 0; b < B; b++) {
    const a = angle ? angle[b] : 0;
    const cos = scale[b] * Math.cos(a),
      sin = scale[b] * Math.sin(a);
    const cr = centre[2 * b],
      cc = centre[2 * b + 1];
    for (let i = 0; i < H; i++) {
      const Y = cy - i;
      for (let j = 0; j < W; j++) {
        const X = j - cx;
        const row = cr - (X * sin + Y * cos),
          col = cc + X * cos - Y * sin;
        const i0 = Math.floor(row),
          j0 = Math.floor(col);
        const fy = row - i0,
          fx = col - j0;
        for (let c = 0; c < C; c++) {
          const off = (b * C + c) * P;
          const at = (r: number, q: number) => (r >= 0 && r < H && q >= 0 && q < W ? x[off + r * W + q] : 0);
          out[off + i * W + j] =
            (1 - fy) * ((1 - fx) * at(i0, j0) + fx * at(i0, j0 + 1)) +
            fy * ((1 - fx) * at(i0 + 1, j0) + fx * at(i0 + 1, j0 + 1));
        }
      }
    }
  }
  return out;
}
