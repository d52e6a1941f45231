import * as tf from "@tensorflow/tfjs";
import { bernoulliNllHook } from "../native/hooks";

/**
 * The terms of the lecture's ELBO, each returned per image (shape [B]); the training loss is
 * `recon + β (KL_z + KL_γ + KL_Δr)` averaged over the batch.
 */

/** KL(N(μ, σ²) ‖ N(0, 1)) summed over the last axis: ½ Σ (μ² + σ² − 1 − log σ²). */
export function klStandardNormal(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () => tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mean), tf.exp(logVar)), tf.add(1, logVar)), 1)) as tf.Tensor1D,
  );
}

/**
 * KL(N(μ, σ²) ‖ N(0, s²)) summed over the last axis:
 * `log(s/σ) + (σ² + μ²)/(2 s²) − ½` per coordinate (used for the angle with s = s_γ and the shift with s = s_Δr).
 */
export function klNormal(mean: tf.Tensor2D, logVar: tf.Tensor2D, priorStd: number): tf.Tensor1D {
  const s2 = priorStd * priorStd;
  return tf.tidy(
    () =>
      tf.sum(
        tf.add(
          tf.sub(Math.log(priorStd), tf.mul(0.5, logVar)),
          tf.sub(tf.div(tf.add(tf.exp(logVar), tf.square(mean)), 2 * s2), 0.5),
        ),
        1,
      ) as tf.Tensor1D,
  );
}

/** Σ_pixels BCE-with-logits: softplus(l) − x·l, written stably as max(l,0) − x·l + log(1 + e^{−|l|}). */
export function bernoulliNll(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  const fused = bernoulliNllHook.kernel?.(logits, x); // the native op when the addon is loaded (src/native)
  if (fused) return fused;
  return tf.tidy(() => {
    const t = tf.add(tf.sub(tf.relu(logits), tf.mul(x, logits)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.sum(t, 1) as tf.Tensor1D;
  });
}

/** Σ_pixels Gaussian NLL with mean σ(logit) and fixed standard deviation `sigma`. */
export function gaussianNll(logits: tf.Tensor2D, x: tf.Tensor2D, sigma: number): tf.Tensor1D {
  return tf.tidy(() => {
    const r = tf.div(tf.sub(x, tf.sigmoid(logits)), sigma);
    const c = Math.log(sigma) + 0.5 * Math.log(2 * Math.PI);
    return tf.sum(tf.add(tf.mul(0.5, tf.square(r)), c), 1) as tf.Tensor1D;
  });
}
