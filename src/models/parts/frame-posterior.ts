import * as tf from "@tensorflow/tfjs";
import type { LatentSpec, NamedLoss, Posterior } from "./latents";

/**
 * A categorical posterior over the pose encoder's trial frames (`framePosterior: true`), after TARGET-VAE
 * (Nasiri & Bepler 2022, github.com/SMLC-NYSBC/TARGET-VAE): there the encoder gives q(r|x) over discrete
 * rotations, the ELBO's KL is KL(q(r|x) ‖ p(r)) + Σ_r q(r|x) (KL_θ|r + KL_z|r), and the decoder settles which
 * rotation reconstructs best. Here q(k|x) = softmax(s)_k over the K trial angles of the equivariant scorer,
 * with a uniform prior p(k) = 1/K or the angle prior over the trials (`framePrior`). The expectation over k is
 * truncated to the m best candidate frames: each candidate owns a window of trials (those nearer to it than to any
 * other candidate and within `halfWidth`), is decoded once at the angle refined inside its window, and weighs
 * q(window)/Σ q(windows). The weights carry the decoder's verdict back to the scorer, which a hard best-of-m choice
 * (`frameCandidates` alone) does not: the scorer learns to rank first the frame that reconstructs best.
 */

/** Signed angular distance of trial k from trial c, in (−π, π]. */
function trialOffset(k: number, c: number, K: number): number {
  const d = (2 * Math.PI * (k - c)) / K;
  return Math.atan2(Math.sin(d), Math.cos(d));
}

/**
 * The candidates' windows: masks [B·K] per candidate (0 for a trial the candidate owns, −1e9 otherwise). A trial
 * belongs to the nearest candidate (the earlier one on a tie) when it is within `halfWidth` radians of it, so
 * windows never overlap and the window of each candidate holds at least its own trial.
 */
export function frameWindows(frames: Int32Array[], B: number, K: number, halfWidth: number): Float32Array[] {
  const masks = frames.map(() => new Float32Array(B * K).fill(-1e9));
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      let best = -1,
        bestD = Infinity;
      for (let c = 0; c < frames.length; c++) {
        const d = Math.abs(trialOffset(k, frames[c][b], K));
        if (d < bestD - 1e-9) {
          bestD = d;
          best = c;
        }
      }
      if (bestD <= halfWidth + 1e-6) masks[best][b * K + k] = 0;
    }
  }
  return masks;
}

/**
 * The angle of each image inside a window: trial `centre[b]` plus the softmax-weighted offset of the trials in
 * its window (`mask`, from `frameWindows`). Differentiable in the scores; [B] radians, unwrapped.
 */
export function angleInWindow(scores: tf.Tensor2D, centre: Int32Array, mask: Float32Array): tf.Tensor1D {
  const [B, K] = scores.shape;
  const rel = new Float32Array(B * K),
    base = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    base[b] = (2 * Math.PI * centre[b]) / K;
    for (let k = 0; k < K; k++) rel[b * K + k] = trialOffset(k, centre[b], K);
  }
  return tf.tidy(() => {
    const w = tf.softmax(tf.add(scores, tf.tensor2d(mask, [B, K])));
    return tf.add(tf.tensor1d(base), tf.sum(tf.mul(w, tf.tensor2d(rel, [B, K])), 1)) as tf.Tensor1D;
  });
}

/** log q(window_c | x) = log Σ_{k ∈ window c} softmax(s)_k, for each candidate: [B, m]. */
export function windowLogMass(scores: tf.Tensor2D, masks: Float32Array[]): tf.Tensor2D {
  const [B, K] = scores.shape;
  return tf.tidy(() => {
    const logq = tf.logSoftmax(scores);
    const cols = masks.map((m) => tf.logSumExp(tf.add(logq, tf.tensor2d(m, [B, K])), 1));
    return tf.stack(cols, 1) as tf.Tensor2D;
  });
}

/** The candidates' mixture weights: q(window_c | x) renormalised over the m candidates, [B, m], rows sum to 1. */
export function candidateWeights(logMass: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(logMass) as tf.Tensor2D);
}

/** KL(q(k|x) ‖ uniform over K) = Σ_k q log q + log K per image, [B]: the ELBO's `klFrame` term. */
export function klFrameUniform(scores: tf.Tensor2D): tf.Tensor1D {
  const K = scores.shape[1];
  return tf.tidy(() => {
    const logq = tf.logSoftmax(scores);
    return tf.add(tf.sum(tf.mul(tf.exp(logq), logq), 1), Math.log(K)) as tf.Tensor1D;
  });
}

