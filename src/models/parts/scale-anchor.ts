import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../params";
import type { ModelConfig } from "../config";
import type { Posterior } from "./latents";

/** The scale s = 1 + σ_s·u [B] of scale-latent values u [B, 1] (pyroVED's parametrisation). */
export function scaleOfLatent(u: tf.Tensor2D, config: ModelConfig): tf.Tensor1D {
  return tf.tidy(() => tf.add(1, tf.mul(config.scalePrior ?? 0.1, u.reshape([-1]))) as tf.Tensor1D);
}

/** Smallest squared radius of gyration, px²: a blank image gives a finite log instead of −∞. */
const MIN_RG2 = 1e-4;

/**
 * log of the intensity radius of gyration about the intensity centroid, px, of the first `plane` columns of
 * each row of x [B, ≥ plane] (an H×W image; intensities above the row's minimum weigh, so a constant background
 * does not). It is rotation and shift invariant and grows as the scale: s·r_g for a glyph drawn s times larger.
 */
export function logGyrationRadius(x: tf.Tensor2D, height: number, width: number): tf.Tensor1D {
  return tf.tidy(() => {
    const P = height * width;
    const img = x.shape[1] === P ? x : x.slice([0, 0], [-1, P]);
    const w = tf.relu(tf.sub(img, tf.min(img, 1, true)));
    const mass = tf.add(tf.sum(w, 1), 1e-12);
    const cols = tf.tensor1d(Float32Array.from({ length: P }, (_, p) => p % width));
    const rows = tf.tensor1d(Float32Array.from({ length: P }, (_, p) => Math.floor(p / width)));
    const moment = (f: tf.Tensor1D) => tf.div(tf.sum(tf.mul(w, f), 1), mass);
    const cx = moment(cols),
      cy = moment(rows);
    const second = moment(tf.add(tf.square(cols), tf.square(rows)) as tf.Tensor1D);
    const rg2 = tf.maximum(tf.sub(second, tf.add(tf.square(cx), tf.square(cy))), MIN_RG2);
    return tf.mul(0.5, tf.log(rg2)) as tf.Tensor1D;
  });
}

/**
 * A size anchor for the scale latent (`scaleAnchor: "gyration"`): as the offset starts at the centroid and
 * the angle at the polar frame search, the scale starts at the image's radius of gyration over a reference,
 * s = (r_g / r_ref)·(1 + σ_s·u_mlp), the MLP's column giving a multiplicative residual (on cards a factor per
 * suit, whose glyphs differ in r_g at one scale). Without it an MLP has to learn to measure size from pixels,
 * which it does slowly (docs/experiments/scale-latent.md). log r_ref is the trainable
 * `encoder.scaleAnchor.logRef`, set on the first batch the model encodes unless weights were set or loaded
 * (data-dependent initialisation, as Glow's ActNorm), so that the mean s of the data starts near 1.
 */
export class GyrationScaleAnchor {
  private readonly logRef: tf.Variable;
  private initialised = false;

  private readonly height: number;
  private readonly width: number;
  private readonly sigma: number;

  constructor(params: ParamStore, config: ModelConfig) {
    [this.height, this.width] = config.imageShape;
    this.sigma = config.scalePrior ?? 0.1;
    const height = this.height;
    // a disc of radius a quarter of the side has r_g = side / (4√2): replaced by the first batch's mean
    this.logRef = params.add("encoder.scaleAnchor.logRef", [1], Float32Array.of(Math.log(height / (4 * Math.SQRT2))));
  }

  /** Weights were set (loaded or restored): keep their reference. */
  markSet(): void {
    this.initialised = true;
  }

  /** The posterior with the scale column's mean anchored at the image's size; x is what the MLP read. */
  apply(post: Posterior, x: tf.Tensor2D): Posterior {
    const logRg = logGyrationRadius(x, this.height, this.width);
    if (!this.initialised) {
      this.initialised = true;
      const m = tf.tidy(() => tf.mean(logRg).reshape([1]));
      this.logRef.assign(m);
      m.dispose();
    }
    const ratio = tf.exp(tf.sub(logRg, this.logRef)).reshape([-1, 1]);
    const u = post.scale.mean;
    // s = ratio·(1 + σ u_mlp) written as the latent's u = (s − 1)/σ
    const mean = tf.div(tf.sub(tf.mul(ratio, tf.add(1, tf.mul(this.sigma, u))), 1), this.sigma) as tf.Tensor2D;
    return { ...post, scale: { mean, logVar: post.scale.logVar } };
  }
}
