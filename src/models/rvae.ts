import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";
import { coordDecoder } from "./coord-decoder";
import { coordDecoderLogits, CoordDecoderParams } from "./decode-core";
import { coordGrid } from "./grid";
import { glorotValues } from "./params";
import { LatentModel, ModelConfig, resolveConfig, RVAEOptions } from "./model";

/**
 * Rotation/translation invariant VAE (rVAE, after Bepler et al.'s spatial-VAE and pyroVED/AtomAI).
 * The encoder gives q(z|x), q(γ|x) and q(Δr|x); the decoder is an MLP of the pixel coordinates: the
 * canonical image f(c; z) is rendered rotated by γ (CCW as displayed) and shifted by Δr, i.e. pixel c
 * shows f(R(−γ)(c − Δr); z). `rotation: false` gives the shift-VAE, `translation: false` the
 * rotation-only rVAE, `skip: true` the skip-rVAE (z added to every hidden layer), `conditionDim` the
 * conditional rVAE.
 */
export class RVAE extends LatentModel {
  private declare Wc: tf.Variable; // [2, h]
  private declare Wz: tf.Variable; // [d + c, h]
  private declare b0: tf.Variable; // [h]
  private declare hidden: { W: tf.Variable; b: tf.Variable; U?: tf.Variable }[];
  private declare wOut: tf.Variable;
  private declare bOut: tf.Variable;
  private declare coords: tf.Tensor2D;

  constructor(options: RVAEOptions, config?: ModelConfig) {
    super(config ?? resolveConfig("RVAE", options, true));
    // built here, not in the base constructor, so that this class's fields are initialised first
    this.buildDecoder(this.decoderRng);
  }

  protected buildDecoder(rng: Random): void {
    const cfg = this.config;
    const h = cfg.decoderHidden[0];
    const zin = cfg.latentDim + cfg.conditionDim;
    this.hidden = [];
    // layer 0 acts on [x, y, z, c]: Glorot over the full fan-in, split into the coordinate and latent parts
    const vals = glorotValues(2 + zin, h, rng);
    this.Wc = this.params.add("decoder.0.Wc", [2, h], vals.subarray(0, 2 * h));
    this.Wz = this.params.add("decoder.0.Wz", [zin, h], vals.subarray(2 * h));
    this.b0 = this.params.zeros("decoder.0.b", h);
    for (let l = 1; l < cfg.decoderHidden.length; l++) {
      const layer: { W: tf.Variable; b: tf.Variable; U?: tf.Variable } = {
        W: this.params.glorot(`decoder.${l}.W`, h, h, rng),
        b: this.params.zeros(`decoder.${l}.b`, h),
      };
      if (cfg.skip) layer.U = this.params.glorot(`decoder.${l}.U`, zin, h, rng);
      this.hidden.push(layer);
    }
    this.wOut = this.params.glorot("decoder.out.W", h, 1, rng);
    this.bOut = this.params.zeros("decoder.out.b", 1);
    this.coords = tf.tensor2d(coordGrid(cfg.imageShape[0], cfg.imageShape[1]), [this.pixels, 2]);
  }

  decodeLogits(zc: tf.Tensor2D, angle: tf.Tensor1D | null, shift: tf.Tensor2D | null, pixelIndices?: Int32Array): tf.Tensor2D {
    // decode-core holds the math (shared with the Traversal widget); `coordDecoder` is the kernel in use here
    // (the tfjs reference with hand-written gradients, or the native fused op).
    const params: CoordDecoderParams = {
      Wc: this.Wc as tf.Tensor2D, Wz: this.Wz as tf.Tensor2D, b0: this.b0 as tf.Tensor1D,
      hidden: this.hidden.map((l) => ({
        W: l.W as tf.Tensor2D, b: l.b as tf.Tensor1D, U: l.U as tf.Tensor2D | undefined,
      })),
      wOut: this.wOut as tf.Tensor2D, bOut: this.bOut as tf.Tensor1D,
    };
    return coordDecoderLogits(tf, coordDecoder, params, this.coords, zc, angle, shift, pixelIndices);
  }

  protected override disposeExtra(): void {
    this.coords.dispose();
  }
}

/** Shift-VAE: the rVAE with translation only (no angle latent). */
export class ShiftVAE extends RVAE {
  constructor(options: Omit<RVAEOptions, "rotation">, config?: ModelConfig) {
    super(options, config ?? resolveConfig("ShiftVAE", { ...options, rotation: false }, true));
  }
}
