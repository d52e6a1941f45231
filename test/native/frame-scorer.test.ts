import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../src/util/random";
import { ParamStore } from "../../src/models/params";
import {
  centroids,
  createPoseScorer,
  frameScores,
  normalisedImages,
  polarImages,
  poseGeometry,
  PoseScorer,
} from "../../src/models/pose-encoder";
import { frameScoresNative, useNativeFrameScorer } from "../../src/native/frame-scorer";
import { frameScoresHook, resampleHook } from "../../src/native/hooks";
import { nativeAvailable, setNativeIsa, setNativeThreads } from "../../src/native/addon";

// The native frame scorer of the equivariant pose encoder against the tfjs path of pose-encoder.ts
// (`frameScores` with the hook empty): scores and the gradients of W0, b0, W1, on the default geometry and
// on odd sizes (channels not a multiple of the vector width, odd trial count), every instruction set this
// CPU has, 1 and 3 threads. No timing.

function scorer(K: number, R: number, kw: number, C: number, seed: number): PoseScorer {
  const rng = new Random(seed);
  const params = new ParamStore();
  const g = { ...poseGeometry(48, 48, K), radii: R, kernel: kw };
  const v = (n: number) => Float32Array.from({ length: n }, () => 0.3 * rng.normal());
  return {
    W0: params.add("pose.0.W", [kw * R, C], v(kw * R * C)),
    b0: params.add("pose.0.b", [C], v(C)),
    W1: params.add("pose.1.W", [C, 1], v(C)),
    geometry: g,
  };
}

function close(name: string, got: tf.Tensor, want: tf.Tensor, tol = 2e-5): void {
  assert.deepEqual(got.shape, want.shape, name);
  const g = got.dataSync(),
    w = want.dataSync();
  let scale = 1e-3,
    worst = 0;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]));
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
  assert.ok(worst <= tol * scale, `${name}: max error ${worst} (scale ${scale})`);
}

function compare(s: PoseScorer, B: number, seed: number): void {
  const { steps: K, radii: R } = s.geometry;
  const rng = new Random(seed);
  const polar = Float32Array.from({ length: B * K * R }, () => rng.uniform(0, 1));
  const dy = tf.tensor2d(
    Float32Array.from({ length: B * K }, () => rng.normal()),
    [B, K],
  );
  const vars = [s.W0, s.b0, s.W1];
  const run = (f: () => tf.Tensor2D) => {
    const r = tf.variableGrads(() => tf.sum(tf.mul(f(), dy)) as tf.Scalar, vars);
    const value = f();
    return { value, grads: vars.map((v) => r.grads[v.name]), loss: r.value };
  };
  const saved = frameScoresHook.kernel;
  frameScoresHook.kernel = null;
  const ref = run(() => frameScores(polar, B, s));
  frameScoresHook.kernel = saved;
  const nat = run(() => frameScoresNative(polar, B, s));
  close("scores", nat.value, ref.value);
  ["dW0", "db0", "dW1"].forEach((n, i) => close(n, nat.grads[i], ref.grads[i]));
  tf.dispose([dy, ref.value, nat.value, ref.loss, nat.loss, ...ref.grads, ...nat.grads]);
}

describe("native frame scorer (equivariant pose encoder)", function () {
  // restored afterwards: other test files see the state they set up
  const before0 = frameScoresHook.kernel,
    before1 = { ...resampleHook };
  before(async function () {
    await tf.setBackend("cpu");
    await tf.ready();
  });
  after(function () {
    if (nativeAvailable()) {
      setNativeIsa("auto");
      setNativeThreads(0);
    }
    frameScoresHook.kernel = before0;
    Object.assign(resampleHook, before1);
  });

  it(
    "resamples polar and de-rotated images as the JS code does (same float64 arithmetic), 1 and 3 " + "threads",
    function () {
      if (!nativeAvailable()) this.skip();
      useNativeFrameScorer(true);
      const native = { ...resampleHook };
      const rng = new Random(21);
      for (const [H, W, B] of [
        [48, 48, 5],
        [13, 17, 3],
      ]) {
        const x = Float32Array.from({ length: B * H * W }, () => rng.uniform(0, 1));
        const c = centroids(x, B, H, W);
        c[0] += 0.37; // off-centre, so samples fall outside the frame too
        const angle = Float32Array.from({ length: B }, () => rng.uniform(-4, 4));
        const g = poseGeometry(H, W, 36);
        for (const threads of [1, 3]) {
          setNativeThreads(threads);
          resampleHook.polar = resampleHook.normalised = null;
          const wantP = polarImages(x, B, g, c),
            wantN = normalisedImages(x, B, H, W, c, angle);
          Object.assign(resampleHook, native);
          const gotP = polarImages(x, B, g, c),
            gotN = normalisedImages(x, B, H, W, c, angle);
          let worst = 0;
          wantP.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - gotP[i]))));
          wantN.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - gotN[i]))));
          assert.equal(gotP.length, wantP.length);
          assert.equal(gotN.length, wantN.length);
          assert.ok(worst <= 1e-6, `resampling differs by ${worst}`);
        }
      }
    },
  );

  it("is what frameScores runs when the addon is loaded, and the tfjs path without it", function () {
    assert.equal(useNativeFrameScorer(true), nativeAvailable());
    assert.equal(frameScoresHook.kernel !== null, nativeAvailable());
    assert.equal(useNativeFrameScorer(false), false);
    assert.equal(frameScoresHook.kernel, null);
    useNativeFrameScorer(true);
  });

  it("matches the tfjs path: values and weight gradients, every ISA, 1 and 3 threads", function () {
    if (!nativeAvailable()) this.skip();
    const defaults = createPoseScorer(new ParamStore(), poseGeometry(48, 48), new Random(3));
    for (const isa of ["avx512", "avx2", "generic"] as const) {
      try {
        setNativeIsa(isa);
      } catch {
        continue; // not on this CPU
      }
      for (const threads of [1, 3]) {
        setNativeThreads(threads);
        compare(defaults, 4, 11);
        compare(scorer(12, 5, 7, 5, 2), 3, 12); // channels not a multiple of any vector width
        compare(scorer(9, 3, 9, 40, 4), 5, 13); // odd K, kw = K, 40 channels
      }
    }
  });

  it("refuses inputs of the wrong size with a message", function () {
    if (!nativeAvailable()) this.skip();
    const s = scorer(12, 5, 7, 5, 2);
    assert.throws(() => frameScoresNative(new Float32Array(10), 2, s), /expected B·K·R = 120/);
  });
});
