import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { cards, RVAE, VAE } from "../../src/index";
import { useNativeDense } from "../../src/native/dense";
import { denseHook } from "../../src/native/hooks";
import { nativeAvailable } from "../../src/native/addon";
import type { LatentModel } from "../../src/models/model";
import { useBackend } from "../models/setup";

// Issue 15: with the models' dense layers on the native matmul, test/training/cards-rotation.test.ts failed (hearts
// |ρ| 0.53). Is that a value or gradient error of the native path, or a different rounding that a borderline run
// amplifies? This compares one training step's loss terms and every gradient, native dense against tfjs, on that
// test's exact models (cards3 at 32 px, batch 32, the rVAE with pixelSubsample 0.25 and the VAE) and batch.

function step(model: LatentModel, x: tf.Tensor2D, pixelIndices?: Int32Array) {
  const vars = model.params.vars;
  let terms: Float32Array = new Float32Array();
  const { value, grads } = tf.variableGrads(() => {
    const t = model.lossTerms(x, null, { seed: 7, beta: 1, pixelIndices });
    terms = tf.stack([t.loss, ...Object.values(t.terms)]).dataSync() as Float32Array;
    return t.loss;
  }, vars);
  const g = new Map(vars.map((v) => [v.name, grads[v.name].dataSync() as Float32Array]));
  value.dispose();
  tf.dispose(Object.values(grads));
  return { terms, g };
}

function compare(model: LatentModel, x: tf.Tensor2D, pixelIndices?: Int32Array): string[] {
  const saved = denseHook.kernel;
  try {
    assert.equal(useNativeDense(true), true);
    const nat = step(model, x, pixelIndices);
    useNativeDense(false);
    const ref = step(model, x, pixelIndices);
    for (let i = 0; i < ref.terms.length; i++) {
      const err = Math.abs(nat.terms[i] - ref.terms[i]);
      assert.ok(err <= 2e-5 * Math.max(1, Math.abs(ref.terms[i])), `term ${i}: ${nat.terms[i]} vs ${ref.terms[i]}`);
    }
    const report: string[] = [];
    for (const [name, want] of ref.g) {
      const got = nat.g.get(name)!;
      let scale = 0,
        worst = 0;
      for (let i = 0; i < want.length; i++) {
        scale = Math.max(scale, Math.abs(want[i]));
        worst = Math.max(worst, Math.abs(got[i] - want[i]));
      }
      // float32 rounding of sums over up to 1024 terms in another order: ~1e-6 of the gradient's own scale
      assert.ok(worst <= 1e-4 * scale + 1e-9, `${name}: max error ${worst} of scale ${scale}`);
      report.push(`${name} ${(worst / (scale || 1)).toExponential(1)}`);
    }
    return report;
  } finally {
    denseHook.kernel = saved;
  }
}

describe("native dense on the models of the cards-rotation test (issue 15)", function () {
  this.timeout(60000);
  before(useBackend);

  const size = 32,
    B = 32;
  let x: tf.Tensor2D;
  before(function () {
    const data = cards.lecture("cards3", { n: B, seed: 1, size });
    x = tf.tensor2d(data.images.data, [B, size * size]);
  });
  after(() => x?.dispose());

  it("the rVAE's loss and gradients agree with tfjs to float32 rounding (pixelSubsample 0.25)", function () {
    if (!nativeAvailable()) this.skip();
    const rvae = new RVAE({ imageShape: [size, size], latentDim: 2, seed: 0 });
    const pix = Int32Array.from({ length: 256 }, (_, i) => i * 4 + (i % 4));
    const report = compare(rvae, x, pix);
    if (process.env.IVAE_TEST_VERBOSE) console.log(report.join(", "));
    assert.ok(report.some((r) => r.startsWith("encoder.0.W")));
    rvae.dispose();
  });

  it("the VAE's loss and gradients agree with tfjs to float32 rounding", function () {
    if (!nativeAvailable()) this.skip();
    const vae = new VAE({ imageShape: [size, size], latentDim: 2, seed: 0 });
    compare(vae, x);
    vae.dispose();
  });
});
