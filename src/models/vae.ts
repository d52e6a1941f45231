import * as tf from "@tensorflow/tfjs";
import { check } from "../util/errors";
import { Random } from "../util/random";
import { linear, fastTanh } from "./ops";
import { DecoderOps, mlpDecoderLogits, MlpDecoderParams, referenceOps } from "./decode-core";
import { LatentModel, ModelOptions, resolveConfig, ModelConfig } from "./model";

/** decode-core's ops with the hand-written gradients of ops.ts (same forward values, faster backward on wasm). */
const TRAINING_OPS: DecoderOps = { ...referenceOps(tf), dense: linear, tanh: fastTanh };

/**
 * The plain variational autoencoder: MLP encoder → Gaussian q(z|x), MLP decoder z → pixel logits,
 * Bernoulli or Gaussian likelihood. With `conditionDim > 0` the one-hot label enters encoder and decoder.
 */
export class VAE extends LatentModel {
  private declare decLayers: { W: tf.Variable; b: tf.Variable }[];
  private declare decOut: { W: tf.Variable; b: tf.Variable };

  constructor(options: ModelOptions, config?: ModelConfig) {
    super(config ?? resolveConfig("VAE", options, false));
    // built here, not in the base constructor, so that this class's fields are initialised first
    this.buildDecoder(this.decoderRng);
  }

  protected buildDecoder(rng: Random): void {
    this.decLayers = [];
    let fan = this.config.latentDim + this.config.conditionDim;
    this.config.decoderHidden.forEach((width, i) => {
      this.decLayers.push({ W: this.params.glorot(`decoder.${i}.W`, fan, width, rng), b: this.params.zeros(`decoder.${i}.b`, width) });
      fan = width;
    });
    this.decOut = { W: this.params.glorot("decoder.out.W", fan, this.pixels, rng), b: this.params.zeros("decoder.out.b", this.pixels) };
  }

  decodeLogits(zc: tf.Tensor2D, _angle: tf.Tensor1D | null, _shift: tf.Tensor2D | null, pixelIndices?: Int32Array): tf.Tensor2D {
    const params: MlpDecoderParams = {
      layers: this.decLayers.map((l) => ({ W: l.W as tf.Tensor2D, b: l.b as tf.Tensor1D })),
      out: { W: this.decOut.W as tf.Tensor2D, b: this.decOut.b as tf.Tensor1D },
    };
    return mlpDecoderLogits(tf, params, zc, pixelIndices, TRAINING_OPS);
  }
}

/** Conditional VAE: a VAE whose encoder and decoder also see the one-hot class label. */
export class CVAE extends VAE {
  constructor(options: ModelOptions & { conditionDim: number }, config?: ModelConfig) {
    super(options, CVAE.checked(config ?? resolveConfig("CVAE", options, false), options));
  }

  private static checked(cfg: ModelConfig, options: ModelOptions): ModelConfig {
    check(cfg.conditionDim >= 1, "new CVAE", `conditionDim must be an integer >= 1 (the number of classes), got ${options?.conditionDim}`);
    return cfg;
  }
}
