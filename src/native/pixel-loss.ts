import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { loadNative, NativeAddon } from "./addon";
import { fusedPassOf, type FusedPass } from "./fused-loss";
import { bernoulliNllHook } from "./hooks";
import { withOutputs } from "./wasm-heap";

type LossAddon = NativeAddon & Required<Pick<NativeAddon, "bernoulliNll" | "bernoulliNllGrad">>;

/**
 * Σ over each row of max(l, 0) − x l + log(1 + e^−|l|) (the Bernoulli negative log-likelihood of targets x given
 * logits l, src/models/elbo.ts `bernoulliNll`) as one native op: forward and gradients threaded over rows in the
 * addon (native/src/addon_loss.cc), instead of nine tfjs ops forward and about as many backward on one core
 * (issue 15: ~10 ms of the rVAE's 110 ms step at batch 128, 48 px). Row sums in double; values agree with the tfjs
 * path to float rounding (test/native/pixel-loss.test.ts). Gradients: σ(l) − x for the logits, −l for x.
 */
export function bernoulliNllNative(logits: tf.Tensor2D, x: tf.Tensor2D, addon: LossAddon): tf.Tensor1D {
  if (logits.rank !== 2 || x.rank !== 2 || logits.shape[0] !== x.shape[0] || logits.shape[1] !== x.shape[1])
    throw new IvaeInputError(
      `bernoulliNllNative: logits [${logits.shape}] and targets [${x.shape}] must be 2-D of the same shape`,
    );
  const [B, n] = logits.shape;
  const pass = fusedPassOf(logits, x);
  if (pass) return nllOfPass(logits, x, pass, addon);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [l, xx] = args as tf.Tensor[];
    (args[2] as tf.GradSaveFunc)([l]); // kept by tfjs for the gradient (the caller's tidy may dispose l before)
    const dl = new Float32Array(B * n); // σ(l) − x, kept for the gradient
    const [nll] = withOutputs([[B]], [l, xx], (outs, ins) => addon.bernoulliNll(B, n, ins[0], ins[1], outs[0], dl));
    return {
      value: nll,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dyD = dy.dataSync() as Float32Array;
        return withOutputs(
          [
            [B, n],
            [B, n],
          ],
          [saved[0]],
          (g, ins) => addon.bernoulliNllGrad(B, n, dyD, dl, ins[0], g[0], g[1]),
        );
      },
    };
  });
  return op(logits, x) as tf.Tensor1D;
}

/**
 * The loss of logits that the native decoder's training pass already scored against x (fused-loss.ts): its nll as
 * the value; the gradient dnll·(σ(l) − x) from the pass's σ(l) − x, recorded with dnll for the decoder's gradient.
 */
function nllOfPass(logits: tf.Tensor2D, x: tf.Tensor2D, pass: FusedPass, addon: LossAddon): tf.Tensor1D {
  const [B, n] = logits.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [l] = args as tf.Tensor[];
    (args[2] as tf.GradSaveFunc)([l]);
    return {
      value: tf.tensor1d(pass.nll),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dyD = (dy.dataSync() as Float32Array).slice();
        const grads = withOutputs(
          [
            [B, n],
            [B, n],
          ],
          [saved[0]],
          (g, ins) => addon.bernoulliNllGrad(B, n, dyD, pass.dl, ins[0], g[0], g[1]),
        );
        pass.dnll = dyD;
        pass.grad = grads[0];
        return grads;
      },
    };
  });
  return op(logits, x) as tf.Tensor1D;
}

/**
 * Routes the models' Bernoulli pixel loss through `bernoulliNllNative` (true) or leaves it in tfjs (false); returns
 * whether it is routed (false without the addon or with one built before the op).
 */
export function useNativePixelLoss(enable = true): boolean {
  const a = enable ? loadNative() : null;
  const addon = a && typeof a.bernoulliNll === "function" && typeof a.bernoulliNllGrad === "function" ? a : null;
  bernoulliNllHook.kernel = addon
    ? (logits, x) =>
        logits.dtype === "float32" && x.dtype === "float32" ? bernoulliNllNative(logits, x, addon as LossAddon) : null
    : null;
  return bernoulliNllHook.kernel !== null;
}
