import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, loadModel, RVAE, train } from "../../src/index";
import {
  candidateWeights,
  frameMixtureElbo,
  frameWindows,
  klFrameUniform,
  windowLogMass,
} from "../../src/models/parts/frame-posterior";
import { normalLatent } from "../../src/models/parts/latents";
import { topFrames } from "../../src/models/pose-encoder";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("models: posterior over discrete frames (framePosterior)", () => {
  before(useBackend);

  it("gives each trial to at most one candidate: the nearest within the half-width", () => {
    const K = 16,
      B = 2;
    const frames = [Int32Array.from([0, 3]), Int32Array.from([4, 5]), Int32Array.from([9, 3])]; // image 1: a duplicate
    const masks = frameWindows(frames, B, K, Math.PI / 4); // ±2 trials
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        const owners = masks.filter((m) => m[b * K + k] === 0).length;
        assert.ok(owners <= 1, `image ${b} trial ${k} owned by ${owners} candidates`);
      }
    }
    // image 0: candidates at 0, 4, 9; trial 2 is 2 from 0 and 2 from 4: the earlier candidate (0) keeps it
    const own = (c: number, b: number) => [...Array(K).keys()].filter((k) => masks[c][b * K + k] === 0);
    assert.deepEqual(own(0, 0), [0, 1, 2, 14, 15]);
    assert.deepEqual(own(1, 0), [3, 4, 5, 6]);
    assert.deepEqual(own(2, 0), [7, 8, 9, 10, 11]);
    // image 1: the duplicate frame 3 owns nothing (weight 0), the first copy keeps its window and the tie at 4
    assert.deepEqual(own(0, 1), [1, 2, 3, 4]);
    assert.deepEqual(own(1, 1), [5, 6, 7]);
    assert.deepEqual(own(2, 1), []);
  });

  it("computes the window masses of softmax(s), weights that sum to 1 and KL(q ‖ uniform) by hand", () => {
    const K = 8,
      B = 2;
    const s = [0.3, -1.2, 2.0, 0.5, 0.0, -0.4, 1.1, 0.7, 0, 0, 0, 0, 0, 0, 0, 0];
    const frames = [Int32Array.from([2, 0]), Int32Array.from([6, 4])];
    const masks = frameWindows(frames, B, K, Math.PI / 4); // ±1 trial
    const scores = tf.tensor2d(s, [B, K]);
    const logMass = windowLogMass(scores, masks);
    const w = candidateWeights(logMass);
    const kl = klFrameUniform(scores);
    const lm = logMass.arraySync() as number[][],
      wv = w.arraySync() as number[][],
      klv = kl.arraySync() as number[];
    for (let b = 0; b < B; b++) {
      const row = s.slice(b * K, (b + 1) * K),
        Z = row.reduce((a, v) => a + Math.exp(v), 0);
      const q = row.map((v) => Math.exp(v) / Z);
      const mass = frames.map((f) => q[(f[b] + K - 1) % K] + q[f[b]] + q[(f[b] + 1) % K]);
      mass.forEach((m, c) => close(lm[b][c], Math.log(m), 1e-5, `log mass ${b},${c}`));
      close(wv[b][0] + wv[b][1], 1, 1e-6, "weights sum");
      close(wv[b][0], mass[0] / (mass[0] + mass[1]), 1e-5, "weight");
      close(
        klv[b],
        q.reduce((a, p) => a + p * Math.log(p * K), 0),
        1e-5,
        "KL",
      );
    }
    close(klv[1], 0, 1e-6, "KL of uniform scores");
    tf.dispose([scores, logMass, w, kl]);
  });

  it("marginalises the ELBO over the candidates: Σ_c w_c (rec_c + β KL_c) + β KL_frame", () => {
    const specs = [normalLatent("z", "continuous", 1, "klZ")];
    const post = (m: number[]) => ({
      z: { mean: tf.tensor2d(m, [2, 1]), logVar: tf.tensor2d([0, Math.log(4)], [2, 1]) },
    });
    const posts = [post([0.5, -1]), post([2, 0])];
    const weights = tf.tensor2d([0.25, 0.75, 0.6, 0.4], [2, 2]);
    const klFrame = tf.tensor1d([0.3, 1.1]);
    const recs = [tf.tensor1d([10, 20]), tf.tensor1d([14, 30])];
    let call = 0;
    const { loss, terms } = frameMixtureElbo(specs, { posts, weights, klFrame }, () => recs[call++], 2);
    // KL(N(m, v) ‖ N(0, 1)) = ½ (m² + v − 1 − log v)
    const klN = (m: number, v: number) => 0.5 * (m * m + v - 1 - Math.log(v));
    const rec = (0.25 * 10 + 0.75 * 14 + 0.6 * 20 + 0.4 * 30) / 2;
    const klZ = (0.25 * klN(0.5, 1) + 0.75 * klN(2, 1) + 0.6 * klN(-1, 4) + 0.4 * klN(0, 4)) / 2;
    close(terms.reconstruction.dataSync()[0], rec, 1e-4, "reconstruction");
    close(terms.klZ.dataSync()[0], klZ, 1e-5, "klZ");
    close(terms.klFrame.dataSync()[0], 0.7, 1e-6, "klFrame");
    close(loss.dataSync()[0], rec + 2 * (klZ + 0.7), 1e-4, "loss");
    tf.dispose([loss, ...Object.values(terms), weights, klFrame, ...recs]);
    posts.forEach((p) => tf.dispose([p.z.mean, p.z.logVar]));
  });

  it("finds up to 16 candidates 180°/m apart", () => {
    const K = 64,
      s = Array.from({ length: K }, (_, k) => Math.cos((2 * Math.PI * k) / K));
    const f = topFrames(s, 1, K, 8, Math.PI / 8).map((a) => a[0]);
    assert.equal(new Set(f).size, 8);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < i; j++) assert.ok(Math.min(Math.abs(f[i] - f[j]), K - Math.abs(f[i] - f[j])) > 4);
  });

  it("refuses framePosterior without candidates, keeps it on load, reports klFrame", async function () {
    this.timeout(60000);
    const H = 12;
    const base = { imageShape: [H, H] as [number, number], encoderHidden: [16], decoderHidden: [8, 8], seed: 1 };
    assert.throws(() => new RVAE({ ...base, framePosterior: true }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, frameCandidates: 17 }), IvaeInputError);
    assert.throws(
      () => new RVAE({ ...base, frameCandidates: 2, framePosterior: "yes" as unknown as boolean }),
      IvaeInputError,
    );
    const m = new RVAE({ ...base, rotationSteps: 16, frameCandidates: 3, framePosterior: true });
    const { images } = renderShapes(64, H, { seed: 2, maxAngle: Math.PI, maxShift: 1 });
    const h = await train(m, images, { epochs: 2, batchSize: 16, learningRate: 3e-3, seed: 1, progress: false });
    assert.ok(h.terms.klFrame.every((v) => Number.isFinite(v) && v >= 0 && v <= Math.log(16) + 1e-6));
    assert.ok(h.loss.every(Number.isFinite));
    const enc = m.encode(images);
    assert.ok(enc.angle.every((a) => Number.isFinite(a) && Math.abs(a) <= Math.PI + 1e-6));
    const copy = await loadModel(m.toArtifacts());
    assert.equal(copy.config.framePosterior, true);
    assert.deepEqual(Array.from(copy.encode(images).angle!), Array.from(enc.angle));
    m.dispose();
    copy.dispose();
  });
});
