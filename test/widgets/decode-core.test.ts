/**
 * One decoder for kernel and browser (issue 12): the widget's decoder (src/jupyter/decoder-math.ts on
 * src/models/decode-core.ts, what the browser bundle runs) against the models' own `decode`, for both
 * likelihoods, skip on and off, shift-only and conditional decoders; the plain-ops kernel the browser
 * uses against the models' reference kernel; and the one weight-buffer parser.
 */
import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { RVAE, ShiftVAE, IvaeInputError, coordDecoderReference } from "../../src/index";
import { coordKernel, likelihoodMean } from "../../src/models/decode-core";
import { parseWeights, weightBytes } from "../../src/models/weight-buffer";
import { commManager } from "../../src/jupyter/comm";
import { Traversal, decoderFromArtifacts } from "../../src/jupyter";

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("widgets: one decoder for kernel and browser", () => {
  before(() => {
    commManager().transport = { send: () => undefined };
  });
  after(() => {
    commManager().transport = undefined;
  });

  const small = { imageShape: [10, 12] as [number, number], latentDim: 2, decoderHidden: [16, 16], seed: 5 };
  const skip = { ...small, imageShape: [9, 11] as [number, number], latentDim: 3, decoderHidden: [12, 12, 12] };
  const skipOn = { ...skip, skip: true };
  const cases = [
    { name: "rVAE bernoulli", make: () => new RVAE(small) },
    { name: "rVAE gaussian", make: () => new RVAE({ ...small, likelihood: "gaussian" }) },
    { name: "skip-rVAE bernoulli", make: () => new RVAE(skipOn) },
    { name: "skip-rVAE gaussian", make: () => new RVAE({ ...skipOn, likelihood: "gaussian", decoderSigma: 0.1 }) },
    // the default layer 0 is Fourier features; the linear layer of models saved before it
    { name: "rVAE linear layer 0", make: () => new RVAE({ ...small, coordinateFeatures: "linear" }) },
    { name: "skip-rVAE linear layer 0", make: () => new RVAE({ ...skipOn, coordinateFeatures: "linear" }) },
    {
      name: "shift-VAE gaussian",
      make: () => new ShiftVAE({ ...small, imageShape: [8, 8], decoderHidden: [8, 8], likelihood: "gaussian" }),
    },
  ];
  for (const c of cases) {
    it(`Traversal.fromModel decodes like model.decode: ${c.name}`, () => {
      const model = c.make();
      // Trained-looking weights: random output bias so that logits leave 0 and σ(logit) differs from the logit.
      const w = model.getWeights();
      w.get("decoder.out.b")!.set([1.7]);
      model.setWeights(w);
      const t = Traversal.fromModel(model);
      const d = model.config.latentDim;
      const z = Array.from({ length: d }, (_, i) => 0.9 * Math.cos(2 * i + 1));
      const pose = { angle: model.config.rotation ? 0.7 : undefined, dx: 1.3, dy: -0.6 };
      const want = model.decode(Float32Array.from(z), { angle: pose.angle, dx: pose.dx, dy: pose.dy }).data;
      const got = t.decodeHere({ z, angle: pose.angle ?? 0, dx: pose.dx, dy: pose.dy });
      assert.ok(maxDiff(got, want) < 1e-6, `${c.name}: widget vs model.decode max |diff| ${maxDiff(got, want)}`);
      // and the image is the mean in [0, 1], not the raw logits (the Gaussian bug of issue 12)
      const logits = model.decode(Float32Array.from(z), { ...pose, logits: true }).data;
      assert.ok(maxDiff(got, logits) > 0.1, "the widget shows the likelihood mean, not the logits");
      assert.ok(got.every((v) => v >= 0 && v <= 1));
      t.close();
      model.dispose();
    });
  }

  it("the browser's plain-ops kernel equals the models' reference bit for bit (skip on/off, tanh/sin layer 0)", () => {
    for (const [skip, firstActivation] of [
      [false, "tanh"],
      [true, "tanh"],
      [true, "sin"],
    ] as const) {
      const B = 3,
        P = 20,
        h = 8;
      const r = (n: number, s: number): Float32Array =>
        Float32Array.from({ length: n }, (_, i) => Math.sin(s * (i + 1)) * 0.8);
      const inputs = {
        coords: tf.tensor2d(r(P * 2, 1.1), [P, 2]),
        A: tf.tensor3d(r(B * 2 * h, 1.3), [B, 2, h]),
        o: tf.tensor2d(r(B * h, 1.7), [B, h]),
        layers: [0, 1].map((l) => ({
          W: tf.tensor2d(r(h * h, 2.3 + l), [h, h]),
          b: tf.tensor1d(r(h, 2.9 + l)),
          zOffset: skip ? tf.tensor2d(r(B * h, 3.1 + l), [B, h]) : undefined,
        })),
        wOut: tf.tensor2d(r(h, 3.7), [h, 1]),
        bOut: tf.tensor1d([0.3]),
        firstActivation,
      };
      const a = coordKernel(tf)(inputs),
        b = coordDecoderReference(inputs);
      assert.deepEqual(a.shape, [B, P]);
      assert.equal(maxDiff(a.dataSync(), b.dataSync()), 0);
      tf.dispose([a, b, inputs.coords, inputs.A, inputs.o, inputs.wOut, inputs.bOut]);
      for (const l of inputs.layers) tf.dispose([l.W, l.b, ...(l.zOffset ? [l.zOffset] : [])]);
    }
  });

  it("likelihoodMean is σ(logit) for both likelihoods and rejects others", () => {
    const l = tf.tensor1d([-2, 0, 3]);
    for (const k of ["bernoulli", "gaussian"] as const) {
      const m = likelihoodMean(tf, l, k);
      assert.ok(
        maxDiff(
          m.dataSync(),
          [-2, 0, 3].map((x) => 1 / (1 + Math.exp(-x))),
        ) < 1e-6,
      );
      m.dispose();
    }
    assert.throws(() => likelihoodMean(tf, l, "poisson" as never), IvaeInputError);
    l.dispose();
  });
});

