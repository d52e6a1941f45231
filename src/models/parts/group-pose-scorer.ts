import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import { channelNormalisedImages } from "../channel-images";
import {
  basisSize,
  dataPatches,
  orientedPooling,
  groupFilters,
  groupTable,
  liftedFilters,
  liftingTable,
  tensorPatches,
  type Table,
} from "../group-conv";
import { dense } from "../ops";
import { ParamStore } from "../params";
import type { FrameScorer } from "./equivariant-pose-encoder";

/**
 * The frame scorer of `poseEncoder: "group"`: a small group-convolution network over rotations, after
 * TARGET-VAE's encoder (Nasiri & Bepler 2022, github.com/SMLC-NYSBC/TARGET-VAE, `src/models.py` `GroupConv` and
 * the p8 inference network): a lifting convolution (each filter in R rotated copies), a group convolution over
 * (rotation, row, column), and per rotation r a logit s_r of the pose posterior q(r | x) = softmax(s)_r. Its
 * features are local and several layers deep, where the polar scorer (pose-encoder.ts) compares one learned
 * template around the centroid, which cannot tell a "2" from its half-turn when the two differ in local
 * strokes only (docs/experiments/rotated-digits-pose.md).
 *
 * Equivariance: the image is first centred on its intensity centroid (as the polar scorer does; TARGET-VAE infers
 * the translation by attention over locations, which digits do not need); rotating it by α_1 = 2π/R then turns
 * every feature map and shifts the rotation axis by one step, and the pooling, turned with each bin, leaves a
 * cyclic shift of s. Quarter turns are exact (filter rotations are then tap permutations); other multiples of
 * 2π/R hold up to the bilinear resampling of filters and images.
 *
 * Layers (names in the saved weights; filters as coefficients of a steerable basis, group-conv.ts `filterBasis`):
 * `group.0.W` [nb₀, C·c] and `group.0.b` [c] (lifting, 5 × 5, ReLU, p × p average pooling to about 8 × 8), `group.1.W`
 * [nb₁·R, c·c] and `group.1.b` [c] (group convolution, 3 × 3, ReLU), then the
 * mean and first moments of each feature over a disk, taken in the frame of each rotation bin (`orientedPooling`),
 * and `group.2.W` [3c, 1], the same linear score for every bin.
 */
export class GroupPoseScorer implements FrameScorer {
  readonly geometry: { height: number; width: number; steps: number };
  private readonly W0: tf.Variable;
  private readonly b0: tf.Variable;
  private readonly W1: tf.Variable;
  private readonly b1: tf.Variable;
  private readonly W2: tf.Variable;
  private readonly lift: Table;
  private readonly group: Table;
  /** pooling weights [R, h·w, 3] (group-conv.ts `orientedPooling`) */
  private readonly orient: Float32Array;
  private readonly pooled: [number, number];
  /** average-pooling factor after the lifting layer */
  private readonly pool: number;

  static readonly liftKernel = 5;
  static readonly groupKernel = 3;

  /**
   * `rotations` R (the angle bins of q(r|x)), `channels` c per rotation in both convolution layers, `inputChannels`
   * the image's detector channels (all read by the lifting layer).
   */
  constructor(
    params: ParamStore,
    height: number,
    width: number,
    rotations: number,
    channels: number,
    inputChannels: number,
    rng: Random,
  ) {
    const k0 = GroupPoseScorer.liftKernel,
      k1 = GroupPoseScorer.groupKernel;
    const R = rotations,
      c = channels,
      C = inputChannels;
    this.geometry = { height, width, steps: R };
    // Glorot-uniform over each filter's true fan-in (taps × input channels [× rotations]) and fan-out c
    const nb0 = basisSize(k0),
      nb1 = basisSize(k1);
    this.W0 = params.add("group.0.W", [nb0, C * c], glorotCoefficients(nb0 * C * c, k0 * k0 * C, c, rng));
    this.b0 = params.zeros("group.0.b", c);
    this.W1 = params.add("group.1.W", [nb1 * R, c * c], glorotCoefficients(nb1 * R * c * c, k1 * k1 * R * c, c, rng));
    this.b1 = params.zeros("group.1.b", c);
    this.W2 = params.glorot("group.2.W", 3 * c, 1, rng);
    this.lift = liftingTable(k0, R);
    this.group = groupTable(k1, R);
    // pooled to about 8 × 8 (28 px: 4 → 7 × 7): the group convolution at 14 × 14 cost 3× the time per step for
    // features that only need to place a digit's strokes; a side divisible by p keeps quarter turns exact
    this.pool = Math.max(1, Math.round(Math.min(height, width) / 8));
    this.pooled = [Math.floor(height / this.pool), Math.floor(width / this.pool)];
    const [h, w] = this.pooled;
    this.orient = orientedPooling(h, w, R);
  }

  /** Pose logits [B, R] of a batch [B, C·H·W] around the given centroids (row, col per image; no gradient). */
  scores(xv: Float32Array, B: number, C: number, centre: Float64Array): tf.Tensor2D {
    const { height: H, width: W, steps: R } = this.geometry;
    const k0 = GroupPoseScorer.liftKernel,
      k1 = GroupPoseScorer.groupKernel;
    const c = this.b0.shape[0];
    const [h, w] = this.pooled;
    // the image centred on its centroid (data: no gradient), as patches for the lifting layer
    const centred = channelNormalisedImages(xv, B, C, H, W, centre, new Float32Array(B));
    const cols = dataPatches(centred, B, C, H, W, k0);
    return tf.tidy(() => {
      const f0 = liftedFilters(this.lift, this.W0 as tf.Tensor2D, k0, C, R);
      const a0 = tf.relu(dense(tf.tensor2d(cols, [B * H * W, k0 * k0 * C]), f0, tf.tile(this.b0, [R]) as tf.Tensor1D));
      const p0 = tf.avgPool(
        tf.reshape(a0, [B, H, W, R * c]) as tf.Tensor4D,
        this.pool,
        this.pool,
        "valid",
      ) as tf.Tensor4D;
      const f1 = groupFilters(this.group, this.W1 as tf.Tensor2D, k1, R, c);
      const a1 = tf.relu(dense(tensorPatches(p0, k1), f1, tf.tile(this.b1, [R]) as tf.Tensor1D));
      // per rotation bin r, the mean and the two first moments (in r's frame) of each feature over the disk:
      // [R, B·c, h·w] × [R, h·w, 3] → [B·R, 3c], then the same linear score for every bin
      const byBin = tf.reshape(tf.transpose(tf.reshape(a1, [B, h * w, R, c]), [2, 0, 3, 1]), [R, B * c, h * w]);
      const pooled = tf.matMul(byBin as tf.Tensor3D, tf.tensor3d(this.orient, [R, h * w, 3]));
      const feats = tf.reshape(tf.transpose(tf.reshape(pooled, [R, B, 3 * c]), [1, 0, 2]), [B * R, 3 * c]);
      return tf.reshape(dense(feats as tf.Tensor2D, this.W2 as tf.Tensor2D), [B, R]);
    }) as tf.Tensor2D;
  }
}

/**
 * `count` basis coefficients, uniform within the Glorot limit √(6/(fanIn + fanOut)) of the filter they make (fanIn
 * its taps × input channels [× rotations]): the basis functions have unit norm, so the filter's spread is that of
 * a Glorot filter up to the ratio of basis functions to taps.
 */
function glorotCoefficients(count: number, fanIn: number, fanOut: number, rng: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(count);
  for (let i = 0; i < count; i++) v[i] = rng.uniform(-limit, limit);
  return v;
}
