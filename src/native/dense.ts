import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { loadNative } from "./addon";
import { denseHook } from "./hooks";
import { withOutputs } from "./wasm-heap";

/**
 * `x W + b` (x [M,K], W [K,N], b [N]) as a native op with its gradient (dx = dy Wᵀ, dW = xᵀ dy,
 * db = Σ dy), on all cores with the addon's SIMD micro-kernel. The same contract as the models' `dense`
 * (src/models/ops.ts), for the encoder (2304 -> 128 per image) and the plain VAE's decoder, whose
 * products the single-threaded wasm backend runs at a fraction of the machine's speed. Falls back to
 * `tf.fused.matMul` when the addon is absent or IVAE_NATIVE=0.
 */
export function denseNative(x: tf.Tensor2D, W: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const addon = loadNative();
  if (!addon) return (b ? tf.fused.matMul({ a: x, b: W, bias: b }) : tf.matMul(x, W)) as tf.Tensor2D;
  if (x.rank !== 2 || W.rank !== 2 || x.shape[1] !== W.shape[0]) {
    throw new IvaeInputError(`denseNative: x [${x.shape}] and W [${W.shape}] do not chain; expected [M,K] and [K,N]`);
  }
  const [M, K] = x.shape;
  const N = W.shape[1];
  if (b && (b.rank !== 1 || b.shape[0] !== N))
    throw new IvaeInputError(`denseNative: b has shape [${b.shape}], expected [${N}]`);
  if (x.dtype !== "float32" || W.dtype !== "float32") throw new IvaeInputError("denseNative: expected float32 tensors");
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args.slice(0, b ? 3 : 2) as tf.Tensor[];
    (args[t.length] as tf.GradSaveFunc)([t[0], t[1]]);
    // operands read and results written in place on the wasm heap (wasm-heap.ts): no copies of x, W, dy
    const [y] = withOutputs([[M, N]], t, ([out], [xd, wd, bd]) =>
      addon.matmul(M, K, N, xd, false, wd, false, bd ?? null, out),
    );
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const shape = (r: number, c: number) => [r, c];
        const grads = withOutputs([shape(M, K), shape(K, N)], [saved[0], saved[1], dy], ([dx, dW], [xd, wd, dyd]) => {
          addon.matmul(M, N, K, dyd, false, wd, true, null, dx); // dy [M,N] x Wᵀ
          addon.matmul(K, M, N, xd, true, dyd, false, null, dW); // xᵀ [K,M] x dy [M,N]
        });
        return b ? [...grads, tf.sum(dy, 0)] : grads;
      },
    };
  });
  return (b ? op(x, W, b) : op(x, W)) as tf.Tensor2D;
}

/**
 * Products below this many multiply-adds stay in tfjs when the models' `dense` is routed natively: thread
 * start-up and the copies across the boundary cost more than they save (the encoder heads, the VAE's
 * small layers). The encoder's first layer (128 × 2304 × 128 = 38 M) and the plain VAE's output layer
 * (128 × 64 × 2304 = 19 M) are far above it.
 */
export const DENSE_NATIVE_MIN_MACS = 1 << 20;

/** Whether tfjs is recording a gradient tape (a training step), not an inference call. */
function tapeOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * Routes the models' `dense` (encoders, the plain VAE's decoder) through `denseNative` for products of at least
 * `DENSE_NATIVE_MIN_MACS` multiply-adds (true) or leaves it in tfjs (false). Returns whether it is routed.
 * Training steps (a gradient tape records) always take it; inference calls (encode, decode) too unless
 * `inference` is false (IVAE_NATIVE_DENSE_INFER=0): encoding 1024 patches' first layer (1024 × 2304 × 128) ran
 * ~40 ms in tfjs-wasm on one core (bench/encode-profile.ts, issue 15). The products below the threshold stay in
 * tfjs, so small calls (the saved-model fixtures of test/models/saved-models.test.ts: 4 images of 12 × 12) keep
 * their bit-for-bit numbers; large ones differ from tfjs in the last bits (another summation order).
 */
export function useNativeDense(enable = true, inference = process.env.IVAE_NATIVE_DENSE_INFER !== "0"): boolean {
  const addon = enable ? loadNative() : null;
  denseHook.kernel = addon
    ? (x, W, b) =>
        (inference || tapeOn()) && x.shape[0] * x.shape[1] * W.shape[1] >= DENSE_NATIVE_MIN_MACS
          ? denseNative(x, W, b)
          : null
    : null;
  return denseHook.kernel !== null;
}
