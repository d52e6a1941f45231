import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { RVAE, VAE, train, standardizeLatent, IvaeInputError, selectImages } from "../../src/index";
import type { LatentModel, ImageStack } from "../../src/index";
import { useBackend } from "../models/setup";
import { renderShapes } from "../models/helpers";

const H = 12;

/** Reconstruction and KL of z from `lossTerms` on all images with a fixed noise seed (nats per image). */
function terms(model: LatentModel, images: ImageStack): { recon: number; klZ: number } {
  const t = tf.tidy(() => {
    const x = tf.tensor2d(images.data, [images.n, H * H]);
    const r = model.lossTerms(x, null, { seed: 7 });
    return tf.stack([r.terms.reconstruction, r.terms.klZ]);
  });
  const [recon, klZ] = t.dataSync();
  t.dispose();
  return { recon, klZ };
}

/** Mean and second moment (about the mean, plus the posterior variance) of z per dimension. */
function moments(model: LatentModel, images: ImageStack): { mean: number[]; second: number[] } {
  const e = model.encode(images);
  const d = e.latentDim,
    n = e.n;
  const mean = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += e.zMean[i * d + j] / n;
    return s;
  });
  const second = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += ((e.zMean[i * d + j] - m) ** 2 + Math.exp(e.zLogVar[i * d + j])) / n;
    return s;
  });
  return { mean, second };
}

describe("standardizeLatent", () => {
  before(useBackend);
  const { images } = renderShapes(96, H, { seed: 3 });

  const kinds: [string, () => LatentModel][] = [
    ["rVAE, Fourier-feature decoder", () => new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: 1 })],
    [
      "skip-rVAE, linear coordinates",
      () =>
        new RVAE({
          imageShape: [H, H],
          decoderHidden: [16, 16],
          coordinateFeatures: "linear",
          skip: true,
          seed: 2,
        }),
    ],
    [
      "rVAE with a z network (latentHidden)",
      () => new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], latentHidden: [8], latentGain: 2, seed: 4 }),
    ],
    ["plain VAE", () => new VAE({ imageShape: [H, H], encoderHidden: [32], decoderHidden: [32], seed: 3 })],
  ];
  for (const [name, make] of kinds) {
    it(`${name}: same reconstructions and other latents, z standardised, KL of z lower`, async () => {
      const model = make();
      await train(model, images, { epochs: 2, batchSize: 32, learningRate: 3e-3, seed: 1, progress: false });
      const rec0 = model.reconstruct(images);
      const enc0 = model.encode(images);
      const t0 = terms(model, images);
      const m0 = moments(model, images);
      const st = standardizeLatent(model, images);
      // the shift and scale are the aggregated posterior's mean and spread before
      st.shift.forEach((m, j) => assert.ok(Math.abs(m - m0.mean[j]) < 1e-4));
      st.scale.forEach((s, j) => assert.ok(Math.abs(s * s - m0.second[j]) < 1e-3 * m0.second[j]));
      const rec1 = model.reconstruct(images);
      let maxd = 0;
      for (let i = 0; i < rec0.data.length; i++) maxd = Math.max(maxd, Math.abs(rec0.data[i] - rec1.data[i]));
      assert.ok(maxd < 1e-4, `reconstructions moved by ${maxd}`);
      const enc1 = model.encode(images);
      if (enc0.angle) {
        for (let i = 0; i < enc0.n; i++) assert.ok(Math.abs(enc0.angle[i] - enc1.angle![i]) < 1e-4);
      }
      const m1 = moments(model, images);
      m1.mean.forEach((m) => assert.ok(Math.abs(m) < 1e-4, `mean ${m}`));
      m1.second.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-3, `second moment ${v}`));
      const t1 = terms(model, images);
      // the same noise gives the same decoded samples: the reconstruction term does not change, the KL falls
      assert.ok(Math.abs(t1.recon - t0.recon) < 1e-3 * Math.abs(t0.recon), `recon ${t0.recon} → ${t1.recon}`);
      assert.ok(t1.klZ <= t0.klZ + 1e-4, `KL z ${t0.klZ} → ${t1.klZ}`);
      assert.ok(Math.abs(st.klBefore - t0.klZ) < 1e-3 && Math.abs(st.klAfter - t1.klZ) < 1e-3);
      // a second call finds nothing to move
      const again = standardizeLatent(model, images);
      again.shift.forEach((m) => assert.ok(Math.abs(m) < 1e-4));
      again.scale.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-3));
      model.dispose();
    });
  }

  it("train({ standardizeLatent: true }) applies it after the last epoch and reports it", async () => {
    const model = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: 4 });
    const h = await train(model, images, {
      epochs: 2,
      batchSize: 32,
      learningRate: 3e-3,
      seed: 1,
      progress: false,
      standardizeLatent: true,
    });
    const st = h.latentStandardization!;
    assert.ok(st && st.klAfter <= st.klBefore);
    const m = moments(model, images);
    m.mean.forEach((v) => assert.ok(Math.abs(v) < 1e-4));
    m.second.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-3));
    const plain = await train(new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: 4 }), images, {
      epochs: 1,
      batchSize: 32,
      seed: 1,
      progress: false,
    });
    assert.equal(plain.latentStandardization, undefined);
    model.dispose();
  });

  it("refuses a single image", () => {
    const model = new RVAE({ imageShape: [H, H], decoderHidden: [16, 16], seed: 5 });
    assert.throws(() => standardizeLatent(model, selectImages(images, [0])), IvaeInputError);
    model.dispose();
  });
});
