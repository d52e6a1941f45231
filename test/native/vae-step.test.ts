import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { VAE } from "../../src/models/vae";
import { useNativeVaeStep } from "../../src/native/vae-step";
import { vaeStepHook } from "../../src/native/hooks";
import { nativeAvailable, nativeInfo, setNativeBlas, setNativeIsa, setNativeThreads } from "../../src/native/addon";
import { Random } from "../../src/util/random";
import { useBackend } from "../models/setup";

// The plain VAE's fused native step (src/native/vae-step.ts) against the tfjs path of LatentModel.lossTerms:
// loss terms and every weight's gradient, Bernoulli and Gaussian, all pixels and a pixel subset, odd widths (row
// and column tails of the micro-kernel), every instruction set this CPU has, 1 and 3 threads, the products on the
// addon's micro-kernel and (where libopenblas.so.0 is installed) on OpenBLAS. No timing.

type Opts = ConstructorParameters<typeof VAE>[0];

function step(model: VAE, x: tf.Tensor2D, pixelIndices: Int32Array | undefined, native: boolean) {
  const saved = vaeStepHook.kernel;
  try {
    assert.equal(useNativeVaeStep(native), native);
    // count the steps the native op really took (a declined step would compare tfjs with itself)
    let taken = 0;
    const k = vaeStepHook.kernel;
    if (k) vaeStepHook.kernel = (...a) => ((r) => ((taken += r ? 1 : 0), r))(k(...a));
    let terms = new Float32Array();
    let names: string[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const t = model.lossTerms(x, null, { seed: 11, beta: 0.7, pixelIndices });
      names = Object.keys(t.terms);
      terms = tf.stack([t.loss, ...names.map((k) => t.terms[k])]).dataSync() as Float32Array;
      return t.loss;
    }, model.params.vars);
    const g = model.params.vars.map((v) => grads[v.name].dataSync() as Float32Array);
    value.dispose();
    tf.dispose(Object.values(grads));
    assert.equal(taken, native ? 1 : 0, "steps on the native op");
    return { terms, names, g };
  } finally {
    vaeStepHook.kernel = saved;
  }
}

