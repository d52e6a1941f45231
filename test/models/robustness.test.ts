import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { CVAE, IvaeInputError, JRVAE, loadModel, RVAE, ShiftVAE, SSRVAE, train, VAE } from "../../src/index";
import type { LatentModel } from "../../src/models/model";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

const H = 8;
const KINDS: [string, () => LatentModel][] = [
  ["VAE", () => new VAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [16] })],
  ["CVAE", () => new CVAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [16], conditionDim: 2 })],
  [
    "RVAE equivariant",
    () =>
      new RVAE({
        imageShape: [H, H],
        encoderHidden: [16],
        decoderHidden: [8, 8],
        rotationSteps: 16,
        frameCandidates: 2,
      }),
  ],
  [
    "RVAE mlp skip",
    () => new RVAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [8, 8], poseEncoder: "mlp", skip: true }),
  ],
  [
    "ShiftVAE offset search",
    () =>
      new ShiftVAE({
        imageShape: [H, H],
        encoderHidden: [16],
        decoderHidden: [8, 8],
        offsetEncoder: "equivariant",
        offsetSearchRadius: 1,
      }),
  ],
  [
    "ShiftVAE scale",
    () => new ShiftVAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [8, 8], scale: true }),
  ],
  [
    "JRVAE",
    () => new JRVAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [8, 8], rotationSteps: 16, classes: 3 }),
  ],
  [
    "SSRVAE",
    () => new SSRVAE({ imageShape: [H, H], encoderHidden: [16], decoderHidden: [8, 8], rotationSteps: 16, classes: 2 }),
  ],
];

/** Artifacts of `m` with the stored config changed by `edit`. */
function withConfig(m: LatentModel, edit: (c: Record<string, unknown>) => void): tf.io.ModelArtifacts {
  const a = m.toArtifacts();
  const topo = JSON.parse(JSON.stringify(a.modelTopology));
  edit(topo.config);
  return { ...a, modelTopology: topo };
}

describe("models: no tensor leaks (issue 16, item 11)", () => {
  before(useBackend);

  it(
    "creation, setWeights, toArtifacts, loadModel and dispose of every kind return numTensors and numBytes to " +
      "the start",
    async () => {
      const imgs = renderShapes(4, H, { seed: 3 }).images;
      for (const [name, make] of KINDS) {
        const labels = name === "CVAE" ? [0, 1, 1, 0] : undefined;
        // warm-up: kernels and backend caches are allocated once
        const w = make();
        w.encode(imgs, { labels });
        w.dispose();
        const start = tf.memory();
        for (let r = 0; r < 3; r++) {
          const m = make();
          m.setWeights(m.getWeights());
          m.encode(imgs, { labels });
          m.reconstruct(imgs, { labels });
          const loaded = await loadModel(m.toArtifacts());
          loaded.dispose();
          m.dispose();
        }
        const end = tf.memory();
        assert.equal(end.numTensors, start.numTensors, `${name}: ${end.numTensors - start.numTensors} tensors leaked`);
        assert.equal(end.numBytes, start.numBytes, `${name}: ${end.numBytes - start.numBytes} bytes leaked`);
      }
    },
  );

  it("an error thrown inside the loss during training leaves no tensor behind", async () => {
    const imgs = renderShapes(6, H, { seed: 4 }).images;
    for (const [name, make] of KINDS) {
      const m = make();
      const labels = name === "CVAE" ? [0, 1, 1, 0, 1, 0] : undefined;
      const start = tf.memory().numTensors;
      // the likelihood fails after the encoder and decoder have run and the tape holds their saved tensors
      const lik = m.likelihood as { nll: (l: tf.Tensor2D, x: tf.Tensor2D) => tf.Tensor1D };
      const nll = lik.nll;
      lik.nll = () => {
        throw new Error("boom inside the loss");
      };
      await assert.rejects(
        train(m, imgs, { epochs: 1, batchSize: 3, labels, progress: false }),
        /boom inside the loss/,
      );
      assert.equal(tf.memory().numTensors, start, `${name}: ${tf.memory().numTensors - start} tensors leaked`);
      lik.nll = nll;
      m.dispose();
    }
  });
});

describe("models: loadModel validates like the constructors (issue 16, item 5)", () => {
  before(useBackend);

  it("rejects bad stored configurations with IvaeInputError", async () => {
    const m = new RVAE({ imageShape: [H, H], encoderHidden: [8], decoderHidden: [8, 8], seed: 1 });
    const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
      ["poisson", (c) => (c.likelihood = "poisson"), /likelihood must be "bernoulli" or "gaussian"/],
      ["latentDim string", (c) => (c.latentDim = "2"), /latentDim must be an integer/],
      ["negative sigma", (c) => (c.decoderSigma = -1), /decoderSigma must be a positive number/],
      ["unknown class", (c) => (c.className = "Nope"), /unknown model class "Nope"/],
      ["missing field", (c) => delete c.imageShape, /lacks imageShape/],
      ["bad boolean", (c) => (c.skip = "yes"), /skip must be true or false/],
      ["bad pose encoder", (c) => (c.poseEncoder = "magic"), /poseEncoder must be/],
    ];
    for (const [what, edit, msg] of cases) {
      await assert.rejects(
        loadModel(withConfig(m, edit)),
        (e: Error) => e instanceof IvaeInputError && msg.test(e.message),
        what,
      );
    }
    m.dispose();
  });

  it("rejects a null model.json, and weights that are too long, of another model, or NaN", async () => {
    const m = new VAE({ imageShape: [H, H], encoderHidden: [8], decoderHidden: [8] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-load-"));
    try {
      fs.writeFileSync(path.join(dir, "model.json"), "null");
      await assert.rejects(loadModel(dir), IvaeInputError);
      const a = m.toArtifacts();
      const buf = new Uint8Array(a.weightData as ArrayBuffer);
      const longer = new Uint8Array(buf.length + 4);
      longer.set(buf);
      await assert.rejects(loadModel({ ...a, weightData: longer.buffer }), /has \d+ bytes, the manifest describes/);
      const odd = new Uint8Array(buf.length + 1);
      odd.set(buf);
      await assert.rejects(loadModel({ ...a, weightData: odd.buffer }), IvaeInputError);
      await assert.rejects(loadModel({ ...a, weightData: buf.slice(0, buf.length - 4).buffer }), /too short/);
      const nan = new Float32Array(buf.slice().buffer);
      nan[5] = NaN;
      await assert.rejects(loadModel({ ...a, weightData: nan.buffer }), /non-finite/);
      const other = new VAE({ imageShape: [H, H], encoderHidden: [8, 8], decoderHidden: [8] });
      await assert.rejects(
        loadModel({ ...a, weightSpecs: other.toArtifacts().weightSpecs, weightData: other.toArtifacts().weightData }),
        /another model/,
      );
      other.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true });
      m.dispose();
    }
  });

  it("decode rejects a batchSize that is not an integer >= 1 (issue 16, item 9)", () => {
    const m = new VAE({ imageShape: [H, H], encoderHidden: [8], decoderHidden: [8] });
    for (const bs of [0, -1, 0.5, NaN])
      assert.throws(() => m.decode([[0, 0]], { batchSize: bs }), /batchSize must be an integer >= 1/, String(bs));
    assert.equal(
      m.decode(
        [
          [0, 0],
          [1, 1],
          [2, 2],
        ],
        { batchSize: 2 },
      ).n,
      3,
    );
    m.dispose();
  });
});
