import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../params";
import type { GaussianPosterior, Posterior } from "./latents";
import type { ContentReference } from "./scale-reference";

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
 * r_ref is a trainable log (`scale.logRef`) started at 0.13 of the shorter side (the cards' r_g at 24 px). With a
 * `ContentReference` (`scaleReference: "content"`, scale-reference.ts) ŝ = r_g / r_ref(z) instead, r_ref(z)
 * fitted to r_g per content; the MLP still reads the image de-scaled by the global r_ref (no circle through z).
 */
export class ScaleSearch {
  private readonly logRef: tf.Variable;
  private readonly reference?: ContentReference;

  /** `reference` makes the content reference's weights, if any, after `scale.logRef`. */
  constructor(
    params: ParamStore,
    readonly height: number,
    readonly width: number,
    private readonly sigma: number,
    reference?: (params: ParamStore) => ContentReference | undefined,
    /** false (`scaleCorrection: false`): s = ŝ, the MLP's scale column gives only the log-variance */
    private readonly correction = true,
    /** `scaleCorrectionMax`: the correction's smooth bound; undefined: the hard clip at CORRECTION_MAX */
    private readonly correctionMax?: number,
    /** `scaleReferenceNeighbours`: the reference is fitted to the mean log r_g around each z; undefined: its own */
    private readonly neighbours?: number,
  ) {
    this.logRef = params.add("scale.logRef", [1], Float32Array.of(Math.log(0.13 * Math.min(height, width))));
    this.reference = reference?.(params);
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
    return { scale, ref, logRg };
  }

  /**
   * Sets `out.scale` from the MLP's scale column and the coarse scale (`posterior`). With a content reference the
   * coarse scale is r_g / r_ref(z) (z: `out.z`'s means), entering as data, and `out.scaleFit` holds the reference
   * fit's residual log r_g − log r_ref(z) per image [B, 1] (0 for a blank image; not a latent: its logVar is
   * unused), whose mean square is the model's `scaleFit` loss term (parts/scale.ts).
   */
  attach(out: Posterior, c: CoarseScale): void {
    if (!this.reference) {
      out.scale = this.posterior(out.scale, c);
      return;
    }
    const B = c.scale.length;
    const fit = tf.tidy(() => {
      const ok = Float32Array.from(c.logRg, (v) => (Number.isFinite(v) ? 1 : 0));
      const logRg = tf.tensor2d(
        c.logRg.map((v) => (Number.isFinite(v) ? v : 0)),
        [B, 1],
      );
      const logRef = tf.add(this.logRef, this.reference!.offset(out.z.mean.dataSync() as Float32Array, B));
      return tf.mul(tf.tensor2d(ok, [B, 1]), tf.sub(logRg, logRef)) as tf.Tensor2D;
    });
    // log ŝ = the residual, clamped as `coarse`'s (blank: 0, so ŝ = 1), as data: the ELBO does not move r_ref(z)
    const residual = fit.dataSync() as Float32Array;
    const logCoarse = residual.map((v) => Math.min(LOG4, Math.max(-LOG4, v)));
    out.scale = this.posterior(out.scale, { scale: logCoarse.map(Math.exp), ref: NaN, logRg: c.logRg }, false);
    if (this.neighbours === undefined) {
      out.scaleFit = { mean: fit, logVar: tf.zerosLike(fit) as tf.Tensor2D };
      return;
    }
    // the fit's target: the mean log r_g of the images around each z, so that g(z) cannot follow a size that z holds
    // within a class (docs/experiments/scale-latent.md, session 12); ŝ still uses the image's own r_g
    const shift = neighbourMeans(out.z.mean.dataSync() as Float32Array, c.logRg, B, this.neighbours);
    const smoothed = tf.tidy(() => tf.add(fit, tf.tensor2d(shift, [B, 1])) as tf.Tensor2D);
    fit.dispose();
    out.scaleFit = { mean: smoothed, logVar: tf.zerosLike(smoothed) as tf.Tensor2D };
  }

  /**
   * The posterior of u from the MLP's scale column q (a = q.mean, its log-variance kept) and the coarse scale:
   * mean (ŝ·exp(σ_s·a) − 1)/σ_s, σ_s·a clipped to ±1 (or bounded smoothly by `correctionMax`). Gradients reach the
   * MLP and, as through −log r_ref in ŝ, the reference (not with `viaRef` false: ŝ is then data). Without the
   * correction the mean is (ŝ − 1)/σ_s.
   */
  posterior(q: GaussianPosterior, c: CoarseScale, viaRef = true): GaussianPosterior {
    return tf.tidy(() => {
      const B = c.scale.length;
      const logHat = tf.tensor2d(c.scale.map(Math.log), [B, 1]);
      // log ŝ + (ref − logRef): the value of log ŝ, the gradient of −log r_ref
      const logCoarse = viaRef ? tf.sub(logHat, tf.sub(this.logRef, c.ref)) : logHat;
      // the correction clipped to a factor e^±1 (per-class corrections need ±0.25): with σ_s 0.05 an unbounded one ran
      // away to s ≈ 10⁴ (docs/experiments/scale-latent.md, session 10); inside the clip nothing changes
      const m = this.correctionMax;
      const a = tf.mul(this.sigma, q.mean);
      const bounded =
        m === undefined ? tf.clipByValue(a, -CORRECTION_MAX, CORRECTION_MAX) : tf.mul(m, tf.tanh(tf.div(a, m)));
      const logS = this.correction ? tf.add(logCoarse, bounded) : logCoarse;
      return { mean: tf.div(tf.sub(tf.exp(logS), 1), this.sigma) as tf.Tensor2D, logVar: q.logVar };
    }) as unknown as GaussianPosterior;
  }
}

/** Largest |log| of the MLP's correction to the coarse scale. */
const CORRECTION_MAX = 1;
/** Largest |log ŝ| (`coarse` clamps ŝ to [1/4, 4]). */
const LOG4 = Math.log(4);

/** Coarse scales of a batch (data), the log r_ref they were taken with and each image's log r_g (NaN: blank). */
export interface CoarseScale {
  scale: Float32Array;
  ref: number;
  logRg: Float32Array;
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

/**
 * Per image, (kernel mean of log r_g around its z) − (its own log r_g), 0 for a blank image: a Gaussian kernel in z
 * whose width is the distance to the k-th nearest other image of the batch, over the images with a finite r_g.
 */
export function neighbourMeans(z: Float32Array, logRg: Float32Array, B: number, k: number): Float32Array {
  const d = z.length / B;
  const out = new Float32Array(B);
  const d2 = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    if (!Number.isFinite(logRg[i])) continue;
    for (let j = 0; j < B; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += (z[i * d + q] - z[j * d + q]) ** 2;
      d2[j] = s;
    }
    const others = Array.from(d2).filter((_, j) => j !== i && Number.isFinite(logRg[j]));
    others.sort((a, b) => a - b);
    const h2 = Math.max(others[Math.min(k, others.length) - 1] ?? 0, 1e-12);
    let w = 0,
      m = 0;
    for (let j = 0; j < B; j++) {
      if (!Number.isFinite(logRg[j])) continue;
      const wj = Math.exp(-d2[j] / (2 * h2));
      w += wj;
      m += wj * logRg[j];
    }
    out[i] = m / w - logRg[i];
  }
  return out;
}
