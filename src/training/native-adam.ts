import * as tf from "@tensorflow/tfjs";
import { loadNative, NativeAddon } from "../native/addon";
import { withOutputs } from "../native/wasm-heap";

interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** What `applyChecked` found: the update was made ("ok"), or nothing changed because of a non-finite value. */
export type AdamOutcome = "ok" | "gradient" | "weight";

/**
 * tfjs's Adam (`tf.train.adam`: same state, `getWeights`/`setWeights`, so checkpoints are unchanged) with the
 * update of each variable done by the addon in one pass instead of ~15 tfjs ops per variable (issue 15). The
 * arithmetic is tfjs 4.22's, element by element in float32 in its order, so the weights are bit-identical to
 * `tf.train.adam`'s (test/native/native-adam.test.ts). `applyChecked` also says whether a gradient or a new
 * weight is not finite, in which case no variable is changed (train() then needs no extra probes).
 */
export class NativeAdam extends tf.AdamOptimizer {
  private readonly addon: NativeAddon;

  constructor(learningRate: number, addon: NativeAddon) {
    super(learningRate, 0.9, 0.999);
    this.addon = addon;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const map: tf.NamedTensorMap = Array.isArray(variableGradients)
      ? Object.fromEntries(variableGradients.map((g) => [g.name, g.tensor]))
      : variableGradients;
    this.applyChecked(map);
  }

  /** One Adam step over the variables named in `grads`; see the class comment. */
  applyChecked(grads: tf.NamedTensorMap): AdamOutcome {
    const self = this as unknown as AdamFields;
    const names = Object.keys(grads);
    const registered = tf.engine().registeredVariables;
    names.forEach((name, i) => {
      const value = registered[name];
      self.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      self.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
    });
    const acc1 = self.accBeta1.dataSync()[0],
      acc2 = self.accBeta2.dataSync()[0];
    // the float32 scalars of tfjs's update: β1, 1 − β1, β2, 1 − β2, 1 − β1ᵗ, 1 − β2ᵗ (subtracted in float32), ε, −lr
    const consts = Float64Array.of(
      self.beta1,
      1 - self.beta1,
      self.beta2,
      1 - self.beta2,
      Math.fround(1 - acc1),
      Math.fround(1 - acc2),
      self.epsilon,
      -self.learningRate,
    );
    const vals = names.map((name) => registered[name]);
    const inputs = names.flatMap((name, i) => [
      vals[i],
      grads[name],
      self.accumulatedFirstMoment[i].variable,
      self.accumulatedSecondMoment[i].variable,
    ]);
    let outcome: AdamOutcome = "ok";
    // new weights and moments written straight into fresh tensors (the wasm heap on wasm: no copies)
    const outs = withOutputs(
      vals.flatMap((v) => [v.shape, v.shape, v.shape]),
      inputs,
      (o, x) => {
        for (let i = 0; i < names.length && outcome === "ok"; i++) {
          const c = this.addon.adamUpdate(
            x[4 * i],
            x[4 * i + 1],
            x[4 * i + 2],
            x[4 * i + 3],
            o[3 * i],
            o[3 * i + 1],
            o[3 * i + 2],
            consts,
          );
          outcome = c === 1 ? "gradient" : c === 2 ? "weight" : "ok";
        }
      },
    );
    if (outcome !== "ok") {
      tf.dispose(outs);
      return outcome;
    }
    tf.tidy(() => {
      vals.forEach((v, i) => {
        v.assign(outs[3 * i]);
        self.accumulatedFirstMoment[i].variable.assign(outs[3 * i + 1]);
        self.accumulatedSecondMoment[i].variable.assign(outs[3 * i + 2]);
      });
      // β1ᵗ⁺¹ = β1ᵗ · β1 in float32 (a product of two floats is exact in a double, then rounded once)
      self.accBeta1.assign(tf.scalar(Math.fround(acc1 * Math.fround(self.beta1))));
      self.accBeta2.assign(tf.scalar(Math.fround(acc2 * Math.fround(self.beta2))));
    });
    tf.dispose(outs); // the variables hold their own reference
    self.incrementIterations();
    return "ok";
  }
}

/**
 * The optimizer `train` uses: `NativeAdam` when the addon has its Adam kernel (unless IVAE_NATIVE_ADAM=0), else
 * `tf.train.adam`. Both give the same weights.
 */
/**
 * tfjs's Adam (`tf.train.adam(learningRate)`'s very optimizer) with NativeAdam's `applyChecked` contract, the
 * non-finite checks made by two tfjs probes: gradients before the update (nothing changed when one is not finite),
 * new weights after it.
 */
export class CheckedAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999);
  }

  /** One Adam step over the variables named in `grads`, with the outcome of the checks. */
  applyChecked(grads: tf.NamedTensorMap): AdamOutcome {
    if (!allFinite(Object.values(grads))) return "gradient";
    this.applyGradients(grads as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
    const registered = tf.engine().registeredVariables;
    return allFinite(Object.keys(grads).map((name) => registered[name])) ? "ok" : "weight";
  }
}

/** One scalar probe (Σ 0·t is NaN exactly when some element is not finite) instead of a download of every tensor. */
function allFinite(ts: tf.Tensor[]): boolean {
  const probe = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.mul(t, 0)))) as tf.Scalar);
  const ok = Number.isFinite(probe.dataSync()[0]);
  probe.dispose();
  return ok;
}

/** The native Adam when the addon has it (not with IVAE_NATIVE_ADAM=0), else tfjs's; both check as they update. */
export function makeAdam(learningRate: number): CheckedAdam | NativeAdam {
  const addon = process.env.IVAE_NATIVE_ADAM === "0" ? null : loadNative();
  return addon && typeof addon.adamUpdate === "function"
    ? new NativeAdam(learningRate, addon)
    : new CheckedAdam(learningRate);
}