describe("models: the one weight-buffer parser", () => {
  const specs = [
    { name: "a", shape: [2, 2], dtype: "float32" },
    { name: "b", shape: [3] },
  ];
  const vals = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);

  it("splits one buffer, a list of buffers or a view into named float32 arrays in manifest order", () => {
    const parts = [vals.slice(0, 3).buffer, vals.slice(3).buffer];
    for (const data of [vals.buffer, parts, new Uint8Array(vals.buffer)]) {
      const w = parseWeights(specs, data, "t");
      assert.deepEqual(Array.from(w.get("a")!), [1, 2, 3, 4]);
      assert.deepEqual(Array.from(w.get("b")!), [5, 6, 7]);
    }
    assert.equal(weightBytes(parts).byteLength, 28);
  });

  it("rejects short, long, ragged and non-float32 data with what was expected", () => {
    const bad: [unknown, RegExp][] = [
      [vals.slice(0, 6).buffer, /too short for b/],
      [Float32Array.from([...vals, 8]).buffer, /8 floats but the manifest describes 7/],
      [new Uint8Array(27).buffer, /not a whole number of float32/],
    ];
    for (const [data, re] of bad) {
      const expected = (e: Error): boolean => e instanceof IvaeInputError && re.test(e.message);
      assert.throws(() => parseWeights(specs, data as ArrayBuffer, "t"), expected);
    }
    const int32 = [{ name: "a", shape: [7], dtype: "int32" }];
    assert.throws(() => parseWeights(int32, vals.buffer, "t"), /dtype int32, expected float32/);
    const twice = [
      { name: "a", shape: [3] },
      { name: "a", shape: [4] },
    ];
    assert.throws(() => parseWeights(twice, vals.buffer, "t"), /appears twice/);
  });

  it("decoderFromArtifacts reads a model's weights through it (and says so when they do not fit)", () => {
    const m = new RVAE({ imageShape: [8, 8], latentDim: 2, decoderHidden: [8, 8], seed: 1 });
    const art = m.toArtifacts();
    const desc = decoderFromArtifacts(art);
    assert.deepEqual(Array.from(desc.weights.subarray(0, 16)), Array.from(m.getWeights().get("decoder.0.Wc")!));
    const cut = { ...art, weightData: (art.weightData as ArrayBuffer).slice(0, 40) };
    assert.throws(() => decoderFromArtifacts(cut), /Traversal.fromModel: the weight data is too short/);
    m.dispose();
  });
});
