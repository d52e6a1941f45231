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
 * A decoder part: pixel logits [B, C·P] (or [B, C·m] for a pixel subset) from the content code `zc` (z with the
 * one-hot condition appended) and the pose; C = image channels, channel planes per row as in an ImageStack
 * (C = 1: [B, P]). `pixelIndices` are pixel indices in [0, P), taken in every channel. The likelihood turns
 * logits into an image.
 */
export interface Decoder {
  logits(zc: tf.Tensor2D, pose: DecoderPose, pixelIndices?: Int32Array): tf.Tensor2D;
  /**
   * Sets the output bias to one logit per channel (decoders whose output bias is shared by all pixels);
   * `LatentModel.initOutputBias` calls it with the logit of the training images' mean intensity.
   */
  setOutputBias?(logits: Float32Array): void;
  /** frees tensors that are not parameters (parameters live in the model's ParamStore) */
  dispose(): void;
}

/** The MLP decoder of the plain VAE (pyroVED's `fcDecoderNet`): tanh layers `decoder.<i>`, then one logit per pixel. */
export class MlpDecoder implements Decoder {
  private readonly layers: { W: tf.Variable; b: tf.Variable }[] = [];
  private readonly out: { W: tf.Variable; b: tf.Variable };
  private readonly pixels: number;
  private readonly channels: number;

  /** `pixels` per channel; the output layer has channels·pixels columns (channel planes). */
  constructor(params: ParamStore, inputDim: number, hidden: number[], pixels: number, rng: Random, channels = 1) {
    this.pixels = pixels;
    this.channels = channels;
    let fan = inputDim;
    hidden.forEach((width, i) => {
      this.layers.push({
        W: params.glorot(`decoder.${i}.W`, fan, width, rng),
        b: params.zeros(`decoder.${i}.b`, width),
      });
      fan = width;
    });
    const cols = channels * pixels;
    this.out = { W: params.glorot("decoder.out.W", fan, cols, rng), b: params.zeros("decoder.out.b", cols) };
  }

  logits(zc: tf.Tensor2D, _pose: DecoderPose, pixelIndices?: Int32Array): tf.Tensor2D {
    // decode-core holds the math (shared with the browser); here with the hand-written-gradient ops
    const p: MlpDecoderParams = {
      layers: this.layers.map((l) => ({ W: l.W as tf.Tensor2D, b: l.b as tf.Tensor1D })),
      out: { W: this.out.W as tf.Tensor2D, b: this.out.b as tf.Tensor1D },
    };
    const cols = pixelIndices ? channelPixelIndices(pixelIndices, this.pixels, this.channels) : undefined;
    return mlpDecoderLogits(tf, p, zc, cols, { ...referenceOps(tf), dense, tanh: fastTanh });
  }

  dispose(): void {}
}

/**
 * Column indices of pixels `pix` (in [0, P)) in every one of C channel planes: [c·P + pix[j]] channel-major, so
 * that a gather of a [B, C·P] row gives [B, C·m] planes in the decoder's output order. The same array when C = 1.
 */
export function channelPixelIndices(pix: Int32Array, P: number, C: number): Int32Array {
  if (C === 1) return pix;
  const m = pix.length;
  const out = new Int32Array(C * m);
  for (let c = 0; c < C; c++) for (let j = 0; j < m; j++) out[c * m + j] = c * P + pix[j];
  return out;
}