function compare(opts: Opts, B: number, subsample: boolean, seed: number): void {
  const model = new VAE(opts);
  const [h, w] = opts.imageShape;
  const rng = new Random(seed);
  const xv = Float32Array.from({ length: B * h * w }, () => rng.uniform(0, 1));
  const x = tf.tensor2d(xv, [B, h * w]);
  const pix = subsample ? Int32Array.from({ length: Math.ceil((h * w) / 3) }, (_, i) => 3 * i) : undefined;
  const ref = step(model, x, pix, false);
  const nat = step(model, x, pix, true);
  assert.deepEqual(nat.names, ref.names);
  for (let i = 0; i < ref.terms.length; i++) {
    const err = Math.abs(nat.terms[i] - ref.terms[i]);
    assert.ok(err <= 1e-5 * Math.max(1, Math.abs(ref.terms[i])), `term ${i}: ${nat.terms[i]} vs ${ref.terms[i]}`);
  }
  model.params.vars.forEach((v, k) => {
    const want = ref.g[k],
      got = nat.g[k];
    let scale = 0,
      worst = 0;
    for (let i = 0; i < want.length; i++) {
      scale = Math.max(scale, Math.abs(want[i]));
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    assert.ok(scale > 0, `${v.name}: zero gradient`);
    assert.ok(worst <= 2e-5 * scale, `${v.name}: max error ${worst} of scale ${scale}`);
  });
  x.dispose();
  model.dispose();
}

describe("native fused VAE step", function () {
  this.timeout(60000);
  before(useBackend);
  after(function () {
    if (nativeAvailable()) {
      setNativeIsa("auto");
      setNativeThreads(0);
      setNativeBlas(true);
    }
  });

  function compareAll(): void {
    for (const threads of [1, 3]) {
      setNativeThreads(threads);
      const odd: Opts = { imageShape: [7, 9], latentDim: 3, encoderHidden: [13], decoderHidden: [5, 19], seed: 2 };
      compare(odd, 11, false, 1);
      compare({ ...odd, likelihood: "gaussian", decoderSigma: 0.3 }, 11, true, 2);
      // large enough for threaded products (64 x 576 x 128 multiply-adds >= 1M in the first layer)
      compare({ imageShape: [24, 24], latentDim: 2, seed: 3 }, 64, false, 3);
      compare({ imageShape: [24, 24], latentDim: 2, seed: 4 }, 64, true, 4);
    }
  }

  it("reuses its buffers only between steps: two losses on one tape and an untaped forward between steps", function () {
    if (!nativeAvailable()) this.skip();
    const saved = vaeStepHook.kernel;
    try {
      const model = new VAE({ imageShape: [6, 6], latentDim: 2, encoderHidden: [16], decoderHidden: [8], seed: 5 });
      const rng = new Random(9);
      const xs = [0, 1].map(() =>
        tf.tensor2d(
          Float32Array.from({ length: 8 * 36 }, () => rng.uniform(0, 1)),
          [8, 36],
        ),
      );
      const run = (native: boolean) => {
        useNativeVaeStep(native);
        // an untaped forward first (its buffers go back at once), then both forwards before either backward
        tf.tidy(() => void model.lossTerms(xs[1], null, { seed: 2 }).loss.dataSync());
        const { value, grads } = tf.variableGrads(
          () => tf.add(model.lossTerms(xs[0], null, { seed: 3 }).loss, model.lossTerms(xs[1], null, { seed: 4 }).loss),
          model.params.vars,
        );
        const out = { v: value.dataSync()[0], g: model.params.vars.map((v) => grads[v.name].dataSync().slice()) };
        value.dispose();
        tf.dispose(Object.values(grads));
        return out;
      };
      const ref = run(false),
        nat = run(true),
        again = run(true);
      assert.ok(Math.abs(nat.v - ref.v) <= 1e-5 * Math.abs(ref.v), `${nat.v} vs ${ref.v}`);
      assert.deepEqual(again, nat, "the same step twice gives the same numbers");
      ref.g.forEach((want, k) => {
        const scale = Math.max(...Array.from(want, Math.abs));
        const worst = Math.max(...Array.from(want, (w, i) => Math.abs(nat.g[k][i] - w)));
        assert.ok(worst <= 2e-5 * scale, `gradient ${k}: max error ${worst} of scale ${scale}`);
      });
      tf.dispose(xs);
      model.dispose();
    } finally {
      vaeStepHook.kernel = saved;
    }
  });

  it("loss terms and gradients match the tfjs path with the products on OpenBLAS", function () {
    if (!nativeAvailable() || !setNativeBlas(true)) this.skip();
    assert.match(String(nativeInfo()!.blas), /OpenBLAS/);
    setNativeIsa("auto");
    compareAll();
  });

  it("is off without the addon, and declines a conditional model", function () {
    if (!nativeAvailable()) {
      assert.equal(useNativeVaeStep(true), false);
      return;
    }
    const saved = vaeStepHook.kernel;
    try {
      useNativeVaeStep(true);
      const m = new VAE({ imageShape: [4, 4], latentDim: 2, seed: 1 });
      const x = tf.zeros([2, 16]) as tf.Tensor2D;
      // a model with another latent layout is declined (null), so LatentModel.lossTerms runs
      const other = { config: { ...m.config, conditionDim: 3 }, params: m.params, latents: m.latents };
      assert.equal(vaeStepHook.kernel!(other, x, { seed: 1 }), null);
      x.dispose();
      m.dispose();
    } finally {
      vaeStepHook.kernel = saved;
    }
  });

  for (const isa of ["avx512", "avx2", "generic"] as const) {
    it(`loss terms and gradients match the tfjs path (${isa})`, function () {
      if (!nativeAvailable()) this.skip();
      try {
        setNativeIsa(isa);
      } catch {
        this.skip();
      }
      assert.equal(setNativeBlas(false), false); // the micro-kernel does every product
      compareAll();
    });
  }
});