/**
 * The prior over the K trial frames (`framePrior`): "uniform" (1/K, TARGET-VAE's default) or "rotation", the
 * angle latent's own prior N(0, std²) evaluated at each trial angle α_k = 2πk/K taken in (−π, π] and normalised over
 * the K trials, so that the frame and the continuous angle see the same prior (spatial-VAE's Gaussian θ prior;
 * TARGET-VAE's non-uniform p(r) over its discrete rotations). Why: data turned within ±120° are upright on average,
 * so a prior peaked at upright makes the half-turned frame of a shape cost more than its upright one.
 */
export type FramePriorSpec =
  | { kind: "uniform" }
  | { kind: "rotation"; std: number }
  | { kind: "learned"; latentDim: number };

/**
 * log p(k) over the K trial frames under a fixed `spec` [K] (sums to 1 after exp). The learned prior
 * (learned-frame-prior.ts) depends on z and is not a fixed vector: refused here.
 */
export function frameLogPrior(K: number, spec: FramePriorSpec): Float32Array {
  const out = new Float32Array(K);
  if (spec.kind === "uniform") return out.fill(-Math.log(K));
  if (spec.kind === "learned") throw new Error("frameLogPrior: the learned prior depends on z");
  const e = new Float64Array(K);
  for (let k = 0; k < K; k++) e[k] = -(trialOffset(k, 0, K) ** 2) / (2 * spec.std * spec.std);
  const max = Math.max(...e);
  let z = 0;
  for (const v of e) z += Math.exp(v - max);
  const logZ = max + Math.log(z);
  for (let k = 0; k < K; k++) out[k] = e[k] - logZ;
  return out;
}

/** KL(q(k|x) ‖ p(k)) = Σ_k q (log q − log p) per image, [B], for a prior `logPrior` [K] (`frameLogPrior`). */
export function klFrame(scores: tf.Tensor2D, logPrior: Float32Array): tf.Tensor1D {
  const K = scores.shape[1];
  return tf.tidy(() => {
    const logq = tf.logSoftmax(scores);
    const d = tf.sub(logq, tf.tensor2d(logPrior, [1, K]));
    return tf.sum(tf.mul(tf.exp(logq), d), 1) as tf.Tensor1D;
  });
}

/**
 * Σ_c w[b, c] · v_c[b] per image: the expectation of per-candidate values (reconstruction, KL terms) under the
 * candidate weights [B, m].
 */
export function mixOverCandidates(weights: tf.Tensor2D, values: tf.Tensor1D[]): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(weights, tf.stack(values, 1)), 1) as tf.Tensor1D);
}

/** The m candidate frames of a batch under the frame posterior: their posteriors, weights [B, m] and KL [B]. */
export interface FrameMixture {
  posts: Posterior[];
  /** q(window_c | x) renormalised over the candidates; rows sum to 1 */
  weights: tf.Tensor2D;
  /** KL(q(k|x) ‖ p(k)) over the K trials per image (p: `framePrior`, uniform by default) */
  klFrame: tf.Tensor1D;
}

/**
 * The negative ELBO marginalised over the candidate frames, TARGET-VAE's form truncated to the candidates:
 * `Σ_c w_c (rec_c + β Σ KL_c) + β KL_frame`, each named term the w-weighted mean over the candidates (`klFrame`
 * added after the latents' terms). `reconstruction(post)` gives the per-image reconstruction nats [B] of one
 * candidate's posterior (its own reparameterised sample).
 */
export function frameMixtureElbo(
  specs: LatentSpec[],
  mix: FrameMixture,
  reconstruction: (post: Posterior) => tf.Tensor1D,
  beta: number,
): NamedLoss {
  const terms: Record<string, tf.Scalar> = {
    reconstruction: tf.mean(mixOverCandidates(mix.weights, mix.posts.map(reconstruction))) as tf.Scalar,
  };
  for (const s of specs) {
    const kl = tf.mean(
      mixOverCandidates(
        mix.weights,
        mix.posts.map((p) => s.kl(p[s.name])),
      ),
    ) as tf.Scalar;
    terms[s.term] = terms[s.term] ? (tf.add(terms[s.term], kl) as tf.Scalar) : kl;
  }
  terms.klFrame = tf.mean(mix.klFrame) as tf.Scalar;
  let kl: tf.Scalar = tf.scalar(0);
  for (const k of Object.keys(terms).slice(1)) kl = tf.add(kl, terms[k]) as tf.Scalar;
  return { loss: tf.add(terms.reconstruction, tf.mul(beta, kl)) as tf.Scalar, terms };
}
