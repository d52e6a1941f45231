import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, loadModel, RVAE, train } from "../../src/index";
import { oppositeFrames, topFrames } from "../../src/models/pose-encoder";
import { candidateNegElbo } from "../../src/models/parts/pose-frame-choice";
import { normalLatent } from "../../src/models/parts/latents";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

/** Scores [B·K] of a broad one-peak map per image (a first harmonic), the peak at trial `peak[b]`. */
function onePeak(K: number, peak: number[]): Float32Array {
  const s = new Float32Array(peak.length * K);
  peak.forEach((p, b) => {
    for (let k = 0; k < K; k++) s[b * K + k] = Math.cos((2 * Math.PI * (k - p)) / K);
  });
  return s;
}

const circ = (a: number, b: number, K: number) => Math.min((((a - b) % K) + K) % K, (((b - a) % K) + K) % K);

describe("models: candidate frames in opposite pairs (oppositeFrames)", () => {
  it("never offers the half-turn on a one-peak map with topFrames, always with oppositeFrames", () => {
    const K = 64,
      peak = [0, 13, 40];
    const s = onePeak(K, peak);
    const top = topFrames(s, peak.length, K, 4, Math.PI / 4);
    const opp = oppositeFrames(s, peak.length, K, 4, Math.PI / 4);
    peak.forEach((p, b) => {
      // the greedy best frames crowd around the one peak: none within 45° of the half-turn
      for (const f of top) assert.ok(circ(f[b], p + K / 2, K) > K / 8, `topFrames image ${b}: ${f[b]} vs peak ${p}`);
      assert.equal(opp[0][b], p, "the first candidate is the best trial");
      assert.equal(opp[1][b], (p + K / 2) % K, "the second is its opposite");
      assert.equal(circ(opp[2][b], opp[3][b], K), K / 2, "the second pair is opposite too");
      // the second axis is more than 45° (8 trials) from both members of the first pair
      for (const f of [opp[2][b], opp[3][b]]) {
        assert.ok(circ(f, opp[0][b], K) > 8 && circ(f, opp[1][b], K) > 8, `image ${b}: ${f} too near the first axis`);
      }
    });
  });

  it("takes the better-scoring end of an axis first, and the second-best axis next", () => {
    const K = 16;
    const s = new Float32Array(K).fill(0);
    s[11] = 3; // best trial; its opposite 3 scores 0
    s[7] = 2; // 4 trials (90°) from 11 and from 3: the second axis
    s[12] = 2.5; // within 45° of 11: not a new axis
    const f = oppositeFrames(s, 1, K, 4, Math.PI / 4);
    assert.deepEqual(
      f.map((a) => a[0]),
      [11, 3, 7, 15],
    );
  });

  it("repeats the first axis when no trial is left outside the separation", () => {
    const K = 8; // 45° per trial: after one axis with 90° separation nothing is left
    const s = Float32Array.from([0, 5, 0, 0, 0, 1, 0, 0]);
    const f = oppositeFrames(s, 1, K, 4, Math.PI / 2);
    assert.deepEqual(
      f.map((a) => a[0]),
      [1, 5, 1, 5],
    );
  });
});

