import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { RVAE, VAE, CVAE, train, TrainingDivergedError, IvaeInputError, formatReport } from "../../src/index";
import type { EpochReport, ProgressSink } from "../../src/index";
import { useBackend } from "../models/setup";
import { Random } from "../../src/util/random";
import { circCorr, renderShapes } from "../models/helpers";

const H = 12;

describe("training", () => {
  before(useBackend);

  it("reports every loss term per epoch, decreasing the loss, through onEpoch and a pluggable sink", async () => {
    const { images } = renderShapes(96, H, { seed: 1 });
    const m = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: 1 });
    const reports: EpochReport[] = [];
    const lines: string[] = [];
    const sink: ProgressSink = {
      update: (l, final) => {
        if (final) lines.push(l);
      },
    };
    const h = await train(m, images, {
      epochs: 4,
      batchSize: 32,
      learningRate: 3e-3,
      seed: 2,
      progress: sink,
      onEpoch: (r) => {
        reports.push(r);
      },
    });
    assert.equal(reports.length, 4);
    assert.equal(lines.length, 4);
    assert.match(lines[3], /^epoch 4\/4 {2}loss .* recon .* KL z .* KL γ .* KL Δr .* left/);
    assert.equal(lines[0], formatReport(reports[0]));
    for (const r of reports) {
      for (const v of [r.loss, r.reconstruction, r.klZ, r.klAngle, r.klOffset]) assert.ok(Number.isFinite(v));
      assert.ok(Math.abs(r.loss - (r.reconstruction + r.klZ + r.klAngle + r.klOffset)) < 1e-3 * r.loss);
      assert.ok(r.klAngle > 0 && r.klOffset > 0 && r.klZ > 0);
    }
    assert.deepEqual(
      h.loss,
      reports.map((r) => r.loss),
    );
    assert.ok(h.loss[3] < h.loss[0], `loss went ${h.loss[0]} → ${h.loss[3]}`);
    m.dispose();
  });

  it("is deterministic: same seeds give the same trained numbers, another seed different ones", async () => {
    const { images } = renderShapes(64, H, { seed: 3 });
    const run = async (modelSeed: number, seed: number, sub?: number) => {
      const m = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: modelSeed });
      const h = await train(m, images, { epochs: 2, batchSize: 16, seed, progress: false, pixelSubsample: sub });
      const e = m.encode(images);
      m.dispose();
      return { loss: h.loss, z: Array.from(e.zMean), a: Array.from(e.angle!) };
    };
    const a = await run(1, 5),
      b = await run(1, 5),
      c = await run(1, 6),
      d = await run(2, 5);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.z, c.z);
    assert.notDeepEqual(a.z, d.z);
    assert.deepEqual(await run(1, 5, 40), await run(1, 5, 40));
  });

  it(
    "trains a plain VAE on a pixel subset on the default backend, and the subset's ELBO estimates the full " + "one",
    async () => {
      // tfjs-wasm has no gradient kernel for gather (UnsortedSegmentSum): the MLP decoder selects its output columns by
      // a product with a 0/1 matrix instead; this failed with "_FusedMatMul only supports rank-1 bias" before
      const { images } = renderShapes(48, H, { seed: 6 });
      const m = new VAE({ imageShape: [H, H], decoderHidden: [24], seed: 2 });
      const x = tf.tensor2d(images.data, [images.n, H * H]);
      const before = tf.tidy(() => m.lossTerms(x, null, { seed: 3 }).reconstruction.dataSync()[0]);
      const h = await train(m, images, { epochs: 6, batchSize: 16, seed: 1, progress: false, pixelSubsample: 0.3 });
      assert.ok(h.loss.every(Number.isFinite), `loss ${h.loss.join(" → ")}`);
      const full = tf.tidy(() => m.lossTerms(x, null, { seed: 3 }).reconstruction.dataSync()[0]);
      let sub = 0;
      for (let k = 0; k < 40; k++) {
        const idx = Int32Array.from(new Random(k).permutation(H * H).subarray(0, 40)).sort();
        sub += tf.tidy(() => m.lossTerms(x, null, { seed: 3, pixelIndices: idx }).reconstruction.dataSync()[0]) / 40;
      }
      x.dispose();
      assert.ok(
        full < before,
        `reconstruction on all pixels ${before.toFixed(2)} before training, ${full.toFixed(2)} after`,
      );
      assert.ok(
        Math.abs(sub - full) < 0.05 * full,
        `subset estimate ${sub.toFixed(2)} vs all pixels ${full.toFixed(2)}`,
      );
      m.dispose();
    },
  );

  it("does not leak tensors across epochs", async () => {
    const { images } = renderShapes(64, H, { seed: 4 });
    const m = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], skip: true, conditionDim: 2 });
    const labels = Array.from({ length: 64 }, (_, i) => i % 2);
    const counts: number[] = [];
    await train(m, images, {
      epochs: 4,
      batchSize: 20,
      labels,
      progress: false,
      pixelSubsample: 0.5,
      onEpoch: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    assert.equal(counts[3], counts[1], `tensors per epoch: ${counts.join(", ")}`);
    const before = tf.memory().numTensors;
    m.encode(images, { labels });
    m.manifold({ steps: 2, label: 1 });
    m.reconstruct(images, { labels });
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
  });

  it("clipGradNorm: a norm no step reaches changes nothing, a small one slows the steps; no leak", async () => {
    const { images } = renderShapes(64, H, { seed: 6 });
    const run = async (clipGradNorm?: number) => {
      const m = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: 3 });
      const w0 = m.params.get("decoder.out.W").dataSync().slice();
      const counts: number[] = [];
      const h = await train(m, images, {
        epochs: 3,
        batchSize: 16,
        learningRate: 3e-3,
        progress: false,
        clipGradNorm,
        onEpoch: () => {
          counts.push(tf.memory().numTensors);
        },
      });
      const w = m.params.get("decoder.out.W").dataSync();
      let moved = 0;
      for (let k = 0; k < w.length; k++) moved += Math.abs(w[k] - w0[k]);
      m.dispose();
      return { loss: h.loss, moved, counts };
    };
    const plain = await run();
    const loose = await run(1e12);
    assert.deepEqual(loose.loss, plain.loss, "a norm no step reaches: the same numbers");
    // gradients scaled to norm 1e-9: Adam's ε (1e-7) dominates, so the weights barely move
    const tight = await run(1e-9);
    assert.ok(tight.moved < 0.1 * plain.moved, `moved ${tight.moved} against ${plain.moved}`);
    assert.equal(tight.counts[2], tight.counts[1], `tensors per epoch: ${tight.counts.join(", ")}`);
    const m = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16] });
    for (const bad of [0, -1, NaN])
      await assert.rejects(
        train(m, images, { epochs: 1, progress: false, clipGradNorm: bad }),
        (e: unknown) => e instanceof IvaeInputError && /clipGradNorm must be a positive number/.test(e.message),
      );
    m.dispose();
  });

  it("stops on a non-finite loss with TrainingDivergedError and keeps the last good weights", async () => {
    const { images } = renderShapes(48, H, { seed: 5 });
    const m = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16] });
    let good: Map<string, Float32Array> | null = null;
    const err = await train(m, images, {
      epochs: 5,
      batchSize: 16,
      progress: false,
      onEpoch: (r) => {
        if (r.epoch !== 2) return;
        good = m.getWeights();
        // inject a NaN into one decoder weight, as a corrupted step would
        const v = m.params.get("decoder.1.W");
        const vals = v.dataSync().slice();
        vals[7] = NaN;
        v.assign(tf.tensor(vals, v.shape));
      },
    }).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof TrainingDivergedError, `expected TrainingDivergedError, got ${err}`);
    assert.equal(err.epoch, 3);
    assert.equal(err.batch, 1);
    assert.match(err.message, /non-finite at epoch 3, batch 1\/3.*last good step/);
    const now = m.getWeights();
    for (const [k, v] of good!) assert.deepEqual(Array.from(now.get(k)!), Array.from(v), `weight ${k} not restored`);
    m.dispose();
  });

  it("catches a real divergence (absurd learning rate) and leaves finite weights", async () => {
    const { images } = renderShapes(48, H, { seed: 6 });
    const m = new VAE({ imageShape: [H, H], likelihood: "gaussian", decoderSigma: 1e-3 });
    await assert.rejects(
      train(m, images, { epochs: 5, batchSize: 8, learningRate: 1e38, progress: false }),
      TrainingDivergedError,
    );
    for (const v of m.getWeights().values()) assert.ok(v.every(Number.isFinite));
    m.dispose();
  });

  it("rejects bad training input", async () => {
    const { images } = renderShapes(8, H);
    const m = new CVAE({ imageShape: [H, H], conditionDim: 2 });
    await assert.rejects(train(m, images, { epochs: 1, progress: false }), /conditional.*pass labels/);
    await assert.rejects(
      train(m, images, { epochs: 0, labels: new Array(8).fill(0), progress: false }),
      /epochs must be an integer >= 1/,
    );
    await assert.rejects(
      train(m, images, { epochs: 1, labels: new Array(8).fill(0), pixelSubsample: 1e6, progress: false }),
      /exceeds/,
    );
    await assert.rejects(
      train(m, renderShapes(3, 10).images, { epochs: 1, labels: [0, 0, 0], progress: false }),
      IvaeInputError,
    );
    m.dispose();
  });

  it("stops when the abort signal fires and applies a β warm-up", async () => {
    const { images } = renderShapes(32, H);
    const m = new VAE({ imageShape: [H, H] });
    const ac = new AbortController();
    const betas: number[] = [];
    const h = await train(m, images, {
      epochs: 10,
      batchSize: 8,
      progress: false,
      beta: 2,
      betaSchedule: { warmupEpochs: 4 },
      signal: ac.signal,
      onEpoch: (r) => {
        betas.push(r.beta);
        if (r.epoch === 5) ac.abort();
      },
    });
    assert.deepEqual(betas, [0, 0.5, 1, 1.5, 2]);
    assert.equal(h.reports.length, 5);
    assert.ok(h.aborted);
    m.dispose();
  });

  it("learns the rotation: the rVAE angle follows the true angle of rotated glyphs", async function () {
    this.timeout(60000);
    const data = renderShapes(384, 16, { seed: 7, maxAngle: Math.PI / 2 });
    const m = new RVAE({
      imageShape: [16, 16],
      latentDim: 1,
      translation: false,
      decoderHidden: [32, 32],
      encoderHidden: [64],
      seed: 1,
    });
    await train(m, data.images, {
      epochs: 12,
      batchSize: 32,
      learningRate: 3e-3,
      seed: 1,
      progress: false,
      pixelSubsample: 96,
    });
    const rho = circCorr(m.encode(data.images).angle!, data.angle);
    assert.ok(Math.abs(rho) > 0.9, `circular correlation ${rho}`);
    m.dispose();
  });
});
