import type * as tf from "@tensorflow/tfjs";
import { vaeStepHook } from "../native/hooks";
import { check } from "../util/errors";
import { configChannels, ModelConfig, ModelOptions, resolveConfig, storedConfig } from "./config";
import type { LossOptions, LossTerms } from "./contracts";
import { LatentModel } from "./model";
import { MlpDecoder } from "./parts/decoder";
import { registerModel } from "./registry";

/**
 * The plain variational autoencoder: MLP encoder → Gaussian q(z|x), MLP decoder z → pixel logits,
 * Bernoulli or Gaussian likelihood. With `conditionDim > 0` the one-hot label enters encoder and decoder.
 */
export class VAE extends LatentModel {
  /** `config` (a stored, validated configuration) takes precedence over `options`. */
  constructor(options: ModelOptions, config?: ModelConfig) {
    const c = config ?? resolveConfig("VAE", options, false);
    super(
      c,
      (params, rng, content) =>
        new MlpDecoder(params, content, c.decoderHidden, c.imageShape[0] * c.imageShape[1], rng, configChannels(c)),
    );
  }

  /** the likelihood's own score: the fused step computes it, so a replaced `nll` sends the step to tfjs */
  private readonly fusedNll = this.likelihood.nll;

  /** The ELBO's terms; unconditional models take the fused native step when the addon has it (src/native). */
  override lossTerms(x: tf.Tensor2D, c: tf.Tensor2D | null, opts: LossOptions): LossTerms {
    const fused = c === null && this.likelihood.nll === this.fusedNll ? vaeStepHook.kernel?.(this, x, opts) : null;
    return fused ?? super.lossTerms(x, c, opts);
  }
}

/** Conditional VAE: a VAE whose encoder and decoder also see the one-hot class label. */
export class CVAE extends VAE {
  constructor(options: ModelOptions & { conditionDim: number }, config?: ModelConfig) {
    super(options, CVAE.checked(config ?? resolveConfig("CVAE", options, false), options?.conditionDim));
  }

  private static checked(cfg: ModelConfig, given: unknown): ModelConfig {
    check(
      cfg.conditionDim >= 1,
      "new CVAE",
      `conditionDim must be an integer >= 1 (the number of classes), got ${given}`,
    );
    return cfg;
  }
}

registerModel("VAE", (raw) => {
  const c = storedConfig(raw, "VAE", false);
  return new VAE(c, c);
});
registerModel("CVAE", (raw) => {
  const c = storedConfig(raw, "CVAE", false);
  return new CVAE(c, c);
});
