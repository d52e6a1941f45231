import type * as tf from "@tensorflow/tfjs";
import type { PoseScorer } from "../models/pose-encoder";

/**
 * Plug-in points through which the models reach a native kernel without depending on src/native (the same
 * idea as `setCoordDecoder`). This module imports types only, so models can import it freely; src/native
 * fills the slots when the addon loads.
 */
export const frameScoresHook: {
  /** the equivariant pose encoder's frame scores [B, K] from polar images [B, K·R]; null: the tfjs path */
  kernel: ((polar: Float32Array, B: number, s: PoseScorer) => tf.Tensor2D) | null;
} = { kernel: null };

/**
 * The models' `dense` (src/models/ops.ts: x·W + b, b optional) for large products; null: tfjs. The kernel
 * returns null to decline a product (too small to gain from threads), which then runs in tfjs.
 */
export const denseHook: {
  kernel: ((x: tf.Tensor2D, W: tf.Tensor2D, b?: tf.Tensor1D) => tf.Tensor2D | null) | null;
} = { kernel: null };
