import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../src/util/random";
import { CoordDecoderInputs, coordDecoderReference } from "../../src/models/coord-decoder";
import { coordDecoderNative, nativeCoordDecoderHandles } from "../../src/native/coord-decoder";
import {
  loadNative,
  nativeAvailable,
  nativeUnavailableReason,
  setNativeIsa,
  setNativeThreads,
} from "../../src/native/addon";

// The native coordinate decoder with C output channels (a multi-channel rVAE: wOut [h, C], logits [B, C·P] as
// channel planes per image) against the tfjs reference: values and the gradients of every input, on odd sizes
// (padded rows and columns, more than one pixel tile), every ISA this CPU has, cached and recomputed tiles.

interface Case {
  B: number;
  P: number;
  dims: number[];
  z: boolean[];
  C: number;
  sin?: boolean;
}

const CASES: Case[] = [
  { B: 3, P: 37, dims: [20, 24, 20], z: [false, true], C: 2 },
  { B: 2, P: 400, dims: [32, 32], z: [false], C: 3, sin: true }, // two pixel tiles per image
  { B: 4, P: 9, dims: [16], z: [], C: 2 }, // no hidden layer after layer 0
  { B: 2, P: 200, dims: [72, 72], z: [true], C: 5, sin: true }, // widths padded to the column block
];

function randn(rng: Random, shape: number[], scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * scale),
    shape,
  );
}

/** The decoder's inputs and the list tf.grads differentiates (A, o, per layer W, b[, z], wOut, bOut). */
function makeInputs(c: Case, seed: number): { inputs: CoordDecoderInputs; list: tf.Tensor[] } {
  const rng = new Random(seed);
  const coords = randn(rng, [c.P, 2], 0.7) as tf.Tensor2D;
  const A = randn(rng, [c.B, 2, c.dims[0]], c.sin ? 8 : 1) as tf.Tensor3D;
  const o = randn(rng, [c.B, c.dims[0]], 0.5) as tf.Tensor2D;
  const layers = c.dims.slice(1).map((m, l) => ({
    W: randn(rng, [c.dims[l], m], 1 / Math.sqrt(c.dims[l])) as tf.Tensor2D,
    b: randn(rng, [m], 0.2) as tf.Tensor1D,
    zOffset: c.z[l] ? (randn(rng, [c.B, m], 0.3) as tf.Tensor2D) : undefined,
  }));
  const hL = c.dims[c.dims.length - 1];
  const wOut = randn(rng, [hL, c.C], 1 / Math.sqrt(hL)) as tf.Tensor2D;
  const bOut = randn(rng, [c.C], 0.3) as tf.Tensor1D;
  const list: tf.Tensor[] = [A, o];
  for (const l of layers) list.push(l.W, l.b, ...(l.zOffset ? [l.zOffset] : []));
  list.push(wOut, bOut);
  const firstActivation = c.sin ? ("sin" as const) : undefined;
  return { inputs: { coords, A, o, layers, wOut, bOut, firstActivation }, list };
}

function fromList(c: Case, base: CoordDecoderInputs, t: tf.Tensor[]): CoordDecoderInputs {
  let i = 2;
  const layers = c.dims.slice(1).map((_, l) => ({
    W: t[i++] as tf.Tensor2D,
    b: t[i++] as tf.Tensor1D,
    zOffset: c.z[l] ? (t[i++] as tf.Tensor2D) : undefined,
  }));
  return {
    ...base,
    A: t[0] as tf.Tensor3D,
    o: t[1] as tf.Tensor2D,
    layers,
    wOut: t[i] as tf.Tensor2D,
    bOut: t[i + 1] as tf.Tensor1D,
  };
}

