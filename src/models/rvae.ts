import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";
import { coordDecoder, CoordDecoderLayer } from "./coord-decoder";
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
    return tf.tidy(() => {
      const B = zc.shape[0];
      const h = this.config.decoderHidden[0];
      const Wc = this.Wc as tf.Tensor2D;
      // Rendering pixel c at c' = R(−γ)(c − t): as a row vector c' = (c − t) R(γ), so the folded layer 0 is
      // A_b = R(γ_b) W_c and o_b = z_b W_z + b_0 − t_b A_b (kernel angle −γ, kernel shift −R(−γ)t).
      let A: tf.Tensor3D;
      if (angle) {
        const cos = tf.reshape(tf.cos(angle), [B, 1]);
        const sin = tf.reshape(tf.sin(angle), [B, 1]);
        const w0 = tf.slice(Wc, [0, 0], [1, h]);
        const w1 = tf.slice(Wc, [1, 0], [1, h]);
        const row0 = tf.sub(tf.mul(cos, w0), tf.mul(sin, w1)); // [B,h]
        const row1 = tf.add(tf.mul(sin, w0), tf.mul(cos, w1));
        A = tf.stack([row0, row1], 1) as tf.Tensor3D;
      } else {
        A = tf.tile(tf.reshape(Wc, [1, 2, h]), [B, 1, 1]) as tf.Tensor3D;
      }
      let o: tf.Tensor2D = tf.add(tf.matMul(zc, this.Wz as tf.Tensor2D), this.b0);
      if (shift) {
        // t_b A_b = tx·A_b[0] + ty·A_b[1]
        const tA = tf.squeeze(tf.matMul(tf.reshape(shift, [B, 1, 2]), A), [1]) as tf.Tensor2D;
        o = tf.sub(o, tA);
      }
      const coords = pixelIndices ? (tf.gather(this.coords, tf.tensor1d(pixelIndices, "int32")) as tf.Tensor2D) : this.coords;
      const layers: CoordDecoderLayer[] = this.hidden.map((l) => ({
        W: l.W as tf.Tensor2D,
        b: l.b as tf.Tensor1D,
        zOffset: l.U ? (tf.matMul(zc, l.U as tf.Tensor2D) as tf.Tensor2D) : undefined,
      }));
      return coordDecoder({ coords, A, o, layers, wOut: this.wOut as tf.Tensor2D, bOut: this.bOut as tf.Tensor1D });
    });
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
