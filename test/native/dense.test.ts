import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../src/util/random";
import { denseNative, DENSE_NATIVE_MIN_MACS, useNativeDense } from "../../src/native/dense";
import { denseHook } from "../../src/native/hooks";
import { dense } from "../../src/models/ops";
import { nativeAvailable, setNativeBlas, setNativeIsa, setNativeThreads } from "../../src/native/addon";

// The native dense op (x W + b) against tfjs's matMul: values and gradients for x, W and b, odd sizes
// (row and column padding), every instruction set this CPU has, 1 and 3 threads, the micro-kernel and (where
// libopenblas.so.0 is installed) OpenBLAS. No timing.

function randn(rng: Random, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return tf.tensor(v, shape);
}

function close(name: string, got: tf.Tensor, want: tf.Tensor): void {
  assert.deepEqual(got.shape, want.shape, name);
  const g = got.dataSync(),
    w = want.dataSync();
  let scale = 1e-3,
    worst = 0;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]));
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
  assert.ok(worst <= 1e-5 * scale * 10, `${name}: max error ${worst} (scale ${scale})`);
}

function check(M: number, K: number, N: number, bias: boolean, seed: number): void {
  const rng = new Random(seed);
  const x = randn(rng, [M, K]) as tf.Tensor2D,
    W = randn(rng, [K, N]) as tf.Tensor2D,
    b = randn(rng, [N]) as tf.Tensor1D;
  const dy = randn(rng, [M, N]);
  const ref = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
    (bb ? tf.add(tf.matMul(xx, ww), bb) : tf.matMul(xx, ww)) as tf.Tensor2D;
  const nat = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
    denseNative(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D | undefined);
  const inputs = bias ? [x, W, b] : [x, W];
  close("y", nat(x, W, bias ? b : undefined), ref(x, W, bias ? b : undefined));
  const gW = tf.grads((...t: tf.Tensor[]) => ref(t[0], t[1], t[2]))(inputs, dy);
  const gN = tf.grads((...t: tf.Tensor[]) => nat(t[0], t[1], t[2]))(inputs, dy);
  ["dx", "dW", "db"].slice(0, inputs.length).forEach((n, i) => close(n, gN[i], gW[i]));
  tf.dispose([x, W, b, dy, ...gW, ...gN]);
}

describe("native dense op", function () {
  let backend = "";
  before(async function () {
    backend = tf.getBackend();
    await tf.setBackend("cpu");
    await tf.ready();
  });
  after(async function () {
    if (backend) await tf.setBackend(backend);
    if (nativeAvailable()) {
      setNativeIsa("auto");
      setNativeThreads(0);
      setNativeBlas(true);
    }
  });

  function checkAll(): void {
    for (const threads of [1, 3]) {
      setNativeThreads(threads);
      check(13, 37, 21, true, 10 + threads);
      check(40, 9, 66, false, 20 + threads);
      check(1, 5, 1, true, 30 + threads);
    }
  }

  it("values and gradients match tfjs matMul with the products on OpenBLAS", function () {
    if (!nativeAvailable() || !setNativeBlas(true)) this.skip();
    setNativeIsa("auto");
    checkAll();
  });

  it("matches tfjs (falls back to it without the addon)", function () {
    check(5, 7, 3, true, 1);
  });

  for (const isa of ["avx512", "avx2", "generic"] as const) {
    it(`values and gradients match tfjs matMul (${isa})`, function () {
      if (!nativeAvailable()) this.skip();
      try {
        setNativeIsa(isa);
      } catch {
        this.skip();
      }
      setNativeBlas(false);
      checkAll();
    });
  }

  it("the models' dense takes the native op for large products only, with the same values and gradients", function () {
    if (!nativeAvailable()) this.skip();
    const saved = denseHook.kernel;
    try {
      assert.equal(useNativeDense(true), true);
      const rng = new Random(5);
      const x = randn(rng, [64, 130]) as tf.Tensor2D,
        W = randn(rng, [130, 128]) as tf.Tensor2D,
        b = randn(rng, [128]) as tf.Tensor1D;
      assert.ok(64 * 130 * 128 >= DENSE_NATIVE_MIN_MACS);
      // in a training step (a gradient tape records) a large product goes to the addon, a small one is declined
      // (null) and stays in tfjs; inference (no tape) takes it too unless switched off (then bit-identical to tfjs)
      let big: tf.Tensor | null = null,
        small: tf.Tensor | null = null;
      tf.grads((a: tf.Tensor) => {
        big = denseHook.kernel!(a as tf.Tensor2D, W, b);
        small = denseHook.kernel!(a.slice([0, 0], [2, 130]) as tf.Tensor2D, W, b);
        return tf.sum(big ?? a);
      })([x]).forEach((g) => g.dispose());
      assert.ok(big !== null);
      assert.equal(small, null);
      const inferred = denseHook.kernel!(x, W, b);
      assert.ok(inferred !== null, "inference: a large product takes the native op");
      close("y (inference)", inferred, tf.add(tf.matMul(x, W), b));
      inferred.dispose();
      assert.equal(useNativeDense(true, false), true);
      assert.equal(denseHook.kernel!(x, W, b), null, "inference off: tfjs");
      tf.grads((a: tf.Tensor) => {
        big = denseHook.kernel!(a as tf.Tensor2D, W, b);
        return tf.sum(big ?? a);
      })([x]).forEach((g) => g.dispose());
      assert.ok(big !== null, "inference off: training steps still take it");
      assert.equal(useNativeDense(true), true);
      const dy = randn(rng, [64, 128]);
      const f = (fn: typeof dense) =>
        tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          fn(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D),
        )([x, W, b], dy);
      const gNative = f(dense);
      close("y", dense(x, W, b), tf.add(tf.matMul(x, W), b));
      useNativeDense(false);
      assert.equal(denseHook.kernel, null);
      const gTfjs = f(dense);
      ["dx", "dW", "db"].forEach((n, i) => close(n, gNative[i], gTfjs[i]));
      tf.dispose([x, W, b, dy, big!, ...gNative, ...gTfjs]);
    } finally {
      denseHook.kernel = saved;
    }
  });
});
