import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../src/util/random";
import { CoordDecoderInputs, coordDecoderReference } from "../../src/models/coord-decoder";
import { coordDecoderNative } from "../../src/native/coord-decoder";
import {
  loadNative,
  nativeAvailable,
  nativeUnavailableReason,
  setNativeIsa,
  setNativeThreads,
} from "../../src/native/addon";

// Correctness of the hand-written native coordinate decoder against the tfjs reference ops (values and
// gradients of every input), on small odd sizes so that row and column padding are exercised. No timing.

interface Case {
  B: number;
  P: number;
  dims: number[]; // h_0 .. h_L
  z: boolean[]; // zOffset on hidden layer l
  sin?: boolean; // layer 0 as Fourier features (firstActivation "sin"), with frequencies up to ~25
}

function randn(rng: Random, shape: number[], scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return tf.tensor(v, shape);
}

function makeInputs(c: Case, seed: number): { inputs: CoordDecoderInputs; list: tf.Tensor[] } {
  const rng = new Random(seed);
  const coords = randn(rng, [c.P, 2], 0.7) as tf.Tensor2D;
  const A = randn(rng, [c.B, 2, c.dims[0]], c.sin ? 10 : 1) as tf.Tensor3D;
  const o = randn(rng, [c.B, c.dims[0]], 0.5) as tf.Tensor2D;
  const layers = c.dims.slice(1).map((m, l) => ({
    W: randn(rng, [c.dims[l], m], 1 / Math.sqrt(c.dims[l])) as tf.Tensor2D,
    b: randn(rng, [m], 0.2) as tf.Tensor1D,
    zOffset: c.z[l] ? (randn(rng, [c.B, m], 0.3) as tf.Tensor2D) : undefined,
  }));
  const hL = c.dims[c.dims.length - 1];
  const wOut = randn(rng, [hL, 1], 1 / Math.sqrt(hL)) as tf.Tensor2D;
  const bOut = randn(rng, [1], 0.1) as tf.Tensor1D;
  const list: tf.Tensor[] = [A, o];
  for (const l of layers) {
    list.push(l.W, l.b);
    if (l.zOffset) list.push(l.zOffset);
  }
  list.push(wOut, bOut);
  const firstActivation = c.sin ? ("sin" as const) : undefined;
  return { inputs: { coords, A, o, layers, wOut, bOut, firstActivation }, list };
}

/** Rebuilds the inputs from the list that tf.grads differentiates (same order as makeInputs). */
function fromList(c: Case, coords: tf.Tensor2D, t: tf.Tensor[]): CoordDecoderInputs {
  let i = 2;
  const layers = c.dims.slice(1).map((_, l) => {
    const W = t[i++] as tf.Tensor2D,
      b = t[i++] as tf.Tensor1D;
    const zOffset = c.z[l] ? (t[i++] as tf.Tensor2D) : undefined;
    return { W, b, zOffset };
  });
  return {
    coords,
    A: t[0] as tf.Tensor3D,
    o: t[1] as tf.Tensor2D,
    layers,
    wOut: t[i] as tf.Tensor2D,
    bOut: t[i + 1] as tf.Tensor1D,
    firstActivation: c.sin ? "sin" : undefined,
  };
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const x of a) m = Math.max(m, Math.abs(x));
  return m;
}

function assertClose(name: string, got: tf.Tensor, want: tf.Tensor, rtol: number): void {
  assert.deepEqual(got.shape, want.shape, `${name}: shape`);
  const g = got.dataSync() as Float32Array,
    w = want.dataSync() as Float32Array;
  const scale = Math.max(1e-3, maxAbs(w));
  let worst = 0;
  for (let i = 0; i < g.length; i++) {
    assert.ok(Number.isFinite(g[i]), `${name}[${i}] is not finite`);
    worst = Math.max(worst, Math.abs(g[i] - w[i]));
  }
  assert.ok(
    worst <= rtol * scale,
    `${name}: max |native - reference| = ${worst.toExponential(2)} > ${rtol} x ${scale.toExponential(2)}`,
  );
}

/** Values and gradients (w.r.t. every input, for a random upstream gradient) against the reference. */
function checkCase(c: Case, seed: number): void {
  const { inputs, list } = makeInputs(c, seed);
  const dy = randn(new Random(seed + 1), [c.B, c.P], 1);
  const want = coordDecoderReference(inputs);
  const got = coordDecoderNative(inputs);
  assertClose("logits", got, want, 2e-5);
  const gradsOf = (fn: (i: CoordDecoderInputs) => tf.Tensor2D) =>
    tf.grads((...t: tf.Tensor[]) => fn(fromList(c, inputs.coords, t)))(list, dy);
  const gWant = gradsOf(coordDecoderReference);
  const gGot = gradsOf(coordDecoderNative);
  const names = [
    "dA",
    "do",
    ...c.dims.slice(1).flatMap((_, l) => (c.z[l] ? [`dW${l}`, `db${l}`, `dz${l}`] : [`dW${l}`, `db${l}`])),
    "dwOut",
    "dbOut",
  ];
  assert.equal(gGot.length, names.length);
  gGot.forEach((g, i) => assertClose(names[i], g, gWant[i], 1e-4));
  tf.dispose([want, got, dy, ...gWant, ...gGot, ...list, inputs.coords]);
}

