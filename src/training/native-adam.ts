import * as tf from "@tensorflow/tfjs";
import { loadNative, NativeAddon } from "../native/addon";

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
    const out: { w: Float32Array; m: Float32Array; v: Float32Array }[] = [];
    for (let i = 0; i < names.length; i++) {
      const g = grads[names[i]];
      const value = registered[names[i]];
      const n = value.size;
      const o = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
      const code = this.addon.adamUpdate(
        value.dataSync() as Float32Array,
        g.dataSync() as Float32Array,
        self.accumulatedFirstMoment[i].variable.dataSync() as Float32Array,
        self.accumulatedSecondMoment[i].variable.dataSync() as Float32Array,
        o.w,
        o.m,
        o.v,
        consts,
      );
      if (code === 1) return "gradient";
      if (code === 2) return "weight";
      out.push(o);
    }
    tf.tidy(() => {
      names.forEach((name, i) => {
        const shape = registered[name].shape;
        registered[name].assign(tf.tensor(out[i].w, shape));
        self.accumulatedFirstMoment[i].variable.assign(tf.tensor(out[i].m, shape));
        self.accumulatedSecondMoment[i].variable.assign(tf.tensor(out[i].v, shape));
      });
      // β1ᵗ⁺¹ = β1ᵗ · β1 in float32 (a product of two floats is exact in a double, then rounded once)
      self.accBeta1.assign(tf.scalar(Math.fround(acc1 * Math.fround(self.beta1))));
      self.accBeta2.assign(tf.scalar(Math.fround(acc2 * Math.fround(self.beta2))));
    });
    self.incrementIterations();
    return "ok";
  }
}

/**
 * The optimizer `train` uses: `NativeAdam` when the addon has its Adam kernel (unless IVAE_NATIVE_ADAM=0), else
 * `tf.train.adam`. Both give the same weights.
 */
export function makeAdam(learningRate: number): tf.AdamOptimizer | NativeAdam {
  const addon = process.env.IVAE_NATIVE_ADAM === "0" ? null : loadNative();
  return addon && typeof addon.adamUpdate === "function"
    ? new NativeAdam(learningRate, addon)
    : tf.train.adam(learningRate);
}
