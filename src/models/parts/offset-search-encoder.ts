import * as tf from "@tensorflow/tfjs";
import { fastTanh } from "../ops";
import { OffsetScorer, refinedShift, shiftScores } from "../offset-encoder";
import { channelRecentredImages, firstChannel } from "../channel-images";
import type { Encoder, MlpEncoder } from "./encoder";
import type { Posterior } from "./latents";

/**
 * The offset-search encoder (`offsetEncoder: "equivariant"`, offset-encoder.ts): the best-scoring integer
 * shift, refined over its 3×3 neighbours, re-centres the image; the MLP reads z (and the angle, if any)
 * from it, and the offset is that shift plus the MLP's residual of at most one pixel.
 */
export class OffsetSearchEncoder implements Encoder {
  constructor(
    private readonly mlp: MlpEncoder,
    private readonly scorer: OffsetScorer,
    private readonly channels = 1,
  ) {}

  posterior(x: tf.Tensor2D, c: tf.Tensor2D | null): Posterior {
    const [B, P] = x.shape;
    const { height: H, width: W, radius } = this.scorer.geometry;
    const C = this.channels;
    const xv = x.dataSync() as Float32Array;
    const x0 = firstChannel(xv, B, C, H * W);
    const coarse = refinedShift(shiftScores(x0, B, this.scorer), this.scorer); // [B, 2] px, dx right / dy down
    const shift = coarse.dataSync() as Float32Array;
    const xn = tf.tensor2d(channelRecentredImages(xv, B, C, H, W, shift, radius + 1), [B, P]);
    return tf.tidy((): tf.TensorContainer => {
      const post = this.mlp.posterior(xn, c);
      const px = tf.tensor1d([2 / (W - 1), -2 / (H - 1)]);
      // grid units (x right, y up); the MLP's offset column is a residual of at most one pixel
      const t = post.offset;
      post.offset = {
        mean: tf.add(tf.mul(coarse, px), tf.mul(fastTanh(t.mean), tf.abs(px))) as tf.Tensor2D,
        logVar: t.logVar,
      };
      return post as unknown as tf.TensorContainer;
    }) as unknown as Posterior;
  }
}
