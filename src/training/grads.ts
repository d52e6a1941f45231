import * as tf from "@tensorflow/tfjs";

interface EngineState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

/**
 * `tf.variableGrads` that frees what the tape saved when `f` throws. tfjs ends the tape on an error but keeps
 * the tensors its nodes saved for the backward pass (they are `keep`-ed, so no tidy frees them): an error
 * inside a loss left 1 (VAE) to 86 (rVAE) tensors behind per failed step (issue 16, item 11). Every variable gets
 * a gradient, in the order of `vars`: zeros for one the loss did not reach (tfjs leaves it out).
 */
export function variableGrads(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    const { value, grads } = tf.variableGrads(f, vars);
    // a variable the loss did not reach (e.g. the frame scorer when every frame is given) has a zero gradient:
    // tfjs leaves it out, and the optimiser expects one per variable, always in the same order (its moments are
    // kept by position)
    return { value, grads: Object.fromEntries(vars.map((v) => [v.name, grads[v.name] ?? tf.zerosLike(v)])) };
  } catch (e) {
    const state = (tf.engine() as unknown as { state: EngineState }).state;
    if (state.gradientDepth === 0 && state.activeTape) {
      for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
      state.activeTape = null;
    }
    throw e;
  }
}
