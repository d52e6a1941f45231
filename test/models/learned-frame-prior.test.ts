import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, loadModel, RVAE, train } from "../../src/index";
import { klFrameConditional, LearnedFramePrior, priorInput } from "../../src/models/parts/learned-frame-prior";
import { ParamStore } from "../../src/models/params";
import { Random } from "../../src/util/random";
import { useBackend } from "./setup";
import { renderShapes, SMALL_RVAE_16 } from "./helpers";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

const base = SMALL_RVAE_16;

describe("models: the learned frame prior p(k|z) (framePrior: learned)", () => {
  before(useBackend);

  it("is normalised over the trials, uniform when fresh, and its KL is Σ q (log q − log p) by hand", () => {
    const K = 8;
    const params = new ParamStore();
    const prior = new LearnedFramePrior(params, 2, K, new Random(1));
    const z = tf.tensor2d([0.3, -1, 2, 0.5, 0, 0], [3, 2]);
    const fresh = prior.logPrior(z).arraySync();
    for (const row of fresh) row.forEach((v) => close(v, -Math.log(K), 1e-6, "fresh prior is uniform"));
    // some output weights: rows still sum to 1 and now differ by z
    params.get("framePrior.w2").assign(
      tf.tensor2d(
        Array.from({ length: 32 * K }, (_, i) => Math.sin(i)),
        [32, K],
      ),
    );
    const lp = prior.logPrior(z).arraySync();
    for (const row of lp)
      close(
        row.reduce((a, v) => a + Math.exp(v), 0),
        1,
        1e-5,
        "Σ p(k|z)",
      );
    assert.ok(Math.abs(lp[0][0] - lp[1][0]) > 1e-3, "p(k|z) depends on z");
    const sc = [Array.from({ length: K }, (_, k) => 4 * Math.cos((2 * Math.PI * (k - 2)) / K))];
    const kl = klFrameConditional(tf.tensor2d(sc), tf.tensor2d([lp[0]])).dataSync()[0];
    const Z = sc[0].reduce((a, v) => a + Math.exp(v), 0);
    const hand = sc[0].reduce((a, v, k) => a + (Math.exp(v) / Z) * (v - Math.log(Z) - lp[0][k]), 0);
    close(kl, hand, 1e-4, "KL by hand");
    tf.dispose(z);
    params.dispose();
  });

  it("learns a different arc for each content and then pulls a half-turned frame into its content's arc", () => {
    const K = 16;
    const params = new ParamStore();
    const prior = new LearnedFramePrior(params, 2, K, new Random(3));
    // two contents (z = ±1): frames of content A fill trials 0–5 (an arc), of content B trials 8–13
    const zs: number[] = [],
      scores: number[] = [];
    for (let i = 0; i < 48; i++) {
      const a = i % 2 === 0;
      zs.push(a ? 1 : -1, a ? 1 : -1);
      const k0 = (a ? 0 : 8) + (i % 6);
      for (let k = 0; k < K; k++) scores.push(6 * Math.cos((2 * Math.PI * (k - k0)) / K));
    }
    const z = tf.tensor2d(zs, [48, 2]),
      s = tf.tensor2d(scores, [48, K]);
    const opt = tf.train.adam(0.005);
    const first = tf.tidy(() => tf.mean(klFrameConditional(s, prior.logPrior(z))).dataSync()[0]);
    for (let it = 0; it < 150; it++) opt.minimize(() => tf.mean(klFrameConditional(s, prior.logPrior(z))) as tf.Scalar);
    const last = tf.tidy(() => tf.mean(klFrameConditional(s, prior.logPrior(z))).dataSync()[0]);
    // consolidated in a 6-of-16 arc the KL can fall by up to log(16/6) ≈ 0.98 nats
    assert.ok(first - last > 0.7, `KL ${first} → ${last}`);
    const p = tf.tidy(() => tf.exp(prior.logPrior(tf.tensor2d([1, 1, -1, -1], [2, 2]))).arraySync());
    const mass = (row: number[], lo: number) => row.slice(lo, lo + 6).reduce((a, v) => a + v, 0);
    assert.ok(mass(p[0], 0) > 0.8 && mass(p[1], 8) > 0.8, `arc masses ${mass(p[0], 0)}, ${mass(p[1], 8)}`);
    // a content-A image whose posterior sits on the half-turn (trial 11) between two candidates 0.5 : 0.5
    const lpA = tf.tidy(() => prior.logPrior(tf.tensor2d([1, 1], [1, 2])));
    const two = tf.tensor2d([Array.from({ length: K }, (_, k) => 3 * Math.cos((4 * Math.PI * (k - 3)) / K))]);
    const g = tf
      .grad((t: tf.Tensor) => tf.sum(klFrameConditional(t as tf.Tensor2D, lpA)))(two)
      .dataSync();
    // descent raises the in-arc trial 3 and lowers its half-turn 11
    assert.ok(g[3] < 0 && g[11] > 0, `gradient at 3: ${g[3]}, at 11: ${g[11]}`);
    tf.dispose([z, s, lpA, two]);
    opt.dispose();
    params.dispose();
  });

  it("weighs the candidates' z means as a constant input", () => {
    const m0 = tf.tensor2d([1, 2, 3, 4], [2, 2]),
      m1 = tf.tensor2d([5, 6, 7, 8], [2, 2]),
      w = tf.tensor2d([0.25, 0.75, 1, 0], [2, 2]);
    const out = priorInput([m0, m1], w).arraySync();
    assert.deepEqual(out, [
      [4, 5],
      [3, 4],
    ]);
    tf.dispose([m0, m1, w]);
  });

  it("starts every other weight, and the first loss, as the uniform prior's", () => {
    const a = new RVAE({ ...base, framePosterior: true, oppositeFrames: true });
    const b = new RVAE({ ...base, framePosterior: true, oppositeFrames: true, framePrior: "learned" });
    const wa = a.getWeights(),
      wb = b.getWeights();
    for (const [name, v] of wa) assert.deepEqual(Array.from(wb.get(name)!), Array.from(v), name);
    const { images } = renderShapes(16, 16, { seed: 4, maxAngle: (2 * Math.PI) / 3 });
    const x = tf.tensor2d(images.data, [16, 256]);
    const la = tf.tidy(() => a.lossTerms(x, null, { seed: 1 }).loss.dataSync()[0]);
    const lb = tf.tidy(() => b.lossTerms(x, null, { seed: 1 }).loss.dataSync()[0]);
    close(lb, la, 1e-3, "first loss");
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it("is refused without the frame posterior, stored only when set, saved and loaded with its weights", async () => {
    assert.throws(() => new RVAE({ ...base, framePrior: "learned" }), IvaeInputError);
    assert.throws(() => new RVAE({ ...base, frameChoice: "elbo", framePrior: "learned" }), IvaeInputError);
    const plain = new RVAE({ ...base, framePosterior: true });
    assert.equal("framePrior" in plain.config, false);
    assert.equal(
      plain.params.names.some((n) => n.startsWith("framePrior.")),
      false,
    );
    plain.dispose();
    const m = new RVAE({ ...base, framePosterior: true, oppositeFrames: true, framePrior: "learned" });
    assert.equal(m.config.framePrior, "learned");
    assert.ok(m.params.names.includes("framePrior.w2"));
    const { images } = renderShapes(64, 16, { seed: 4, maxAngle: (2 * Math.PI) / 3 });
    const x = tf.tensor2d(images.data.slice(0, 16 * 256), [16, 256]);
    // gradients reach the prior's weights (its output layer starts at zero, so they are what moves it first)
    const { grads, value } = tf.variableGrads(() => m.lossTerms(x, null, { seed: 1, epoch: 2 }).loss);
    const w2 = m.params.names.indexOf("framePrior.w2");
    const gv = grads[m.params.vars[w2].name].dataSync();
    assert.ok(gv.every(Number.isFinite) && gv.some((v) => Math.abs(v) > 1e-6), "no gradient reaches framePrior.w2");
    tf.dispose([value, x, ...Object.values(grads)]);
    const before = tf.memory().numTensors;
    const h = await train(m, images, { epochs: 2, batchSize: 32, learningRate: 3e-3, seed: 1, progress: false });
    assert.ok(h.loss.every(Number.isFinite) && h.terms.klFrame.every(Number.isFinite), `losses ${h.loss}`);
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    const trained = m.getWeights().get("framePrior.w2")!;
    assert.ok(
      trained.some((v) => v !== 0),
      "training did not move the prior",
    );
    const copy = await loadModel(m.toArtifacts());
    assert.equal(copy.config.framePrior, "learned");
    assert.deepEqual(Array.from(copy.getWeights().get("framePrior.w2")!), Array.from(trained));
    assert.deepEqual(Array.from(copy.encode(images).zMean), Array.from(m.encode(images).zMean));
    m.dispose();
    copy.dispose();
  });
});
