import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, learningRateAt, train, VAE } from "../../src/index";
import type { LearningRateSchedule } from "../../src/index";
import { CheckedAdam, NativeAdam } from "../../src/training/native-adam";
import { useBackend } from "../models/setup";
import { renderShapes } from "../models/helpers";

const H = 12;

/** Records the learning rate Adam holds at each of its steps (both the native and the tfjs optimizer). */
function spyLearningRates(): { rates: number[]; restore: () => void } {
  const rates: number[] = [];
  const originals = [NativeAdam, CheckedAdam].map((C) => {
    const orig = C.prototype.applyChecked;
    C.prototype.applyChecked = function (this: { learningRate: number }, g: tf.NamedTensorMap) {
      rates.push(this.learningRate);
      return orig.call(this, g);
    } as typeof orig;
    return () => (C.prototype.applyChecked = orig);
  });
  return { rates, restore: () => originals.forEach((r) => r()) };
}

describe("learning-rate schedule", () => {
  before(useBackend);

  it("gives the cosine, step and function rates per epoch", () => {
    const cos: LearningRateSchedule = { kind: "cosine", start: 3, final: 0.1 };
    assert.equal(learningRateAt(1, 7, 2, cos), 2);
    assert.equal(learningRateAt(3, 7, 2, cos), 2);
    assert.ok(Math.abs(learningRateAt(5, 7, 2, cos) - 2 * (0.1 + 0.9 * 0.5)) < 1e-12);
    assert.ok(Math.abs(learningRateAt(7, 7, 2, cos) - 0.2) < 1e-12);
    const full = [1, 2, 3].map((e) => learningRateAt(e, 3, 1, { kind: "cosine" }));
    assert.deepEqual(
      full.map((v) => +v.toFixed(6)),
      [1, 0.505, 0.01],
    );
    const step = [1, 2, 3, 4, 5].map((e) => learningRateAt(e, 5, 1, { kind: "step", every: 2, factor: 0.5 }));
    assert.deepEqual(step, [1, 1, 0.5, 0.5, 0.25]);
    assert.equal(
      learningRateAt(4, 9, 1, (e, n) => e / n),
      4 / 9,
    );
    assert.equal(learningRateAt(4, 9, 0.3, undefined), 0.3);
  });

  it("refuses bad schedules with IvaeInputError", async () => {
    const { images } = renderShapes(8, H, { seed: 1 });
    const m = new VAE({ imageShape: [H, H], encoderHidden: [8], decoderHidden: [8], seed: 1 });
    const bad: unknown[] = [
      { kind: "cosine", final: 2 },
      { kind: "cosine", start: 0 },
      { kind: "step", every: 0 },
      { kind: "step", every: 2, factor: 0 },
      { kind: "linear" },
      () => -1,
      () => NaN,
    ];
    for (const s of bad)
      await assert.rejects(
        train(m, images, { epochs: 1, progress: false, learningRateSchedule: s as LearningRateSchedule }),
        (e: Error) => e instanceof IvaeInputError && /learningRateSchedule/.test(e.message),
      );
    m.dispose();
  });

  it("sets the rate Adam uses at each step, keeps tensors stable; a constant schedule changes nothing", async () => {
    const { images } = renderShapes(64, H, { seed: 2 });
    const run = async (s: LearningRateSchedule | undefined) => {
      const m = new VAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [16], seed: 3 });
      const spy = spyLearningRates();
      const before = tf.memory().numTensors;
      try {
        await train(m, images, {
          epochs: 4,
          batchSize: 16,
          learningRate: 4e-3,
          seed: 1,
          progress: false,
          ...(s ? { learningRateSchedule: s } : {}),
        });
      } finally {
        spy.restore();
      }
      const leaked = tf.memory().numTensors - before;
      const w = m.params.vars.map((v) => Array.from(v.dataSync()));
      m.dispose();
      return { rates: spy.rates, leaked, w };
    };
    const step = await run({ kind: "step", every: 1, factor: 0.5 });
    // 64 images in batches of 16: 4 steps an epoch
    assert.deepEqual(
      step.rates,
      [4e-3, 2e-3, 1e-3, 5e-4].flatMap((r) => [r, r, r, r]),
    );
    assert.equal(step.leaked, 0);
    const plain = await run(undefined);
    const constant = await run(() => 4e-3);
    assert.deepEqual(plain.rates, new Array(16).fill(4e-3));
    assert.deepEqual(constant.w, plain.w);
    assert.notDeepEqual(step.w, plain.w);
  });
});
