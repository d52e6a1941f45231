import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { bernoulliNll } from "../../src/models/elbo";
import { bernoulliNllHook } from "../../src/native/hooks";
import { useNativePixelLoss } from "../../src/native/pixel-loss";
import { nativeAvailable, setNativeIsa, setNativeThreads } from "../../src/native/addon";
import { Random } from "../../src/util/random";
import { useBackend } from "../models/setup";

// The rVAE's Bernoulli pixel loss as one native op (src/native/pixel-loss.ts, native/src/addon_loss.cc) against the
// tfjs expression of models/elbo.ts: per-row values and the gradients w.r.t. logits and targets of a weighted sum,
// odd row lengths (vector tails), large logits of both signs, every instruction set this CPU has, 1 and 3 threads
// (the op threads rows above 64k values). No timing.

function run(logits: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor1D, native: boolean) {
  const saved = bernoulliNllHook.kernel;
  try {
    assert.equal(useNativePixelLoss(native), native);
    let taken = 0;
    const k = bernoulliNllHook.kernel;
    if (k) bernoulliNllHook.kernel = (...a) => ((r) => ((taken += r ? 1 : 0), r))(k(...a));
    const nll = tf.tidy(() => bernoulliNll(logits, x));
    const [gl, gx] = tf.grads((l: tf.Tensor, xx: tf.Tensor) =>
      tf.sum(tf.mul(w, bernoulliNll(l as tf.Tensor2D, xx as tf.Tensor2D))),
    )([logits, x]);
    const out = [nll, gl, gx].map((t) => t.dataSync() as Float32Array);
    tf.dispose([nll, gl, gx]);
    assert.equal(taken, native ? 2 : 0, "calls on the native op");
    return out;
  } finally {
    bernoulliNllHook.kernel = saved;
  }
}

function compare(B: number, n: number, seed: number): void {
  const rng = new Random(seed);
  // logits up to ±40 (σ saturates; log1p(e^−|l|) underflows gracefully), targets in [0, 1]
  const lv = Float32Array.from({ length: B * n }, (_, i) => (i % 17 === 0 ? 40 : 8) * rng.uniform(-1, 1));
  const logits = tf.tensor2d(lv, [B, n]);
  const x = tf.tensor2d(
    Float32Array.from({ length: B * n }, () => rng.uniform(0, 1)),
    [B, n],
  );
  const w = tf.tensor1d(Float32Array.from({ length: B }, () => rng.uniform(-2, 2)));
  const ref = run(logits, x, w, false);
  const nat = run(logits, x, w, true);
  ["nll", "d/dlogits", "d/dx"].forEach((name, k) => {
    let worst = 0,
      scale = 0;
    for (let i = 0; i < ref[k].length; i++) {
      worst = Math.max(worst, Math.abs(nat[k][i] - ref[k][i]));
      scale = Math.max(scale, Math.abs(ref[k][i]));
    }
    // float32 rounding: the tfjs row sums are float, the native ones double
    assert.ok(worst <= 2e-6 * Math.max(1, scale), `${name} (B ${B}, n ${n}): max error ${worst}, scale ${scale}`);
  });
  tf.dispose([logits, x, w]);
}

describe("native Bernoulli pixel loss", function () {
  before(async function () {
    if (!nativeAvailable()) this.skip();
    await useBackend();
  });
  after(function () {
    if (nativeAvailable()) {
      setNativeIsa("auto");
      setNativeThreads(0);
    }
  });

  for (const isa of ["avx512", "avx2", "generic"] as const) {
    it(`values and gradients match the tfjs expression (${isa}, 1 and 3 threads)`, function () {
      try {
        setNativeIsa(isa);
      } catch {
        this.skip(); // this CPU lacks the instruction set
      }
      for (const threads of [1, 3]) {
        setNativeThreads(threads);
        compare(3, 37, 1); // odd row length: scalar tail
        compare(40, 2304, 2); // 92k values: threaded rows
      }
    });
  }

  it("refuses logits and targets of different shapes", function () {
    const l = tf.zeros([2, 3]) as tf.Tensor2D,
      x = tf.zeros([2, 4]) as tf.Tensor2D;
    assert.ok(useNativePixelLoss(true));
    assert.throws(() => bernoulliNll(l, x), /must be 2-D of the same shape/);
    tf.dispose([l, x]);
  });
});
