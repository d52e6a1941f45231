import * as tf from "@tensorflow/tfjs";
import { klNormal, klStandardNormal } from "../elbo";

/** What a latent stands for. */
export type LatentKind = "continuous" | "discrete" | "angle" | "offset" | "scale";

/** Parameters of a latent's posterior for a batch: means and log-variances, [B, dim] each. */
export interface GaussianPosterior {
  mean: tf.Tensor2D;
  logVar: tf.Tensor2D;
}

/**
 * One latent of a model: its name, kind, size, prior and KL. The ELBO is built from a model's list of
 * latent specs: each contributes a KL term named `term` (e.g. "klZ"), and its sample feeds the decoder.
 */
export interface LatentSpec {
  /** key of the posterior in `Posterior` (e.g. "z", "angle", "offset") */
  name: string;
  kind: LatentKind;
  /** number of columns */
  dim: number;
  /** name of its KL term among the model's loss terms */
  term: string;
  /** the prior, for documentation and plots: N(0, std²) per column */
  prior: { kind: "normal"; std: number };
  /** KL(q ‖ prior) per image, summed over the columns: [B] */
  kl(q: GaussianPosterior): tf.Tensor1D;
  /** a reparameterised sample from standard-normal noise eps [B, dim] (default: mean + σ·eps) */
  sample?(q: GaussianPosterior, eps: tf.Tensor2D): tf.Tensor2D;
  /** the value decoded for the posterior's "mean" (default: `q.mean`) */
  mean?(q: GaussianPosterior): tf.Tensor2D;
}

/** Posteriors of a batch, by latent name. */
export type Posterior = Record<string, GaussianPosterior>;

/** A Gaussian latent with prior N(0, std²) per column; std 1 uses the closed form of the standard normal. */
export function normalLatent(name: string, kind: LatentKind, dim: number, term: string, std = 1): LatentSpec {
  return {
    name,
    kind,
    dim,
    term,
    prior: { kind: "normal", std },
    kl: (q) =>
      std === 1 && kind === "continuous" ? klStandardNormal(q.mean, q.logVar) : klNormal(q.mean, q.logVar, std),
  };
}

/**
 * One reparameterised sample of every latent, from one [B, Σ dim] standard-normal draw sliced in spec order
 * (so that a model's noise for a seed does not depend on how its latents are listed elsewhere).
 */
export function sampleLatents(specs: LatentSpec[], post: Posterior, seed: number): Record<string, tf.Tensor2D> {
  const B = post[specs[0].name].mean.shape[0];
  const k = specs.reduce((a, s) => a + s.dim, 0);
  const eps = tf.randomNormal([B, k], 0, 1, "float32", seed) as tf.Tensor2D;
  const out: Record<string, tf.Tensor2D> = {};
  let col = 0;
  for (const s of specs) {
    const q = post[s.name];
    const e = eps.slice([0, col], [-1, s.dim]);
    out[s.name] = s.sample ? s.sample(q, e) : (tf.add(q.mean, tf.mul(tf.exp(tf.mul(0.5, q.logVar)), e)) as tf.Tensor2D);
    col += s.dim;
  }
  return out;
}

/** Named loss terms of one batch: the total and each term (means over the batch, nats per image). */
export interface NamedLoss {
  loss: tf.Scalar;
  /** "reconstruction" first, then one KL term per latent, in spec order */
  terms: Record<string, tf.Scalar>;
}

/** The negative ELBO `reconstruction + β Σ KL` from the per-image reconstruction [B] and the posteriors. */
export function negativeElbo(
  specs: LatentSpec[],
  post: Posterior,
  reconstruction: tf.Tensor1D,
  beta: number,
): NamedLoss {
  const terms: Record<string, tf.Scalar> = { reconstruction: tf.mean(reconstruction) as tf.Scalar };
  for (const s of specs) {
    const kl = tf.mean(s.kl(post[s.name])) as tf.Scalar;
    terms[s.term] = terms[s.term] ? (tf.add(terms[s.term], kl) as tf.Scalar) : kl;
  }
  const kls = Object.keys(terms)
    .slice(1)
    .map((k) => terms[k]);
  let klSum: tf.Scalar = kls.length ? kls[0] : tf.scalar(0);
  for (let i = 1; i < kls.length; i++) klSum = tf.add(klSum, kls[i]) as tf.Scalar;
  return { loss: tf.add(terms.reconstruction, tf.mul(beta, klSum)) as tf.Scalar, terms };
}

/**
 * A discrete latent of `classes` categories relaxed by Gumbel-softmax (Jang et al. 2017; as AtomAI's jrVAE
 * and pyroVED's jiVAE), uniform prior. Its posterior's `mean` columns hold the class logits (`logVar` is
 * unused); the sample is softmax((logits + g)/τ) with Gumbel noise g = −log(−log u), u = Φ(eps) taken from
 * the model's standard-normal draw; its decoded "mean" is the class probabilities.
 */
export function gumbelLatent(name: string, classes: number, term: string, temperature: number): LatentSpec {
  return {
    name,
    kind: "discrete",
    dim: classes,
    term,
    prior: { kind: "normal", std: 1 },
    kl: (q) =>
      tf.tidy(() => {
        // KL(q ‖ uniform) = Σ q log q + log K
        const logp = tf.logSoftmax(q.mean);
        return tf.add(tf.sum(tf.mul(tf.exp(logp), logp), 1), Math.log(classes)) as tf.Tensor1D;
      }),
    sample: (q, eps) =>
      tf.tidy(() => {
        const u = tf.clipByValue(tf.mul(0.5, tf.add(1, tf.erf(tf.mul(eps, Math.SQRT1_2)))), 1e-7, 1 - 1e-7);
        const g = tf.neg(tf.log(tf.neg(tf.log(u))));
        return tf.softmax(tf.div(tf.add(q.mean, g), temperature)) as tf.Tensor2D;
      }),
    mean: (q) => tf.softmax(q.mean) as tf.Tensor2D,
  };
}
