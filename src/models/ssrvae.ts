import * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import { check, checkInt, IvaeInputError } from "../util/errors";
import { ModelConfig, resolveConfig, RVAEOptions, storedConfig } from "./config";
import type { LossOptions, LossTerms } from "./contracts";
import type { EncodeOptions } from "./encode";
import { JRVAEEncoding } from "./jrvae";
import { poseLatents } from "./model";
import { gumbelLatent, sampleLatents } from "./parts/latents";
import { registerModel } from "./registry";
import { CoordinateModel } from "./rvae";
import { channelPixelIndices } from "./parts/decoder";

/** Options of the semi-supervised rVAE: an rVAE's options plus its classes. */
export interface SSRVAEOptions extends RVAEOptions {
  /** number of classes */
  classes: number;
  /** Gumbel-softmax temperature τ of the unlabelled images' class (default 0.67) */
  temperature?: number;
  /** weight α of the classification loss on labelled images (default 50, as pyroVED's ssiVAE `aux_loss_multiplier`) */
  classifierWeight?: number;
}

/** Stored configuration of the semi-supervised rVAE. */
export type SSRVAEConfig = ModelConfig & { classes: number; temperature: number; classifierWeight: number };

function resolve(o: SSRVAEOptions, where: string, stored?: ModelConfig): SSRVAEConfig {
  check(o != null && typeof o === "object", where, "expected options with imageShape and classes");
  checkInt(o.classes, where, "classes", 2);
  const temperature = o.temperature ?? 0.67;
  const classifierWeight = o.classifierWeight ?? 50;
  check(Number.isFinite(temperature) && temperature > 0, where, `temperature must be positive, got ${temperature}`);
  check(
    Number.isFinite(classifierWeight) && classifierWeight >= 0,
    where,
    `classifierWeight must be >= 0, got ${classifierWeight}`,
  );
  const base = stored ?? resolveConfig("SSRVAE", { ...o, rotation: true, conditionDim: 0 }, true, where);
  return { ...base, className: "SSRVAE", classes: o.classes, temperature, classifierWeight };
}

/**
 * Semi-supervised rVAE (pyroVED's ssiVAE): the rVAE with a class latent y whose encoder head is the
 * classifier q(y|x). Train with `labels` holding a class per image and −1 for the unlabelled ones: a labelled
 * image decodes with its true one-hot class and adds α·(−log q(y|x)) (term "classification"); an unlabelled one
 * decodes a Gumbel-softmax sample and adds KL(q(y|x) ‖ uniform) (term "klClass"). `encode(...).classes` is
 * the classifier's answer.
 */
export class SSRVAE extends CoordinateModel {
  declare readonly config: SSRVAEConfig;

  constructor(options: SSRVAEOptions, config?: SSRVAEConfig) {
    const c = config ?? resolve(options, "new SSRVAE");
    super(c, [...poseLatents(c), gumbelLatent("class", c.classes, "klClass", c.temperature)]);
  }

  /** Training labels: a class in [0, classes) or −1 (unlabelled) per image; none for encode/decode. */
  override checkLabels(labels: ArrayLike<number> | undefined | null, n: number, where: string): Int32Array | null {
    if (labels == null) return null;
    check(
      labels.length === n,
      where,
      `got ${labels.length} labels for ${n} images; expected one per image (−1 = unlabelled)`,
    );
    const K = this.config.classes;
    return Int32Array.from({ length: n }, (_, i) => {
      const v = labels[i];
      if (!Number.isInteger(v) || v < -1 || v >= K)
        throw new IvaeInputError(`${where}: label ${v} at index ${i} is not a class in [0, ${K}) or −1 (unlabelled)`);
      return v;
    });
  }

  /** One-hot [B, classes], a zero row for an unlabelled image (tf.oneHot of −1). */
  override labelBatch(labels: Int32Array): tf.Tensor2D {
    return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), this.config.classes).toFloat() as tf.Tensor2D);
  }

  /** The encoder ignores labels (the classifier must answer alone); encode's labels are not needed. */
  override oneHot(): null {
    return null;
  }

  override lossTerms(x: tf.Tensor2D, y: tf.Tensor2D | null, opts: LossOptions): LossTerms {
    const beta = opts.beta ?? 1;
    return tf.tidy((): tf.TensorContainer => {
      const post = this.encoder.posterior(x, null);
      const sample = sampleLatents(this.latents, post, opts.seed);
      const known = y ? tf.sum(y, 1, true) : tf.zeros([x.shape[0], 1]); // 1 labelled, 0 not
      if (y) sample.class = tf.add(tf.mul(known, y), tf.mul(tf.sub(1, known), sample.class)) as tf.Tensor2D;
      let target = x;
      if (opts.pixelIndices) {
        // the subset in every channel, as the decoder draws it ([B, C·m])
        const cols = channelPixelIndices(opts.pixelIndices, this.pixels, this.channels);
        target = tf.gather(x, tf.tensor1d(cols, "int32"), 1);
      }
      const scale = opts.pixelIndices ? this.pixels / opts.pixelIndices.length : 1;
      const rec = tf.mul(this.likelihood.nll(this.decodeSample(sample, null, opts.pixelIndices), target), scale);
      const terms: Record<string, tf.Scalar> = { reconstruction: tf.mean(rec) as tf.Scalar };
      let kl: tf.Scalar = tf.scalar(0);
      for (const l of this.latents) {
        let k = l.kl(post[l.name]);
        if (l.kind === "discrete") k = tf.mul(k, tf.reshape(tf.sub(1, known), [-1])) as tf.Tensor1D; // unlabelled only
        terms[l.term] = tf.mean(k) as tf.Scalar;
        kl = tf.add(kl, terms[l.term]) as tf.Scalar;
      }
      // −log q(y|x) of the labelled images, per image of the batch
      const ce = y ? tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(post.class.mean)), 1)) : tf.zeros([x.shape[0]]);
      terms.classification = tf.mean(ce) as tf.Scalar;
      const loss = tf.add(
        tf.add(terms.reconstruction, tf.mul(beta, kl)),
        tf.mul(this.config.classifierWeight, terms.classification),
      );
      const zero = tf.scalar(0);
      return {
        loss,
        terms,
        reconstruction: terms.reconstruction,
        klZ: terms.klZ,
        klAngle: terms.klAngle ?? zero,
        klOffset: terms.klOffset ?? zero,
      };
    }) as unknown as LossTerms;
  }

  override encode(images: ImageStack | tf.Tensor | number[][][], opts: EncodeOptions = {}): JRVAEEncoding {
    return super.encode(images, { batchSize: opts.batchSize }) as JRVAEEncoding;
  }
}

registerModel("SSRVAE", (raw) => {
  const r = raw as SSRVAEOptions;
  return new SSRVAE(r, resolve(r, "loadModel", storedConfig({ ...r, className: "RVAE" }, "RVAE", true)));
});
