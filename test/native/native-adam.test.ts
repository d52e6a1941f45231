import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { NativeAdam } from "../../src/training/native-adam";
import { loadNative, nativeAvailable, setNativeThreads } from "../../src/native/addon";
import { VAE } from "../../src/models/vae";
import { train } from "../../src/training";
import { Random } from "../../src/util/random";
import { useBackend } from "../models/setup";

// The native Adam update (src/training/native-adam.ts, native/src/addon_adam.cc) against tfjs's AdamOptimizer: the
// same float32 operations in the same order, so weights and moments must be bit-identical after several steps, on
// the wasm and the cpu backend; a non-finite gradient or new weight changes nothing. No timing.

function values(rng: Random, n: number, s: number): Float32Array {
  return Float32Array.from({ length: n }, () => s * rng.normal());
}

function sameBits(name: string, a: tf.Tensor, b: tf.Tensor): void {
  const x = a.dataSync(),
    y = b.dataSync();
  assert.equal(x.length, y.length, name);
  for (let i = 0; i < x.length; i++) assert.ok(Object.is(x[i], y[i]), `${name}[${i}]: ${x[i]} vs ${y[i]}`);
}

async function steps(backend: string): Promise<void> {
  await tf.setBackend(backend);
  const rng = new Random(3);
  // [300, 257]: large enough (>= 65536) for the update to be split over the addon's threads
  const shapes = [[7, 5], [13], [1], [64, 33], [300, 257]];
  const init = shapes.map((s) =>
    values(
      rng,
      s.reduce((a, b) => a * b, 1),
      1,
    ),
  );
  const mk = (tag: string) => shapes.map((s, i) => tf.variable(tf.tensor(init[i], s), true, `${tag}${i}`));
  const va = mk("adam-ref-"),
    vb = mk("adam-nat-");
  const ref = tf.train.adam(3e-3);
  const nat = new NativeAdam(3e-3, loadNative()!);
  for (let t = 0; t < 6; t++) {
    const g = shapes.map((s, i) => tf.tensor(values(rng, init[i].length, t === 2 ? 1e-6 : 0.5), s));
    ref.applyGradients(Object.fromEntries(va.map((v, i) => [v.name, g[i]])) as tf.NamedTensorMap as never);
    assert.equal(nat.applyChecked(Object.fromEntries(vb.map((v, i) => [v.name, g[i]]))), "ok");
    tf.dispose(g);
  }
  va.forEach((v, i) => sameBits(`${backend} w${i}`, vb[i], v));
  const [wa, wb] = [await ref.getWeights(), await nat.getWeights()];
  assert.equal(wa.length, wb.length);
  wa.forEach((w, i) =>
    i === 0 ? assert.equal(wb[i].tensor.dataSync()[0], 6) : sameBits(w.name, wb[i].tensor, w.tensor),
  );
  tf.dispose([...va, ...vb]);
  ref.dispose();
  nat.dispose();
}

describe("native Adam update", function () {
  this.timeout(60000);
  let backend = "";
  before(async () => {
    await useBackend();
    backend = tf.getBackend();
  });
  after(async () => void (await tf.setBackend(backend)));

  it("gives tfjs Adam's weights and moments bit for bit (wasm and cpu)", async function () {
    if (!nativeAvailable()) this.skip();
    await steps("wasm");
    await steps("cpu");
  });

  it("changes nothing when a gradient or a new weight is not finite", async function () {
    if (!nativeAvailable()) this.skip();
    await tf.setBackend("cpu");
    const w = tf.variable(tf.tensor([1, 3e38, 2]), true, "adam-nonfinite");
    const big = new NativeAdam(1e38, loadNative()!);
    assert.equal(big.applyChecked({ [w.name]: tf.tensor([0.1, NaN, 0.1]) }), "gradient");
    assert.equal(big.applyChecked({ [w.name]: tf.tensor([0.1, -1, 0.1]) }), "weight");
    assert.deepEqual(Array.from(w.dataSync()), [1, Math.fround(3e38), 2]);
    assert.equal(big.iterations, 0);
    w.dispose();
    big.dispose();
    // a variable split over threads: a NaN in the last block (another thread's share) still stops everything
    setNativeThreads(2);
    try {
      const n = 100000;
      const wl = tf.variable(tf.ones([n]), true, "adam-nonfinite-large");
      const adam = new NativeAdam(1e-3, loadNative()!);
      const g = new Float32Array(n).fill(0.1);
      g[n - 3] = Infinity;
      assert.equal(adam.applyChecked({ [wl.name]: tf.tensor(g) }), "gradient");
      assert.ok(wl.dataSync().every((x) => x === 1));
      assert.equal(adam.iterations, 0);
      wl.dispose();
      adam.dispose();
    } finally {
      setNativeThreads(0);
    }
  });

  it("train() gives the same weights with IVAE_NATIVE_ADAM=0 (tfjs Adam) and without", async function () {
    if (!nativeAvailable()) this.skip();
    await tf.setBackend("wasm");
    const rng = new Random(9);
    const images = {
      data: Float32Array.from({ length: 40 * 64 }, () => rng.uniform(0, 1)),
      n: 40,
      height: 8,
      width: 8,
    };
    const run = async (env: string | undefined) => {
      const saved = process.env.IVAE_NATIVE_ADAM;
      if (env === undefined) delete process.env.IVAE_NATIVE_ADAM;
      else process.env.IVAE_NATIVE_ADAM = env;
      try {
        const m = new VAE({ imageShape: [8, 8], latentDim: 2, encoderHidden: [16], decoderHidden: [16], seed: 1 });
        const h = await train(m, images, { epochs: 2, batchSize: 16, progress: false, seed: 2 });
        return { m, loss: h.loss };
      } finally {
        if (saved === undefined) delete process.env.IVAE_NATIVE_ADAM;
        else process.env.IVAE_NATIVE_ADAM = saved;
      }
    };
    const a = await run("0"),
      b = await run(undefined);
    assert.deepEqual(b.loss, a.loss);
    a.m.params.vars.forEach((v, i) => sameBits(v.name, b.m.params.vars[i], v));
    a.m.dispose();
    b.m.dispose();
  });
});
