import * as tf from "@tensorflow/tfjs";
import { check } from "../util/errors";
import { Random } from "../util/random";
import { dense, fastTanh } from "./ops";
import { LatentModel, ModelOptions, resolveConfig, ModelConfig } from "./model";

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
    return tf.tidy(() => {
      let h = zc;
      for (const l of this.decLayers) h = fastTanh(dense(h, l.W as tf.Tensor2D, l.b as tf.Tensor1D)) as tf.Tensor2D;
      if (pixelIndices) {
        // only the output columns of the sampled pixels are needed
        const idx = tf.tensor1d(pixelIndices, "int32");
        return dense(h, tf.gather(this.decOut.W, idx, 1) as tf.Tensor2D, tf.gather(this.decOut.b, idx) as tf.Tensor1D);
      }
      return dense(h, this.decOut.W as tf.Tensor2D, this.decOut.b as tf.Tensor1D);
    });
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
