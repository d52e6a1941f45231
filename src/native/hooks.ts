import type * as tf from "@tensorflow/tfjs";

/**
 * Plug-in points through which the models reach a native kernel without depending on src/native (the same
 * idea as `setCoordDecoder`). This module imports nothing from src (no import circle with the models that
 * import it); src/native fills the slots when the addon loads.
 */

/** The frame scorer's weights and geometry as the kernel needs them (models' `PoseScorer` has this shape). */
export interface FrameScorerWeights {
  /** [kw·R, C] */
  W0: tf.Tensor;
  /** [C] */
  b0: tf.Tensor;
  /** [C, 1] */
  W1: tf.Tensor;
  /** K trial angles, R radii, kernel width kw (odd) */
  geometry: { steps: number; radii: number; kernel: number };
}

export const frameScoresHook: {
  /** the equivariant pose encoder's frame scores [B, K] from polar images [B, K·R]; null: the tfjs path */
  kernel: ((polar: Float32Array, B: number, s: FrameScorerWeights) => tf.Tensor2D) | null;
} = { kernel: null };

/**
 * The models' `dense` (src/models/ops.ts: x·W + b, b optional) for large products; null: tfjs. The kernel
 * returns null to decline a product (too small to gain from threads), which then runs in tfjs.
 */
export const denseHook: {
  kernel: ((x: tf.Tensor2D, W: tf.Tensor2D, b?: tf.Tensor1D) => tf.Tensor2D | null) | null;
} = { kernel: null };

/**
 * The equivariant pose encoder's resamplings (models/pose-encoder.ts `polarImages`, `normalisedImages`), the same
 * float64 arithmetic threaded over images; null: the JS code.
 */
export const resampleHook: {
  /** the intensity centroids (row, col) [B·2] of a batch [B, H·W] (models/pose-encoder.ts `centroids`) */
  centroids?: ((x: Float32Array, B: number, H: number, W: number) => Float64Array) | null;
  polar:
    | ((
        x: Float32Array,
        B: number,
        g: { height: number; width: number; steps: number; radii: number; rMax: number },
        centre: Float64Array,
      ) => Float32Array)
    | null;
  normalised:
    | ((x: Float32Array, B: number, H: number, W: number, centre: Float64Array, angle: Float32Array) => Float32Array)
    | null;
} = { polar: null, normalised: null };

/**
 * The plain VAE's loss terms (src/models/vae.ts `lossTerms`) as one fused native op with its gradients; null: the
 * tfjs path. The kernel returns null to decline a model it does not cover (which then runs in tfjs).
 */
export const vaeStepHook: {
  kernel:
    | ((
        model: unknown,
        x: tf.Tensor2D,
        opts: { seed: number; beta?: number; pixelIndices?: Int32Array },
      ) => import("../models/contracts").LossTerms | null)
    | null;
} = { kernel: null };

/**
 * The Bernoulli pixel loss `bernoulliNll` (src/models/elbo.ts: Σ_pixels BCE with logits per row, [B]) as one
 * threaded native op with its gradient; null: the tfjs path. The kernel returns null to decline (e.g. not float32).
 */
export const bernoulliNllHook: {
  kernel: ((logits: tf.Tensor2D, x: tf.Tensor2D) => tf.Tensor1D | null) | null;
} = { kernel: null };

/**
 * The images a decoder call is about to be scored against with the Bernoulli likelihood (rows [B, C·P] like its
 * logits), set by the models' loss around the decode (`withPixelTarget`); null otherwise. With it the native
 * coordinate decoder does the training pass and the pixel loss in one pass over the pixels (src/native
 * coord-decoder.ts); the loss op then takes its values from that pass. Purely an optimisation: every result is the
 * same without it.
 */
export const pixelTargetHook: { target: tf.Tensor2D | null } = { target: null };

/**
 * Runs `f` (a decode) with `pixelTargetHook.target` set to `target` when `likelihood` is Bernoulli (null otherwise),
 * restoring the previous value afterwards.
 */
export function withPixelTarget<T>(target: tf.Tensor2D, likelihood: { config: { kind: string } }, f: () => T): T {
  const prev = pixelTargetHook.target;
  pixelTargetHook.target = likelihood.config.kind === "bernoulli" ? target : null;
  try {
    return f();
  } finally {
    pixelTargetHook.target = prev;
  }
}
