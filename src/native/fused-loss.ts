import type * as tf from "@tensorflow/tfjs";

/**
 * What a training pass of the native coordinate decoder fused with the Bernoulli pixel loss (native/src/addon.cc
 * `forwardTrain`) leaves for the loss op (pixel-loss.ts) and for the decoder's own gradient (coord-decoder.ts).
 * The loss op returns `nll` as its value when it is asked for exactly these logits and this target, and records
 * its upstream gradient `dnll` and the logits' gradient it returned; the decoder's gradient uses the pass only when
 * it receives that very tensor (the logits fed nothing else), and recomputes its tiles otherwise.
 */
export interface FusedPass {
  /** the images the logits were scored against, [B, n] */
  x: tf.Tensor;
  /** Σ over the row of the Bernoulli loss, [B] */
  nll: Float32Array;
  /** σ(l) − x, [B, n] */
  dl: Float32Array;
  /** the loss op's upstream gradient ∂loss/∂nll, [B], once its gradient ran */
  dnll: Float32Array | null;
  /** the logits' gradient the loss op returned */
  grad: tf.Tensor | null;
}

// keyed by the logits' data: a tensor object may be re-wrapped by tfjs, its dataId is what identifies the values
const passes = new WeakMap<object, FusedPass>();

/** Records the pass that produced `logits`. */
export function recordFusedPass(logits: tf.Tensor, pass: FusedPass): void {
  passes.set(logits.dataId, pass);
}

/** The pass that produced `logits` scored against `x` (the same data, the same shapes), or null. */
export function fusedPassOf(logits: tf.Tensor, x: tf.Tensor): FusedPass | null {
  const p = passes.get(logits.dataId);
  if (!p || p.x.dataId !== x.dataId || p.x.isDisposed) return null;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  return same(p.x.shape, x.shape) && same(logits.shape, x.shape) && p.nll.length === x.shape[0] ? p : null;
}
