import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, loadModel, RVAE, train } from "../../src/index";
import { halfTurnedPlanes } from "../../src/models/half-turn-options";
import { EquivariantPoseEncoder, FrameScorer } from "../../src/models/parts/equivariant-pose-encoder";
import { MlpEncoder } from "../../src/models/parts/encoder";
import { ParamStore } from "../../src/models/params";
import { normalisedImages } from "../../src/models/pose-encoder";
import { Random } from "../../src/util/random";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

describe("models: z invariant to a half-turn of the frame (halfTurnInvariantZ)", () => {
  before(useBackend);

  it("turns a canonical image by 180° exactly as de-rotating it by the opposite angle does", () => {
    const H = 9,
      W = 9,
      B = 3;
    const rng = new Random(5);
    const x = Float32Array.from({ length: B * H * W }, () => rng.uniform(0, 1));
    const centre = Float64Array.from([4.3, 3.8, 4, 4, 3.5, 5.1]);
    const angle = Float32Array.from([0.4, -2.1, 1.3]);
    const a = normalisedImages(x, B, H, W, centre, angle);
    const b = normalisedImages(
      x,
      B,
      H,
      W,
      centre,
      angle.map((v) => v + Math.PI),
    );
    const turned = halfTurnedPlanes(a, B, 1, H * W);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(turned[i] - b[i]));
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    // two channels: each plane reversed on its own
    const two = halfTurnedPlanes(Float32Array.from([1, 2, 3, 4, 5, 6]), 1, 2, 3);
    assert.deepEqual(Array.from(two), [3, 2, 1, 6, 5, 4]);
  });

  it("gives the same z in a frame and in its half-turn, and different z without the option", () => {
    const H = 12,
      K = 16,
      B = 5;
    // a scorer peaked at trial k0 for every image: the frame is α_k0 (refined symmetrically, so exactly α_k0)
    const scorerAt = (k0: number): FrameScorer => ({
      geometry: { height: H, width: H, steps: K },
      scores: (_x, n) =>
        tf.tensor2d(
          Array.from({ length: n }, () =>
            Array.from({ length: K }, (_, k) => 6 * Math.cos((2 * Math.PI * (k - k0)) / K)),
          ).flat(),
          [n, K],
        ),
    });
    const x = tf.tensor2d(
      Array.from({ length: B * H * H }, (_, i) => ((i * 7919) % 13) / 13),
      [B, H * H],
    );
    const zIn = (k0: number, halfTurnInvariantZ: boolean) => {
      const params = new ParamStore();
      const columns = [
        { name: "z", dim: 2 },
        { name: "angle", dim: 1 },
      ];
      const mlp = new MlpEncoder(params, H * H, [16], columns, new Random(3));
      const enc = new EquivariantPoseEncoder(mlp, scorerAt(k0), (post) => tf.zerosLike(post.angle.mean).reshape([-1]), {
        frameCandidates: 1,
        framePosterior: false,
        offsetBound: 0,
        oppositeFrames: false,
        poseWarmup: 0,
        frameChoice: "reconstruction",
        framePrior: { kind: "uniform" },
        halfTurnInvariantZ,
        channels: 1,
      });
      const out = tf.tidy(() => {
        const p = enc.posterior(x, null);
        return [p.z.mean.clone(), p.z.logVar.clone()];
      });
      const v = out.map((t) => Array.from(t.dataSync()));
      tf.dispose(out);
      params.dispose();
      return v;
    };
    const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    const [m0, l0] = zIn(3, true),
      [m1, l1] = zIn(3 + K / 2, true);
    assert.ok(maxDiff(m0, m1) < 1e-4, `z means differ by ${maxDiff(m0, m1)}`);
    assert.ok(maxDiff(l0, l1) < 1e-4, `z log-variances differ by ${maxDiff(l0, l1)}`);
    const [p0] = zIn(3, false),
      [p1] = zIn(3 + K / 2, false);
    assert.ok(maxDiff(p0, p1) > 1e-2, `without the option z should depend on the frame: ${maxDiff(p0, p1)}`);
    // and the invariant z is the mean of the two frames' plain z
    const avg = p0.map((v, i) => (v + p1[i]) / 2);
    assert.ok(maxDiff(m0, avg) < 1e-4, `not the mean of both readings: ${maxDiff(m0, avg)}`);
    x.dispose();
  });

  it("is refused without the equivariant frame, stored only when set, kept on load", async () => {
    const base = { imageShape: [12, 12] as [number, number], encoderHidden: [16], decoderHidden: [8, 8], seed: 1 };
    assert.throws(() => new RVAE({ ...base, poseEncoder: "mlp", halfTurnInvariantZ: true }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, rotation: false, halfTurnInvariantZ: true }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, halfTurnInvariantZ: 1 as unknown as boolean }), IvaeInputError);
    const plain = new RVAE({ ...base, halfTurnInvariantZ: false });
    assert.equal("halfTurnInvariantZ" in plain.config, false);
    plain.dispose();
    const m = new RVAE({
      ...base,
      rotationSteps: 16,
      frameCandidates: 2,
      oppositeFrames: true,
      halfTurnInvariantZ: true,
    });
    assert.equal(m.config.halfTurnInvariantZ, true);
    const copy = await loadModel(m.toArtifacts());
    assert.equal(copy.config.halfTurnInvariantZ, true);
    const x = {
      data: Float32Array.from({ length: 3 * 144 }, (_, i) => ((i * 31) % 17) / 17),
      n: 3,
      height: 12,
      width: 12,
    };
    const a = m.encode(x),
      b = copy.encode(x);
    assert.deepEqual(Array.from(a.zMean), Array.from(b.zMean));
    m.dispose();
    copy.dispose();
  });

  it("trains with opposite frames and warm-up: finite losses, no leaked tensors", async function () {
    this.timeout(60000);
    const H = 16;
    const { images } = renderShapes(64, H, { seed: 4, maxAngle: (2 * Math.PI) / 3 });
    const m = new RVAE({
      imageShape: [H, H],
      latentDim: 2,
      encoderHidden: [32],
      decoderHidden: [32, 32],
      rotationSteps: 16,
      frameCandidates: 2,
      oppositeFrames: true,
      poseWarmup: 1,
      halfTurnInvariantZ: true,
      seed: 2,
    });
    const before = tf.memory().numTensors;
    const h = await train(m, images, { epochs: 2, batchSize: 32, learningRate: 3e-3, seed: 1, progress: false });
    assert.ok(h.loss.every(Number.isFinite), `losses ${h.loss}`);
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    m.dispose();
  });
});