const CASES: Case[] = [
  { B: 3, P: 37, dims: [20, 24, 20], z: [false, true] }, // odd sizes: padded rows and columns, skip offset
  { B: 2, P: 400, dims: [32, 32], z: [false] }, // more than one pixel tile (192 rows) per image
  { B: 4, P: 9, dims: [16], z: [] }, // no hidden layer after layer 0
  { B: 3, P: 230, dims: [24, 24, 24], z: [true, false], sin: true }, // Fourier-feature layer 0, z from layer 1
  // widths whose padded size is not a multiple of the 6-row micro-tile (the last rows take 4-row tiles)
  { B: 2, P: 200, dims: [128, 72], z: [false], sin: true },
  { B: 2, P: 50, dims: [16], z: [], sin: true }, // Fourier layer 0 straight into the output
];

describe("native coordinate decoder", function () {
  before(async function () {
    await tf.setBackend("cpu");
    await tf.ready();
  });

  it("falls back to (or agrees with) the tfjs reference through the public op", function () {
    // runs with or without the addon: without it coordDecoderNative is the reference itself
    checkCase(CASES[0], 11);
  });

  describe("C++ kernels (skipped when the addon is not built)", function () {
    before(function () {
      if (!nativeAvailable()) {
        console.log(`      (native addon not available: ${nativeUnavailableReason()})`);
        this.skip();
      }
    });
    after(function () {
      if (nativeAvailable()) {
        setNativeIsa("auto");
        setNativeThreads(0);
        delete process.env.IVAE_NATIVE_CACHE_MB;
      }
    });

    it("vectorised tanh is within 1e-6 of Math.tanh", function () {
      const addon = loadNative()!;
      let worst = 0;
      for (let x = -12; x <= 12; x += 0.0137) worst = Math.max(worst, Math.abs(addon.tanhScalar(x) - Math.tanh(x)));
      for (const x of [0, 1e-8, -1e-8, 1e-4, 30, -30])
        worst = Math.max(worst, Math.abs(addon.tanhScalar(x) - Math.tanh(x)));
      assert.ok(worst < 1e-6, `max tanh error ${worst}`);
    });

    it("vectorised sin and cos (Fourier layer 0) are within 2e-7 of Math.sin and Math.cos", function () {
      const addon = loadNative()!;
      assert.ok(addon.sincosScalar, "addon has sincosScalar");
      for (const isa of ["avx2", "generic"] as const) {
        try {
          setNativeIsa(isa);
        } catch {
          continue; // this CPU lacks the instruction set
        }
        let ws = 0,
          wc = 0;
        // the layer's arguments are tens of radians (Fourier scale 0.3 (side - 1) per grid unit)
        const xs = [0, 1e-8, -1e-8, Math.PI / 4, Math.PI / 2, Math.PI, -Math.PI, 1e3];
        for (let x = -120; x <= 120; x += 0.000731) xs.push(x);
        for (const x0 of xs) {
          const x = Math.fround(x0);
          const [s, c] = addon.sincosScalar!(x);
          ws = Math.max(ws, Math.abs(s - Math.sin(x)));
          wc = Math.max(wc, Math.abs(c - Math.cos(x)));
        }
        assert.ok(ws < 2e-7 && wc < 2e-7, `${isa}: max sin error ${ws}, cos error ${wc}`);
      }
      setNativeIsa("auto");
    });

    for (const isa of ["avx512", "avx2", "generic"] as const) {
      it(
        `values and gradients match the reference (${isa}, 1 and 3 threads, cached and recomputed ` + `activations)`,
        function () {
          try {
            setNativeIsa(isa);
          } catch {
            this.skip(); // this CPU lacks the instruction set
          }
          for (const threads of [1, 3]) {
            setNativeThreads(threads);
            CASES.forEach((c, i) => checkCase(c, 100 + i));
          }
          process.env.IVAE_NATIVE_CACHE_MB = "0"; // the backward pass then recomputes its tiles
          CASES.forEach((c, i) => checkCase(c, 200 + i));
          delete process.env.IVAE_NATIVE_CACHE_MB;
        },
      );
    }

    it("rejects inputs of the wrong shape with a clear error", function () {
      const { inputs } = makeInputs(CASES[0], 5);
      const bad = { ...inputs, o: tf.zeros([2, 20]) as tf.Tensor2D };
      assert.throws(() => coordDecoderNative(bad), /o has shape \[2,20\], expected \[3,20\]/);
    });
  });
});