describe("models: oppositeFrames, poseWarmup and frameChoice options", () => {
  before(useBackend);
  const H = 12;
  const base = {
    imageShape: [H, H] as [number, number],
    encoderHidden: [16],
    decoderHidden: [8, 8],
    rotationSteps: 16,
    seed: 1,
  };

  it("refuses oppositeFrames with an odd frameCandidates and both options without the equivariant encoder", () => {
    assert.throws(() => new RVAE({ ...base, oppositeFrames: true }), IvaeInputError); // frameCandidates 1
    assert.throws(() => new RVAE({ ...base, frameCandidates: 3, oppositeFrames: true }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, frameCandidates: 2, poseEncoder: "mlp", oppositeFrames: true }));
    assert.throws(() => new RVAE({ ...base, poseEncoder: "mlp", poseWarmup: 2 }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, poseWarmup: 1.5 }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, poseWarmup: -1 }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, frameChoice: "prior" as "elbo" }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, poseEncoder: "mlp", frameChoice: "elbo" }), IvaeInputError);
    const m = new RVAE(base);
    assert.equal(m.config.oppositeFrames, undefined, "not stored when off");
    assert.equal(m.config.poseWarmup, undefined, "not stored when 0");
    assert.equal(m.config.frameChoice, undefined, "not stored when the default");
    m.dispose();
  });

  it("scores a candidate by −ELBO at the means: scaled reconstruction plus each latent's KL, by hand", () => {
    const specs = [normalLatent("z", "continuous", 1, "klZ"), normalLatent("angle", "angle", 1, "klAngle", 0.5)];
    const post = {
      z: { mean: tf.tensor2d([[1], [0]]), logVar: tf.tensor2d([[0], [Math.log(4)]]) },
      angle: { mean: tf.tensor2d([[0.5], [Math.PI]]), logVar: tf.tensor2d([[Math.log(0.01)], [Math.log(0.01)]]) },
    };
    const nll = tf.tensor1d([10, 10]);
    const got = candidateNegElbo(nll, 2, specs, post).arraySync() as number[];
    // KL(N(μ, σ²) ‖ N(0, s²)) = log(s/σ) + (σ² + μ²)/(2s²) − ½
    const kl = (m: number, v: number, s: number) => Math.log(s / Math.sqrt(v)) + (v + m * m) / (2 * s * s) - 0.5;
    const want = [20 + kl(1, 1, 1) + kl(0.5, 0.01, 0.5), 20 + kl(0, 4, 1) + kl(Math.PI, 0.01, 0.5)];
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `image ${i}: ${g} vs ${want[i]}`));
    // the turned frame (angle π) costs more than the one nearer upright at equal reconstruction
    assert.ok(got[1] > got[0]);
    tf.dispose([nll, post.z.mean, post.z.logVar, post.angle.mean, post.angle.logVar]);
  });

  it("holds z at 0 in the warm-up epochs only, and keeps both options on load", async function () {
    this.timeout(60000);
    const opts = { frameCandidates: 2, oppositeFrames: true, poseWarmup: 1, frameChoice: "elbo" as const };
    const m = new RVAE({ ...base, ...opts });
    const { images } = renderShapes(48, H, { seed: 3, maxAngle: Math.PI, maxShift: 1 });
    const h = await train(m, images, { epochs: 2, batchSize: 16, learningRate: 3e-3, seed: 1, progress: false });
    // epoch 1: z ~ N(0, e^-20) per column, KL = ½(e^-20 − 1 + 20) = 9.5 nats each whatever the weights
    assert.ok(Math.abs(h.terms.klZ[0] - 2 * 9.5) < 1e-3, `warm-up klZ ${h.terms.klZ[0]}`);
    assert.ok(Math.abs(h.terms.klZ[1] - 19) > 1, `after the warm-up klZ ${h.terms.klZ[1]}`);
    // in a warm-up epoch the loss does not depend on z's encoder head; after it, it does
    const x = tf.tensor2d(images.data.subarray(0, 16 * H * H), [16, H * H]);
    const head = m.params.vars[m.params.names.indexOf("encoder.head.W")];
    const gradNorm = (epoch: number) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => m.lossTerms(x, null, { seed: 5, epoch }).loss, [head]);
        // z's mean columns are the head's first latentDim outputs
        return tf.sum(tf.abs(grads[head.name].slice([0, 0], [-1, 2]))).dataSync()[0];
      });
    assert.equal(gradNorm(1), 0);
    assert.ok(gradNorm(2) > 0);
    x.dispose();
    // encoding (no epoch) never holds z
    const enc = m.encode(images);
    assert.ok(enc.zMean.some((v) => Math.abs(v) > 1e-3));
    const copy = await loadModel(m.toArtifacts());
    assert.equal(copy.config.oppositeFrames, true);
    assert.equal(copy.config.poseWarmup, 1);
    assert.equal(copy.config.frameChoice, "elbo");
    assert.deepEqual(Array.from(copy.encode(images).angle!), Array.from(enc.angle!));
    m.dispose();
    copy.dispose();
  });
});
