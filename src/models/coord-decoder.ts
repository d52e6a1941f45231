import * as tf from "@tensorflow/tfjs";
import { coordKernel } from "./decode-core";
import { fastSin, fastTanh, linear } from "./ops";

/** One hidden layer of the coordinate decoder: `h_l = tanh(h_{l−1} W + b [+ zOffset_b])`. */
export interface CoordDecoderLayer {
  /** [h, h] */
  W: tf.Tensor2D;
  /** [h] */
  b: tf.Tensor1D;
  /** [B, h], skip-rVAE only: z_b U_l added inside the tanh for every pixel of image b */
  zOffset?: tf.Tensor2D;
}

/**
 * Inputs of the coordinate decoder kernel (see DEVELOPERS.md, "The coordinate decoder"). Layer 0 is
 * folded per image: `h0[b,p] = tanh(coords_p A_b + o_b)`, so rotation, shift and latent code enter only
 * through the small tensors A and o.
 */
export interface CoordDecoderInputs {
  /** [P, 2] pixel coordinates (a subset of the grid when pixels are subsampled) */
  coords: tf.Tensor2D;
  /** [B, 2, h] per-image first-layer weights R(γ_b)ᵀ W_c */
  A: tf.Tensor3D;
  /** [B, h] per-image first-layer offsets t_b W_c + z_b W_z + b_0 */
  o: tf.Tensor2D;
  layers: CoordDecoderLayer[];
  /** [h, C]: one column per image channel (C = 1 for single-channel models) */
  wOut: tf.Tensor2D;
  /** [C] */
  bOut: tf.Tensor1D;
  /**
   * Activation of layer 0 (default "tanh"). "sin" makes layer 0 learned Fourier features of the
   * transformed coordinates, sin(c' W + φ) (SIREN's first layer, Sitzmann et al. 2020), which lets the
   * decoder draw sharp edges that a tanh layer on raw coordinates learns only slowly (spectral bias).
   */
  firstActivation?: "tanh" | "sin";
}

/** Signature shared by the tfjs reference and the native fused kernel; must be differentiable. */
export type CoordDecoderFn = (inputs: CoordDecoderInputs) => tf.Tensor2D;

/**
 * Reference implementation: decode-core's kernel (the one the browser runs) with the hand-written
 * gradients of ops.ts (autodiff of the rest). Returns logits [B, P] ([B, C·P] channel-major for C channels).
 * Cost is dominated by B·P·h² per hidden layer; everything per pixel is one fused matmul plus a sigmoid-based tanh.
 */
export function coordDecoderReference(inputs: CoordDecoderInputs): tf.Tensor2D {
  return referenceKernel(inputs) as tf.Tensor2D;
}

/**
 * coords [P,2] · A2 [2, n] + o [1, n] with a transpose-free gradient (dA2 = coordsᵀ·dy with an explicit
 * transpose of the small coords, do = 1ᵀ·dy), since wasm runs transposed matmuls outside XNNPACK.
 */
const coordLayer0: (coords: tf.Tensor2D, A2: tf.Tensor2D, o: tf.Tensor2D) => tf.Tensor2D = tf.customGrad(((
  coords: tf.Tensor2D,
  A2: tf.Tensor2D,
  o: tf.Tensor2D,
  save: tf.GradSaveFunc,
) => {
  save([coords, A2]);
  return {
    value: tf.add(tf.matMul(coords, A2), o),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [c, a] = saved as [tf.Tensor2D, tf.Tensor2D];
      const ones = tf.ones([1, dy.shape[0]]) as tf.Tensor2D;
      return [tf.matMul(dy, tf.transpose(a)), tf.matMul(tf.transpose(c), dy), tf.matMul(ones, dy)];
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
}) as any) as unknown as (coords: tf.Tensor2D, A2: tf.Tensor2D, o: tf.Tensor2D) => tf.Tensor2D;

const referenceKernel = coordKernel(tf, { dense: linear, tanh: fastTanh, layer0: coordLayer0, sin: fastSin });

let implementation: CoordDecoderFn = coordDecoderReference;
let implementationName = "tfjs-reference";

/**
 * The coordinate decoder every rVAE/shift-VAE in ivae calls. By default the tfjs reference; a faster
 * differentiable implementation (the native fused kernel) can be plugged in with `setCoordDecoder`.
 */
export function coordDecoder(inputs: CoordDecoderInputs): tf.Tensor2D {
  return implementation(inputs);
}

/** Plugs in another implementation of `coordDecoder` (null restores the tfjs reference). */
export function setCoordDecoder(fn: CoordDecoderFn | null, name = "custom"): void {
  implementation = fn ?? coordDecoderReference;
  implementationName = fn ? name : "tfjs-reference";
}

/** Name of the implementation `coordDecoder` currently routes to. */
export function coordDecoderName(): string {
  return implementationName;
}
