import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { loadModel, RVAE, ShiftVAE, train } from "../../src/index";
import { scaleBalanceTerm } from "../../src/models/parts/scale-balance";
import { Random } from "../../src/util/random";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

/** A batch of `n` images in each of 4 clusters of z (2-D, cluster centres 3 apart) with u = offset[k] + spread·ε. */
function batch(offsets: number[], spread: number, n = 8, seed = 1) {
  const rng = new Random(seed);
  const z: number[] = [],
    u: number[] = [];
  offsets.forEach((off, k) =>
    Array.from({ length: n }, () => {
      z.push(3 * (k % 2) + 0.3 * rng.normal(), 3 * Math.floor(k / 2) + 0.3 * rng.normal());
      u.push(off + spread * rng.normal());
    }),
  );
  const B = u.length;
  const post = (zz: tf.Tensor2D, uu: tf.Tensor2D) => ({
    z: { mean: zz, logVar: tf.zerosLike(zz) as tf.Tensor2D },
    scale: { mean: uu, logVar: tf.zerosLike(uu) as tf.Tensor2D },
  });
  return { z: tf.tensor2d(z, [B, 2]), u: tf.tensor2d(u, [B, 1]), post };
}

describe("models: scale balance term (E[E[u | z]²] and the same for u², over a batch)", () => {
  before(useBackend);

  it("estimates the squared mean u and u² of each cluster, leaving each image out of its own mean", () => {
    /** the term and the same U-statistic with the clusters known: mean over i of u_i · (mean u of i's cluster,
     *  i out) */
    const value = (offsets: number[], spread: number, n: number) => {
      const b = batch(offsets, spread, n);
      const v = scaleBalanceTerm(b.post(b.z, b.u));
      const out = v.dataSync()[0];
      const u = Array.from(b.u.dataSync());
      const m2 = u.reduce((a, x) => a + x * x, 0) / u.length;
      let known = 0;
      // φ = u and u² about its batch mean
      for (const phi of [u, u.map((x) => x * x - m2)])
        for (let k = 0; k < 4; k++) {
          const g = phi.slice(n * k, n * (k + 1));
          const sum = g.reduce((a, x) => a + x, 0);
          known += g.reduce((a, x) => a + (x * (sum - x)) / (n - 1), 0) / (4 * n);
        }
      tf.dispose([v, b.z, b.u]);
      return [out, known];
    };
    // offsets ±0.8 (the rVAE's hearts/diamonds at σ_s 0.1) with a within-cluster spread 1: E[u|z]² = 0.64
    // (with 8 a cluster the kernel also weighs the other clusters a little: a looser bound)
    for (const [n, tol] of [
      [8, 0.2],
      [64, 0.05],
    ]) {
      const [v, known] = value([0.8, -0.8, 0.8, -0.8], 1, n);
      assert.ok(Math.abs(v - known) < tol, `n ${n}: term ${v}, known clusters ${known}`);
    }
    const [big] = value([0.8, -0.8, 0.8, -0.8], 1, 64);
    assert.ok(Math.abs(big - 0.64) < 0.15, `offsets ±0.8, 64 a cluster: ${big}`);
    // spread and no offset: ≈ 0 (a squared local mean with u_i in it would give about 1/(k + 1) = 0.2)
    const [none] = value([0, 0, 0, 0], 1, 64);
    assert.ok(Math.abs(none) < 0.05, `no offsets: ${none}`);
    // equal means, spreads 0.5 and 1.5: E[u² | z] is 0.25 or 2.25 about the mean 1.25, so the term is ≈ 1
    const spreads = batch([0, 0, 0, 0], 1, 64);
    const su = spreads.u.dataSync();
    for (let i = 0; i < su.length; i++) su[i] *= Math.floor(i / 64) % 2 === 0 ? 0.5 : 1.5;
    const uneven = scaleBalanceTerm(spreads.post(spreads.z, tf.tensor2d(su, [su.length, 1])));
    const v = uneven.dataSync()[0];
    assert.ok(v > 0.6 && v < 1.5, `equal means, spreads 0.5 and 1.5: ${v}`);
    tf.dispose([uneven, spreads.z, spreads.u]);
    const [exact] = value([1, -1, 1, -1], 0, 8);
    assert.ok(exact > 0.95 && exact <= 1 + 1e-6, `offsets ±1, no spread: ${exact}`);
  });

  it("pushes each cluster's u towards the mean 0 (gradient sign) and moves z", () => {
    const b = batch([1, -1, 0.5, -0.5], 0.3);
    const g = tf.grads((zz: tf.Tensor, uu: tf.Tensor) =>
      scaleBalanceTerm(b.post(zz as tf.Tensor2D, uu as tf.Tensor2D)),
    );
    const [gz, gu] = g([b.z, b.u]);
    const du = gu.dataSync();
    for (let k = 0; k < 4; k++) {
      const sum = Array.from(du.subarray(8 * k, 8 * k + 8)).reduce((a, v) => a + v, 0);
      assert.ok(Math.sign(sum) === Math.sign([1, -1, 0.5, -0.5][k]), `cluster ${k}: Σ ∂/∂u = ${sum}`);
    }
    assert.ok(
      gz.dataSync().some((v) => Math.abs(v) > 1e-6),
      "the kernel weights should pass a gradient to z",
    );
    tf.dispose([gz, gu, b.z, b.u]);
  });

  it("is an option stored only when set, refused without a scale latent, and a named loss term", async () => {
    const o = { imageShape: [10, 10] as [number, number], encoderHidden: [8], decoderHidden: [8, 8] };
    assert.equal(new ShiftVAE({ ...o, scale: true }).config.scaleBalance, undefined);
    assert.throws(() => new ShiftVAE({ ...o, scaleBalance: 5 }), /scaleBalance .* needs scale: true/);
    assert.throws(() => new ShiftVAE({ ...o, scale: true, scaleBalance: -1 }), /scaleBalance/);
    assert.throws(
      () => new RVAE({ ...o, scale: true, scaleBalance: 5, frameCandidates: 2, framePosterior: true }),
      /without framePosterior/,
    );
    const m = new ShiftVAE({ ...o, scale: true, scaleBalance: 5, seed: 3 });
    const imgs = renderShapes(16, 10, { seed: 2 }).images;
    const h = await train(m, imgs, { epochs: 1, batchSize: 8, progress: false, seed: 1 });
    assert.deepEqual(Object.keys(h.terms), ["reconstruction", "klZ", "klOffset", "klScale", "scaleBalance"]);
    const l = await loadModel(m.toArtifacts());
    assert.equal(l.config.scaleBalance, 5);
    assert.deepEqual(Array.from(l.encode(imgs).scale!), Array.from(m.encode(imgs).scale!));
    m.dispose();
    l.dispose();
  });
});
