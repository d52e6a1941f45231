import * as tf from "@tensorflow/tfjs";
import { denseHook } from "../native/hooks";
import { polySin } from "./decode-core";

/**
 * tanh computed as 2·σ(2x) − 1 with its gradient (1 − y²)·dy. Mathematically identical to `tf.tanh`
 * (float32 rounding aside), but the wasm backend's sigmoid is vectorised while its tanh is scalar libm,
 * and the activation runs on batch × pixels × hidden values in the coordinate decoder (timings:
 * docs/DEVELOPERS.md, "Measured notes").
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fastTanh: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1));
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [yy] = saved;
      return tf.mul(dy, tf.sub(1, tf.square(yy)));
    },
  };
}) as any) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * sin(x) with its gradient cos(x)·dy, both by decode-core's vectorised series (`polySin`): tfjs-wasm's own
 * Sin/Cos are scalar libm calls, far too slow for the Fourier-feature layer 0 on B·P·h values.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fastSin: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: polySin(tf, x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, polySin(tf, saved[0], true)),
  };
}) as any) as unknown as (x: tf.Tensor) => tf.Tensor;

/** x·W + b (b broadcast over rows), fused forward and transpose-free backward (see `linear`). */
export function dense(x: tf.Tensor2D, W: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const fast = denseHook.kernel?.(x, W, b); // native threaded op for large products (src/native)
  if (fast) return fast;
  return b ? linear(x, W, b) : (tf.matMul(x, W) as tf.Tensor2D);
}

/**
 * x·W + b like `dense`, with a hand-written gradient that uses only non-transposed matmuls
 * (dx = dy·(Wᵀ), dW = (xᵀ)·dy with explicit transposes). The wasm backend runs transposed matmuls
 * outside XNNPACK, and autodiff of a matmul produces exactly those (timings: docs/DEVELOPERS.md,
 * "Measured notes").
 */
export const linear: (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D = tf.customGrad(((
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  save: tf.GradSaveFunc,
) => {
  save([x, W]);
  return {
    value: tf.fused.matMul({ a: x, b: W, bias: b }),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, Ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const ones = tf.ones([1, dy.shape[0]]) as tf.Tensor2D;
      return [tf.matMul(dy, tf.transpose(Ws)), tf.matMul(transpose2d(xs), dy), tf.reshape(tf.matMul(ones, dy), [-1])];
    },
  };
}) as any) as unknown as (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * Transpose of a tall matrix [N, h] → [h, N]. The wasm Transpose kernel is much slower on a 2-D
 * [N, h] with large N than on the same data viewed as [a, b, h] with b of a few hundred (cache-sized
 * strides), so the rows are split into blocks: [a, b, h] → [h, a, b] = [h, N].
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [n, h] = x.shape;
  if (n <= 1024) return tf.transpose(x);
  let b = 0;
  for (let c = 512; c >= 64; c--)
    if (n % c === 0) {
      b = c;
      break;
    }
  if (b === 0) return tf.transpose(x);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [n / b, b, h]), [2, 0, 1]), [h, n]) as tf.Tensor2D);
}
