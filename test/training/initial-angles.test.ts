import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, JRVAE, RVAE, train } from "../../src/index";
import { wrapAngle } from "../../src/analysis/metrics";
import type { EquivariantPoseEncoder } from "../../src/models/parts/equivariant-pose-encoder";
import { useBackend } from "../models/setup";
import { renderShapes, SMALL_RVAE_16 } from "../models/helpers";

const H = 16;
const base = SMALL_RVAE_16;

describe("training: initial angles fix the first epochs' frames (initialAngles)", () => {
  before(useBackend);

  it("takes each hint as the frame, with z held or not; without hints the frame search decides", () => {
    const { images } = renderShapes(6, H, { seed: 4, maxAngle: Math.PI });
    const m = new RVAE({ ...base, poseWarmup: 1 });
    const enc = (m as unknown as { encoder: EquivariantPoseEncoder }).encoder;
    const x = tf.tensor2d(images.data, [6, H * H]);
    const hint = Float32Array.from([0, 1, 2, 3, -2, -1]);
    const angleOf = (epoch: number | undefined, h?: Float32Array) =>
      tf.tidy(() => Array.from(enc.posterior(x, null, epoch, h).angle!.mean.dataSync()));
    const warm = angleOf(1, hint),
      turned = angleOf(
        1,
        hint.map((a) => a + Math.PI),
      );
    hint.forEach((a, b) => {
      // the hint itself plus the MLP's residual of at most one 22.5° trial step
      assert.ok(Math.abs(wrapAngle(warm[b] - a)) <= Math.PI / 8 + 1e-5, `image ${b}: ${warm[b]} vs ${a}`);
      assert.ok(Math.abs(wrapAngle(turned[b] - a - Math.PI)) <= Math.PI / 8 + 1e-5, `image ${b} turned`);
    });
    // with z free (epoch 2) the hint still sets the frame; encoding never sees hints: the frame search decides
    const free = angleOf(2, hint);
    hint.forEach((a, b) => assert.ok(Math.abs(wrapAngle(free[b] - a)) <= Math.PI / 8 + 1e-5));
    assert.deepEqual(angleOf(undefined), Array.from(m.encode(images).angle));
    x.dispose();
    m.dispose();
  });

  it("trains with finite losses and no leaked tensor, and the hints change the run", async function () {
    this.timeout(60000);
    const { images, angle } = renderShapes(64, H, { seed: 4, maxAngle: (2 * Math.PI) / 3 });
    const run = async (initialAngles?: Float32Array) => {
      const m = new RVAE({ ...base, poseWarmup: 1 });
      const before = tf.memory().numTensors;
      const h = await train(m, images, {
        epochs: 2,
        batchSize: 32,
        learningRate: 3e-3,
        seed: 1,
        progress: false,
        ...(initialAngles ? { initialAngles } : {}),
      });
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
      m.dispose();
      return h.loss;
    };
    const hinted = await run(Float32Array.from(angle, (a) => a + 0.3));
    assert.ok(hinted.every(Number.isFinite), `losses ${hinted}`);
    const plain = await run();
    assert.notEqual(hinted[0], plain[0], "the hints did not change the warm-up");
  });

  it("resumes a checkpoint only with the same angles", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-hints-"));
    try {
      const { images, angle } = renderShapes(16, H, { seed: 6 });
      const opts = { batchSize: 8, seed: 1, progress: false as const, checkpoint: { dir } };
      const first = new RVAE({ ...base, poseWarmup: 1 });
      await train(first, images, { ...opts, epochs: 1, initialAngles: angle });
      first.dispose();
      const other = new RVAE({ ...base, poseWarmup: 1 });
      const turned = Float32Array.from(angle, (a, i) => (i === 3 ? a + 0.01 : a));
      await assert.rejects(
        train(other, images, { ...opts, epochs: 2, resume: true, initialAngles: turned }),
        (e: Error) => e instanceof IvaeInputError && /initialAngles/.test(e.message),
      );
      other.dispose();
      const same = new RVAE({ ...base, poseWarmup: 1 });
      const h = await train(same, images, { ...opts, epochs: 2, resume: true, initialAngles: angle });
      assert.equal(h.loss.length, 2, "the resumed run continues from epoch 1");
      same.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses hints the model cannot use or that do not fit the images", async () => {
    const { images } = renderShapes(8, H, { seed: 1 });
    const opts = { epochs: 1, batchSize: 8, progress: false as const };
    // a jrVAE's objective would ignore the hints: refused rather than silently unused
    const jr = new JRVAE({ ...base, classes: 2 });
    await assert.rejects(train(jr, images, { ...opts, initialAngles: new Float32Array(8) }), /RVAE/);
    jr.dispose();
    const mlp = new RVAE({ ...base, poseEncoder: "mlp" });
    await assert.rejects(train(mlp, images, { ...opts, initialAngles: new Float32Array(8) }), /poseEncoder/);
    mlp.dispose();
    const posterior = new RVAE({ ...base, poseWarmup: 1, framePosterior: true });
    await assert.rejects(train(posterior, images, { ...opts, initialAngles: new Float32Array(8) }), /framePosterior/);
    posterior.dispose();
    const m = new RVAE({ ...base, poseWarmup: 1 });
    await assert.rejects(train(m, images, { ...opts, initialAngles: new Float32Array(7) }), IvaeInputError);
    await assert.rejects(
      train(m, images, { ...opts, initialAngles: [0, 0, 0, NaN, 0, 0, 0, 0] }),
      /initialAngles\[3\]/,
    );
    m.dispose();
  });

  it("encodes with given angles as frames: each angle within the residual's step of it, as the hint path", () => {
    const { images } = renderShapes(6, H, { seed: 4, maxAngle: Math.PI });
    const m = new RVAE({ ...base, poseWarmup: 1 });
    const enc = (m as unknown as { encoder: EquivariantPoseEncoder }).encoder;
    const hint = Float32Array.from([0, 1, 2, 3, -2, -1]);
    const before = tf.memory().numTensors;
    const e = m.encode(images, { angles: hint, batchSize: 4 });
    assert.equal(tf.memory().numTensors, before);
    const x = tf.tensor2d(images.data, [6, H * H]);
    const direct = tf.tidy(() => Array.from(enc.posterior(x, null, undefined, hint).angle!.mean.dataSync()));
    x.dispose();
    hint.forEach((a, b) => {
      assert.ok(Math.abs(wrapAngle(e.angle![b] - direct[b])) < 1e-5, `image ${b}: ${e.angle![b]} vs ${direct[b]}`);
      assert.ok(Math.abs(wrapAngle(e.angle![b] - a)) <= Math.PI / 8 + 1e-5, `image ${b} near its hint`);
    });
    // half-turned hints give half-turned frames
    const turned = m.encode(images, { angles: hint.map((a) => a + Math.PI) });
    hint.forEach((a, b) => assert.ok(Math.abs(wrapAngle(turned.angle![b] - a - Math.PI)) <= Math.PI / 8 + 1e-5));
    assert.throws(() => m.encode(images, { angles: new Float32Array(5) }), /one angle per image \(6\)/);
    assert.throws(() => m.encode(images, { angles: [0, 0, NaN, 0, 0, 0] }), IvaeInputError);
    m.dispose();
    const mlp = new RVAE({ ...base, poseEncoder: "mlp" });
    assert.throws(() => mlp.encode(images, { angles: new Float32Array(6) }), /poseEncoder "equivariant" or "group"/);
    mlp.dispose();
  });

  it("de-rotates each image by its given angle, in rotateImages' sense: turned copies of one glyph get one z", () => {
    const { images, angle } = renderShapes(8, H, { seed: 6, maxAngle: Math.PI });
    const m = new RVAE({ ...base, poseWarmup: 1 });
    const spread = (a: Float32Array) => {
      const z = m.encode(images, { angles: a }).zMean;
      let s = 0;
      for (let i = 1; i < 8; i++) s += Math.hypot(z[2 * i] - z[0], z[2 * i + 1] - z[1]);
      return s / 7;
    };
    const right = spread(angle),
      wrong = spread(angle.map((a) => -a));
    assert.ok(right < 0.25 * wrong, `z spread with the true angles ${right}, with the negated ones ${wrong}`);
    m.dispose();
  });
});