function assertClose(name: string, got: tf.Tensor, want: tf.Tensor, rtol: number): void {
  assert.deepEqual(got.shape, want.shape, `${name}: shape`);
  const g = got.dataSync(),
    w = want.dataSync();
  let scale = 1e-3,
    worst = 0;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]));
  for (let i = 0; i < g.length; i++) {
    assert.ok(Number.isFinite(g[i]), `${name}[${i}] is not finite`);
    worst = Math.max(worst, Math.abs(g[i] - w[i]));
  }
  assert.ok(worst <= rtol * scale, `${name}: max |native − reference| ${worst.toExponential(2)} > ${rtol}·${scale}`);
}

function checkCase(c: Case, seed: number): void {
  const { inputs, list } = makeInputs(c, seed);
  const dy = randn(new Random(seed + 1), [c.B, c.C * c.P], 1);
  const want = coordDecoderReference(inputs);
  const got = coordDecoderNative(inputs);
  assert.deepEqual(got.shape, [c.B, c.C * c.P]);
  assertClose("logits", got, want, 2e-5);
  const gradsOf = (fn: (i: CoordDecoderInputs) => tf.Tensor2D) =>
    tf.grads((...t: tf.Tensor[]) => fn(fromList(c, inputs, t)))(list, dy);
  const gWant = gradsOf(coordDecoderReference);
  const gGot = gradsOf(coordDecoderNative);
  assert.equal(gGot.length, gWant.length);
  gGot.forEach((g, i) => assertClose(`grad ${i} of ${gGot.length}`, g, gWant[i], 1e-4));
  tf.dispose([want, got, dy, ...gWant, ...gGot, ...list, inputs.coords]);
}

describe("native coordinate decoder with C output channels", function () {
  before(async function () {
    await tf.setBackend("cpu");
    await tf.ready();
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

  it("the built addon takes channels, so C > 1 runs natively (not on the tfjs fallback)", function () {
    assert.equal(loadNative()!.info().outChannels, true);
    assert.equal(nativeCoordDecoderHandles(2), true);
    assert.equal(nativeCoordDecoderHandles(65), false);
  });

  for (const isa of ["avx512", "avx2", "generic"] as const) {
    it(`values and gradients match the reference (${isa}, 1 and 3 threads, cached and recomputed)`, function () {
      try {
        setNativeIsa(isa);
      } catch {
        this.skip(); // this CPU lacks the instruction set
      }
      for (const threads of [1, 3]) {
        setNativeThreads(threads);
        CASES.forEach((c, i) => checkCase(c, 300 + i));
      }
      process.env.IVAE_NATIVE_CACHE_MB = "0";
      CASES.forEach((c, i) => checkCase(c, 400 + i));
      delete process.env.IVAE_NATIVE_CACHE_MB;
    });
  }

  it("channel c of the C-channel op is the 1-channel op with wOut's column c (same hidden stack)", function () {
    const c: Case = { B: 2, P: 50, dims: [16, 16], z: [false], C: 3 };
    const { inputs, list } = makeInputs(c, 7);
    const all = coordDecoderNative(inputs).arraySync();
    for (let k = 0; k < c.C; k++) {
      const one = tf.tidy(() =>
        coordDecoderNative({
          ...inputs,
          wOut: inputs.wOut.slice([0, k], [-1, 1]),
          bOut: inputs.bOut.slice([k], [1]),
        }).arraySync(),
      );
      for (let b = 0; b < c.B; b++)
        for (let p = 0; p < c.P; p++) assert.ok(Math.abs(all[b][k * c.P + p] - one[b][p]) < 1e-6, `b ${b} c ${k}`);
    }
    tf.dispose([...list, inputs.coords]);
  });

  it("rejects a bOut that does not match wOut's channels", function () {
    const { inputs, list } = makeInputs(CASES[0], 5);
    const bad = { ...inputs, bOut: tf.zeros([3]) as tf.Tensor1D };
    assert.throws(() => coordDecoderNative(bad), /bOut has shape \[3\], expected \[2\]/);
    tf.dispose([...list, inputs.coords, bad.bOut]);
  });
});
