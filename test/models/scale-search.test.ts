import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { cards } from "../../src/data";
import { loadModel, RVAE, ShiftVAE, train } from "../../src/index";
import { centroids } from "../../src/models/pose-encoder";
import { logGyrationRadii, ScaleSearch, scaledNormalisedImages } from "../../src/models/parts/scale-search";
import { ParamStore } from "../../src/models/params";
import { useBackend } from "./setup";
import { maxAbsDiff, renderShapes } from "./helpers";

const SIDE = 24;
const rms = (u: ArrayLike<number>, v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] - v[i]) ** 2;
  return Math.sqrt(s / u.length);
};
/** The four suits' exact glyphs at 24 px, `k` times the "ivae" style's size, turned by `angle`. */
const glyphsAt = (k: number, angle = 0) => cards.glyphs({ size: SIDE, scale: 0.45 * k, angle });

describe('models: the scale-equivariant scale encoder (scaleEncoder: "equivariant")', () => {
  before(useBackend);

  it("measures a glyph drawn 1.2 times larger with a radius of gyration 1.2 times larger (each suit)", () => {
    const a = glyphsAt(1),
      b = glyphsAt(1.2);
    const la = logGyrationRadii(a.data, 4, SIDE, SIDE, centroids(a.data, 4, SIDE, SIDE));
    const lb = logGyrationRadii(b.data, 4, SIDE, SIDE, centroids(b.data, 4, SIDE, SIDE));
    for (let k = 0; k < 4; k++)
      assert.ok(Math.abs(lb[k] - la[k] - Math.log(1.2)) < 0.01, `suit ${k}: log ratio ${lb[k] - la[k]}`);
    // the suits differ in r_g at one scale (what the MLP's correction has to take out): hearts > diamonds
    assert.ok(la[2] - la[3] > 0.3, `hearts vs diamonds: ${la[2] - la[3]}`);
    const blank = logGyrationRadii(new Float32Array(SIDE * SIDE), 1, SIDE, SIDE, Float64Array.of(11.5, 11.5));
    assert.ok(Number.isNaN(blank[0]), "a blank image has no radius of gyration");
  });

  it("de-scales: a glyph 1.2 times larger, resampled at 1.2, is the glyph at 1 (each channel)", () => {
    const a = glyphsAt(1, 0.5),
      b = glyphsAt(1.2, 0.5);
    const ca = centroids(a.data, 4, SIDE, SIDE),
      cb = centroids(b.data, 4, SIDE, SIDE);
    const ones = new Float32Array(4).fill(1);
    const ref = scaledNormalisedImages(a.data, 4, 1, SIDE, SIDE, ca, null, ones);
    const back = scaledNormalisedImages(b.data, 4, 1, SIDE, SIDE, cb, null, new Float32Array(4).fill(1.2));
    const asIs = scaledNormalisedImages(b.data, 4, 1, SIDE, SIDE, cb, null, ones);
    assert.ok(rms(back, ref) < 0.03 && rms(asIs, ref) > 0.12, `rms ${rms(back, ref)} (de-scaled), ${rms(asIs, ref)}`);
    // two channels (the second inverted): each plane resampled with the image's centre and scale
    const two = new Float32Array(2 * b.data.length);
    for (let i = 0; i < 4; i++) {
      const P = SIDE * SIDE;
      two.set(b.data.subarray(i * P, (i + 1) * P), 2 * i * P);
      two.set(
        b.data.subarray(i * P, (i + 1) * P).map((v) => 1 - v),
        (2 * i + 1) * P,
      );
    }
    const both = scaledNormalisedImages(two, 4, 2, SIDE, SIDE, cb, null, new Float32Array(4).fill(1.2));
    assert.ok(maxAbsDiff(both.subarray(0, SIDE * SIDE), back.subarray(0, SIDE * SIDE)) < 1e-6);
  });

  for (const kind of ["RVAE", "ShiftVAE"] as const) {
    it(`${kind}: s of a glyph 1.2 times larger is 1.2 times s, z unchanged, before any training`, () => {
      const o = { imageShape: [SIDE, SIDE] as [number, number], scale: true, seed: 3 };
      const make = (extra: object) =>
        kind === "RVAE" ? new RVAE({ ...o, ...extra }) : new ShiftVAE({ ...o, ...extra });
      const m = make({ scaleEncoder: "equivariant" }),
        plain = make({});
      // turned and shifted: the scale search works around the centroid, after the pose
      const a = glyphsAt(1, 0.7),
        b = glyphsAt(1.2, 0.7);
      const ea = m.encode(a),
        eb = m.encode(b);
      for (let k = 0; k < 4; k++) {
        const ratio = eb.scale![k] / ea.scale![k];
        assert.ok(Math.abs(ratio - 1.2) < 0.03, `suit ${k}: s ratio ${ratio}`);
      }
      assert.ok(maxAbsDiff(ea.zMean, eb.zMean) < 0.15, `z moved by ${maxAbsDiff(ea.zMean, eb.zMean)}`);
      // the MLP alone, untrained, does not do this: the ratio is what the construction gives
      const pa = plain.encode(a).scale!,
        pb = plain.encode(b).scale!;
      assert.ok(
        [0, 1, 2, 3].some((k) => Math.abs(pb[k] / pa[k] - 1.2) > 0.05),
        "the MLP's ratios were all 1.2",
      );
      // a seed gives the other weights as without the option; only scale.logRef is added
      const extra = m.params.names.filter((n) => !plain.params.names.includes(n));
      assert.deepEqual(extra, ["scale.logRef"]);
      assert.deepEqual(
        Array.from(m.params.get("encoder.0.W").dataSync()),
        Array.from(plain.params.get("encoder.0.W").dataSync()),
      );
      m.dispose();
      plain.dispose();
    });
  }

  it("keeps the MLP's correction within a factor e of the coarse scale (and follows it inside)", () => {
    const params = new ParamStore();
    const search = new ScaleSearch(params, SIDE, SIDE, 0.1);
    const c = {
      scale: Float32Array.of(1.2, 1.2, 0.8),
      ref: search.coarse(new Float32Array(1)).ref,
      logRg: new Float32Array(3),
    };
    const q = { mean: tf.tensor2d([[2], [1000], [-1000]]), logVar: tf.zeros([3, 1]) as tf.Tensor2D };
    const u = search.posterior(q, c).mean.dataSync();
    const s = Array.from(u, (v) => 1 + 0.1 * v);
    assert.ok(Math.abs(s[0] - 1.2 * Math.exp(0.2)) < 1e-4, `s ${s[0]}`);
    assert.ok(Math.abs(s[1] - 1.2 * Math.E) < 1e-3 && Math.abs(s[2] - 0.8 / Math.E) < 1e-4, `s ${s}`);
    params.dispose();
    q.mean.dispose();
    q.logVar.dispose();
  });

  it("stores scaleEncoder only when set, refuses it where it cannot work, and saves and loads it", async () => {
    const o = { imageShape: [12, 12] as [number, number], scale: true, encoderHidden: [8], decoderHidden: [8, 8] };
    assert.equal(new ShiftVAE(o).config.scaleEncoder, undefined);
    assert.equal(new ShiftVAE({ ...o, scaleEncoder: "mlp" }).config.scaleEncoder, undefined);
    assert.throws(() => new ShiftVAE({ ...o, scale: false, scaleEncoder: "equivariant" }), /needs scale: true/);
    assert.throws(() => new RVAE({ ...o, poseEncoder: "mlp", scaleEncoder: "equivariant" }), /poseEncoder/);
    assert.throws(
      () => new ShiftVAE({ ...o, offsetEncoder: "equivariant", offsetSearchRadius: 2, scaleEncoder: "equivariant" }),
      /offsetEncoder "mlp"/,
    );
    assert.throws(() => new ShiftVAE({ ...o, scaleEncoder: "log" as "mlp" }), /scaleEncoder must be/);
    const imgs = renderShapes(6, 12, { seed: 4, maxShift: 1, sizes: [0.8, 1.2] }).images;
    const m = new RVAE({ ...o, scaleEncoder: "equivariant", seed: 2 });
    await train(m, imgs, { epochs: 1, batchSize: 3, progress: false });
    const l = await loadModel(m.toArtifacts());
    assert.equal(l.config.scaleEncoder, "equivariant");
    assert.deepEqual(Array.from(l.encode(imgs).scale!), Array.from(m.encode(imgs).scale!));
    m.dispose();
    l.dispose();
  });
});
