import * as tf from "@tensorflow/tfjs";
import { fastTanh } from "../ops";
import { frameScores, PoseScorer, topFrames, windowedAngle } from "../pose-encoder";
import { channelCentroids, channelNormalisedImages, channelPolarImages, planePoseGeometry } from "../channel-images";
import type { Encoder, MlpEncoder } from "./encoder";
import type { Posterior } from "./latents";

/** −log p(x | posterior means) on a pixel subset, per image [B]: how well a candidate frame reconstructs. */
export type CandidateScore = (
  post: Posterior,
  c: tf.Tensor2D | null,
  pixels: Int32Array,
  x: tf.Tensor2D,
) => tf.Tensor1D;

/**
 * The rotation-equivariant pose encoder (`poseEncoder: "equivariant"`, pose-encoder.ts): the angle from the
 * frame scores of the polar image, then z, an angle residual and the offset from the MLP on the image
 * centred and de-rotated by that angle. The offset is the centroid plus the MLP's offset turned by γ.
 * With `frameCandidates > 1` the best frames are decoded and the one reconstructing best is kept.
 * With `channels` C > 1 (rows [B, C·P]) one pose serves all channels (channel-images.ts says how).
 */
export class EquivariantPoseEncoder implements Encoder {
  constructor(
    private readonly mlp: MlpEncoder,
    private readonly scorer: PoseScorer,
    private readonly frameCandidates: number,
    private readonly candidateScore: CandidateScore,
    private readonly channels = 1,
  ) {}

  posterior(x: tf.Tensor2D, c: tf.Tensor2D | null): Posterior {
    const [B] = x.shape;
    const g = this.scorer.geometry;
    const C = this.channels;
    const xv = x.dataSync() as Float32Array;
    const centre = channelCentroids(xv, B, C, g.height, g.width);
    const scores = frameScores(channelPolarImages(xv, B, C, planePoseGeometry(g, C), centre), B, this.scorer);
    const frames = topFrames(scores.dataSync(), B, g.steps, Math.max(1, this.frameCandidates));
    let chosen = frames[0];
    if (frames.length > 1) {
      const pix = candidatePixels(g.height, g.width);
      let bestNll: Float32Array | null = null;
      chosen = new Int32Array(B);
      for (const f of frames) {
        const nll = tf.tidy(() => this.candidateScore(this.inFrame(x, xv, c, scores, f, centre), c, pix, x));
        const v = nll.dataSync() as Float32Array;
        nll.dispose();
        for (let b = 0; b < B; b++) if (!bestNll || v[b] < bestNll[b]) chosen[b] = f[b];
        bestNll = bestNll ? bestNll.map((u, b) => Math.min(u, v[b])) : v.slice();
      }
    }
    return this.inFrame(x, xv, c, scores, chosen, centre);
  }

  /**
   * The posterior when frame `frame[b]` is taken for image b: angle refined around that trial, z, angle
   * residual and offset from the MLP on the image centred and de-rotated by it.
   */
  private inFrame(
    x: tf.Tensor2D,
    xv: Float32Array,
    c: tf.Tensor2D | null,
    scores: tf.Tensor2D,
    frame: Int32Array,
    centre: Float64Array,
  ): Posterior {
    const [B, P] = x.shape;
    const { height: H, width: W, steps } = this.scorer.geometry;
    const coarse = windowedAngle(scores, frame);
    const angles = coarse.dataSync() as Float32Array;
    const xn = tf.tensor2d(channelNormalisedImages(xv, B, this.channels, H, W, centre, angles), [B, P]);
    // coarse and xn stay alive until the caller's tidy ends: the backward pass still reads xn
    return tf.tidy((): tf.TensorContainer => {
      // the MLP's angle column is a residual of at most one trial step; its offset column an offset in the de-rotated
      // frame
      const out = this.mlp.posterior(xn, c);
      const a = out.angle;
      const gamma = tf.add(coarse, tf.mul((2 * Math.PI) / steps, fastTanh(a.mean.reshape([-1]))));
      out.angle = { mean: tf.atan2(tf.sin(gamma), tf.cos(gamma)).reshape([-1, 1]) as tf.Tensor2D, logVar: a.logVar };
      if (out.offset) {
        const cg = new Float32Array(2 * B);
        for (let b = 0; b < B; b++) {
          cg[2 * b] = (2 * centre[2 * b + 1]) / (W - 1) - 1;
          cg[2 * b + 1] = 1 - (2 * centre[2 * b]) / (H - 1);
        }
        const t = out.offset.mean;
        const ux = t.slice([0, 0], [-1, 1]).reshape([-1]),
          uy = t.slice([0, 1], [-1, 1]).reshape([-1]);
        const cos = tf.cos(gamma),
          sin = tf.sin(gamma);
        const turned = tf.stack(
          [tf.sub(tf.mul(ux, cos), tf.mul(uy, sin)), tf.add(tf.mul(ux, sin), tf.mul(uy, cos))],
          1,
        );
        out.offset = { mean: tf.add(tf.tensor2d(cg, [B, 2]), turned) as tf.Tensor2D, logVar: out.offset.logVar };
      }
      return out as unknown as tf.TensorContainer;
    }) as unknown as Posterior;
  }
}

/** Pixels on which candidate frames are compared: a regular grid of at most ~600 pixels (every pixel for small images). */
function candidatePixels(H: number, W: number): Int32Array {
  const stride = Math.max(1, Math.round(Math.sqrt((H * W) / 600)));
  const out: number[] = [];
  for (let i = Math.floor(stride / 2); i < H; i += stride)
    for (let j = Math.floor(stride / 2); j < W; j += stride) out.push(i * W + j);
  return Int32Array.from(out);
}
