import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { loadNative, NativeAddon } from "./addon";
import { FrameScorerWeights, frameScoresHook, resampleHook } from "./hooks";

function f32(t: tf.Tensor, what: string): Float32Array {
  if (t.dtype !== "float32") throw new IvaeInputError(`frameScoresNative: ${what} must be float32, got ${t.dtype}`);
  return t.dataSync() as Float32Array;
}

/**
 * The equivariant pose encoder's frame scores (pose-encoder.ts `frameScores`, same contract and values) as
 * one native op: circular correlation of each polar image [K, R] with the kernel W0 [kw·R, C] over the K
 * trial angles, tanh(· + b0), then · W1 → scores [B, K]. The addon reads each im2col row as a window of the
 * circularly padded polar image instead of building the B·K·kw·R matrix in JS and uploading it, splits the
 * images over its threads, and the backward pass gives only dW0, db0 and dW1 (the polar images are data).
 * Falls back to the tfjs path without the addon.
 */
export function frameScoresNative(
  polar: Float32Array,
  B: number,
  s: FrameScorerWeights,
  addon?: NativeAddon,
): tf.Tensor2D {
  const a = addon ?? loadNative();
  const { steps: K, radii: R, kernel: kw } = s.geometry;
  if (!a) throw new IvaeInputError("frameScoresNative: the native addon is not available");
  if (polar.length !== B * K * R)
    throw new IvaeInputError(`frameScoresNative: polar has ${polar.length} values, expected B·K·R = ${B * K * R}`);
  const C = s.W0.shape[1];
  if (s.W0.shape[0] !== kw * R || s.b0.shape[0] !== C || s.W1.shape[0] !== C || s.W1.shape[1] !== 1) {
    throw new IvaeInputError(
      `frameScoresNative: scorer weights [${s.W0.shape}], [${s.b0.shape}], [${s.W1.shape}]; expected ` +
        `[${kw * R}, C], [C], [C, 1]`,
    );
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [W0, b0, W1] = args as tf.Tensor[];
    const W1d = f32(W1, "W1");
    const lanes = a.scorerLanes();
    const Cp = Math.ceil(C / lanes) * lanes;
    const scores = new Float32Array(B * K);
    const h = new Float32Array(B * K * Cp); // kept for the backward pass (padded layout of this ISA)
    a.scorerForward(B, K, R, kw, C, polar, f32(W0, "W0"), f32(b0, "b0"), W1d, scores, h);
    return {
      value: tf.tensor2d(scores, [B, K]),
      gradFunc: (dy: tf.Tensor) => {
        const dW0 = new Float32Array(kw * R * C),
          db0 = new Float32Array(C),
          dW1 = new Float32Array(C);
        a.scorerBackward(B, K, R, kw, C, polar, W1d, h, f32(dy, "dscores"), dW0, db0, dW1);
        return [tf.tensor2d(dW0, [kw * R, C]), tf.tensor1d(db0), tf.tensor2d(dW1, [C, 1])];
      },
    };
  });
  return op(s.W0, s.b0, s.W1) as tf.Tensor2D;
}

/**
 * Routes the equivariant pose encoder's frame scores and its polar / de-rotated resampling through the addon
 * (true) or back to tfjs and JS (false).
 * Returns whether the native op is now in use: false when the addon is not available.
 */
export function useNativeFrameScorer(enable = true): boolean {
  const a = enable ? loadNative() : null;
  frameScoresHook.kernel = a ? (polar, B, s) => frameScoresNative(polar, B, s, a) : null;
  // the encoder's centroids, polar and de-rotated resampling (same float64 arithmetic as the JS, threaded)
  resampleHook.centroids =
    a && a.centroids
      ? (x, B, H, W) => {
          const out = new Float64Array(2 * B);
          a.centroids!(B, H, W, x, out);
          return out;
        }
      : null;
  resampleHook.polar = a
    ? (x, B, g, centre) => {
        const out = new Float32Array(B * g.steps * g.radii);
        a.polarImages(B, g.height, g.width, g.steps, g.radii, g.rMax, x, centre, out);
        return out;
      }
    : null;
  resampleHook.normalised = a
    ? (x, B, H, W, centre, angle) => {
        const out = new Float32Array(B * H * W);
        a.normalisedImages(B, H, W, x, centre, angle, out);
        return out;
      }
    : null;
  return frameScoresHook.kernel !== null;
}
