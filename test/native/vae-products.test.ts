import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { VAE } from "../../src/models/vae";
import { train } from "../../src/training";
import { useNativeVaeStep } from "../../src/native/vae-step";
import { vaeStepHook } from "../../src/native/hooks";
import { nativeAvailable, nativeInfo, setNativeBlas, setNativeThreads } from "../../src/native/addon";
import { Random } from "../../src/util/random";
import { useBackend } from "../models/setup";

// The plain VAE's products at the bench's image size (48 x 48: 2304 inputs and outputs) are cut along k (the
// encoder's first layer, the output layer's input gradient) or by columns (the output layer and its weight
// gradient) instead of by rows (native/src/addon_mlp.cc, plan()). Here: the loss and every gradient against the tfjs
// path, and the same trained bits for 1, 2 and 3 threads, on OpenBLAS and on the addon's own gemm. No timing.

const shape: [number, number] = [48, 48];
const make = () => new VAE({ imageShape: shape, encoderHidden: [128], decoderHidden: [64], latentDim: 2, seed: 6 });

function images(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n * 2304 }, () => rng.uniform(0, 1));
}

function lossAndGrads(model: VAE, x: tf.Tensor2D, native: boolean) {
  useNativeVaeStep(native);
  const { value, grads } = tf.variableGrads(() => model.lossTerms(x, null, { seed: 3 }).loss, model.params.vars);
  const out = { loss: value.dataSync()[0], g: model.params.vars.map((v) => grads[v.name].dataSync().slice()) };
  value.dispose();
  tf.dispose(Object.values(grads));
  return out;
}

describe("native VAE step: products cut along k and by columns (48 x 48)", function () {
  this.timeout(120000);
  const saved = vaeStepHook.kernel;
  before(async function () {
    if (!nativeAvailable()) this.skip();
    await useBackend();
  });
  after(() => {
    vaeStepHook.kernel = saved;
    if (nativeAvailable()) {
      setNativeThreads(0);
      setNativeBlas(true);
    }
  });

  for (const blas of [true, false]) {
    const gemm = blas ? "OpenBLAS" : "own gemm";
    const title = `loss and gradients match tfjs, and 1, 2, 3 threads train the same bits (${gemm})`;
    it(title, async function () {
      if (setNativeBlas(blas) !== blas) this.skip();
      setNativeThreads(2);
      const model = make();
      const x = tf.tensor2d(images(32, 1), [32, 2304]);
      const ref = lossAndGrads(model, x, false),
        nat = lossAndGrads(model, x, true);
      x.dispose();
      model.dispose();
      assert.ok(Math.abs(nat.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss), `loss ${nat.loss} vs ${ref.loss}`);
      ref.g.forEach((want, k) => {
        let scale = 0,
          worst = 0;
        want.forEach(
          (w, i) => ((scale = Math.max(scale, Math.abs(w))), (worst = Math.max(worst, Math.abs(nat.g[k][i] - w)))),
        );
        assert.ok(scale > 0 && worst <= 2e-5 * scale, `gradient ${k}: max error ${worst} of scale ${scale}`);
      });
      useNativeVaeStep(true);
      const data = { data: images(64, 2), n: 64, height: 48, width: 48 };
      const trained = async (nt: number) => {
        setNativeThreads(nt);
        const before = nativeInfo()!.parallelRuns ?? 0;
        const m = make();
        const h = await train(m, data, { epochs: 1, batchSize: 32, seed: 4, progress: false });
        const w = m.getWeights();
        m.dispose();
        return { loss: h.loss, w, split: (nativeInfo()!.parallelRuns ?? 0) - before };
      };
      const one = await trained(1);
      for (const nt of [2, 3]) {
        const got = await trained(nt);
        assert.ok(got.split > 0, `${nt} threads: nothing was split`);
        assert.deepEqual(got.loss, one.loss);
        for (const [k, v] of one.w) assert.deepEqual(got.w.get(k), v, `${nt} threads: weight ${k}`);
      }
    });
  }
});
