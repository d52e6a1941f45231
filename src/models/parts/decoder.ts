import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import { dense, fastTanh } from "../ops";
import { ParamStore } from "../params";
import { mlpDecoderLogits, MlpDecoderParams, referenceOps } from "../decode-core";

/** The pose a decoder renders at, per image (absent = the canonical pose). */
export interface DecoderPose {
  /** [B] radians, CCW as displayed */
  angle?: tf.Tensor1D | null;
  /** [B, 2] grid units (x right, y up) */
  shift?: tf.Tensor2D | null;
  /** [B] size factor: the canonical image drawn s times larger */
  scale?: tf.Tensor1D | null;
}

/**
 * A decoder part: pixel logits [B, P] (or [B, m] for a pixel subset) from the content code `zc` (z with the
 * one-hot condition appended) and the pose. The likelihood turns logits into an image.
 */
export interface Decoder {
  logits(zc: tf.Tensor2D, pose: DecoderPose, pixelIndices?: Int32Array): tf.Tensor2D;
  /** frees tensors that are not parameters (parameters live in the model's ParamStore) */
  dispose(): void;
}

/** The MLP decoder of the plain VAE (pyroVED's `fcDecoderNet`): tanh layers `decoder.<i>`, then one logit per pixel. */
export class MlpDecoder implements Decoder {
  private readonly layers: { W: tf.Variable; b: tf.Variable }[] = [];
  private readonly out: { W: tf.Variable; b: tf.Variable };

  constructor(params: ParamStore, inputDim: number, hidden: number[], pixels: number, rng: Random) {
    let fan = inputDim;
    hidden.forEach((width, i) => {
      this.layers.push({
        W: params.glorot(`decoder.${i}.W`, fan, width, rng),
        b: params.zeros(`decoder.${i}.b`, width),
      });
      fan = width;
    });
    this.out = { W: params.glorot("decoder.out.W", fan, pixels, rng), b: params.zeros("decoder.out.b", pixels) };
  }

  logits(zc: tf.Tensor2D, _pose: DecoderPose, pixelIndices?: Int32Array): tf.Tensor2D {
    // decode-core holds the math (shared with the browser); here with the hand-written-gradient ops
    const p: MlpDecoderParams = {
      layers: this.layers.map((l) => ({ W: l.W as tf.Tensor2D, b: l.b as tf.Tensor1D })),
      out: { W: this.out.W as tf.Tensor2D, b: this.out.b as tf.Tensor1D },
    };
    return mlpDecoderLogits(tf, p, zc, pixelIndices, { ...referenceOps(tf), dense, tanh: fastTanh });
  }

  dispose(): void {}
}
