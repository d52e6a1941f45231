import * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import { ModelConfig, resolveConfig, RVAEOptions, storedConfig } from "./config";
import type { LossOptions, LossTerms } from "./contracts";
import type { EncodeOptions, PoseEncoding } from "./encode";
import { poseLatents } from "./model";
import { gumbelLatent, negativeElbo, sampleLatents } from "./parts/latents";
import { registerModel } from "./registry";
import { CoordinateModel } from "./rvae";

/** Capacity annealing of one KL group (Burgess et al. 2018, JointVAE): C grows linearly from min to max. */
export interface Capacity {
  /** nats at epoch 1 (default 0) */
  min?: number;
  /** nats reached after `epochs` (default 5; the discrete group is capped at log(classes)) */
  max?: number;
  /** epochs to reach max (default 25: AtomAI's 25000 steps, counted here in epochs) */
  epochs?: number;
  /** weight γ of |KL − C| (default 30) */
  gamma?: number;
}

/** Options of the jrVAE: an rVAE's options plus its discrete latent. */
export interface JRVAEOptions extends RVAEOptions {
  /** categories of the discrete latent */
  classes: number;
  /** Gumbel-softmax temperature τ (default 0.67, AtomAI's) */
  temperature?: number;
  /** annealing of the continuous KL (z, angle, offset, scale) */
  continuousCapacity?: Capacity;
  /** annealing of the discrete KL */
  discreteCapacity?: Capacity;
  /** weight of KL(q̄ ‖ uniform), q̄ the batch's mean class probabilities (default 2γ of the discrete capacity) */
  classBalance?: number;
}

/** Stored configuration of the jrVAE. */
export type JRVAEConfig = ModelConfig & {
  classes: number;
  temperature: number;
  continuousCapacity: Required<Capacity>;
  discreteCapacity: Required<Capacity>;
  classBalance: number;
};

/** The jrVAE's encoding: the rVAE's, with the class probabilities and the most likely class. */
export type JRVAEEncoding = PoseEncoding & { classProbs: Float32Array; classes: Int32Array };

function capacity(c: Capacity | undefined, cap: number, where: string, what: string): Required<Capacity> {
  const out = { min: c?.min ?? 0, max: Math.min(c?.max ?? 5, cap), epochs: c?.epochs ?? 25, gamma: c?.gamma ?? 30 };
  check(
    Number.isFinite(out.min) && out.min >= 0 && Number.isFinite(out.max) && out.max >= out.min,
    where,
    `${what}: need 0 <= min <= max`,
  );
  check(
    Number.isFinite(out.epochs) && out.epochs > 0 && Number.isFinite(out.gamma) && out.gamma > 0,
    where,
    `${what}: epochs and gamma must be positive`,
  );
  return out;
}

function resolve(o: JRVAEOptions, where: string, stored?: ModelConfig): JRVAEConfig {
  check(o != null && typeof o === "object", where, "expected options with imageShape and classes");
  checkInt(o.classes, where, "classes", 2);
  const temperature = o.temperature ?? 0.67;
  check(Number.isFinite(temperature) && temperature > 0, where, `temperature must be positive, got ${temperature}`);
  const discreteCapacity = capacity(o.discreteCapacity, Math.log(o.classes), where, "discreteCapacity");
  // above γ: below it a class bias meets the per-image capacity and every image goes to one class (docs/experiments)
  const classBalance = o.classBalance ?? 2 * discreteCapacity.gamma;
  check(Number.isFinite(classBalance) && classBalance >= 0, where, `classBalance must be >= 0, got ${classBalance}`);
  const base = stored ?? resolveConfig("JRVAE", { ...o, rotation: true }, true, where);
  return {
    ...base,
    className: "JRVAE",
    classes: o.classes,
    temperature,
    continuousCapacity: capacity(o.continuousCapacity, Infinity, where, "continuousCapacity"),
    discreteCapacity,
    classBalance,
  };
}

/**
 * Joint rVAE (AtomAI's jrVAE, pyroVED's jiVAE): the rVAE with a discrete latent relaxed by Gumbel-softmax
 * beside z, both fed to the coordinate decoder. Its objective anneals the capacity of the continuous and
 * the discrete KL: recon + β(γ_z |KL_cont − C_z(epoch)| + γ_c |KL_class − C_c(epoch)|).
 */
export class JRVAE extends CoordinateModel {
  declare readonly config: JRVAEConfig;

  constructor(options: JRVAEOptions, config?: JRVAEConfig) {
    const c = config ?? resolve(options, "new JRVAE");
    super(c, [...poseLatents(c), gumbelLatent("class", c.classes, "klClass", c.temperature)]);
  }

  override lossTerms(x: tf.Tensor2D, c: tf.Tensor2D | null, opts: LossOptions): LossTerms {
    const cfg = this.config;
    const C = (k: Required<Capacity>) => k.min + (k.max - k.min) * Math.min(1, ((opts.epoch ?? 1) - 1) / k.epochs);
    return tf.tidy((): tf.TensorContainer => {
      const post = this.encoder.posterior(x, c);
      const logits = this.decodeSample(sampleLatents(this.latents, post, opts.seed), c, opts.pixelIndices);
      const pix = opts.pixelIndices;
      const target = pix ? tf.gather(x, tf.tensor1d(pix, "int32"), 1) : x;
      const rec = tf.mul(this.likelihood.nll(logits, target), pix ? this.pixels / pix.length : 1) as tf.Tensor1D;
      const { terms } = negativeElbo(this.latents, post, rec, 1);
      const cont = Object.keys(terms).filter((k) => k !== "reconstruction" && k !== "klClass");
      const kc = cfg.continuousCapacity,
        kd = cfg.discreteCapacity;
      let penalty = tf.add(
        tf.mul(kc.gamma, tf.abs(tf.sub(tf.addN(cont.map((k) => terms[k])), C(kc)))),
        tf.mul(kd.gamma, tf.abs(tf.sub(terms.klClass, C(kd)))),
      );
      if (cfg.classBalance > 0) {
        // KL(q̄ ‖ uniform) of the batch's mean class probabilities: the per-image KL cannot see one class taking all
        const p = tf.mean(tf.softmax(post.class.mean), 0);
        terms.klBalance = tf.add(tf.sum(tf.mul(p, tf.log(tf.add(p, 1e-8)))), Math.log(cfg.classes)) as tf.Scalar;
        penalty = tf.add(penalty, tf.mul(cfg.classBalance, terms.klBalance));
      }
      const zero = tf.scalar(0);
      return {
        loss: tf.add(terms.reconstruction, tf.mul(opts.beta ?? 1, penalty)),
        terms,
        reconstruction: terms.reconstruction,
        klZ: terms.klZ,
        klAngle: terms.klAngle ?? zero,
        klOffset: terms.klOffset ?? zero,
      };
    }) as unknown as LossTerms;
  }

  override encode(images: ImageStack | tf.Tensor | number[][][], opts: EncodeOptions = {}): JRVAEEncoding {
    return super.encode(images, opts) as JRVAEEncoding;
  }
}

registerModel("JRVAE", (raw) => {
  const r = raw as JRVAEOptions;
  const c = storedConfig({ ...r, className: "RVAE" }, "RVAE", true);
  return new JRVAE(r, resolve(r, "loadModel", c));
});
