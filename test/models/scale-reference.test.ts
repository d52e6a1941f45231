import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { loadModel, RVAE, ShiftVAE, train } from "../../src/index";
import { ParamStore } from "../../src/models/params";
import type { Posterior } from "../../src/models/parts/latents";
import { scaleBalanceTerm } from "../../src/models/parts/scale-balance";
import { ContentReference } from "../../src/models/parts/scale-reference";
import { neighbourMeans, ScaleSearch } from "../../src/models/parts/scale-search";
import { Random } from "../../src/util/random";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

/** 4 clusters of z (2-D, centres 3 apart), n each; log r_g = the cluster's reference + log of a scale U(0.8, 1.2). */
function clusters(n: number, seed: number) {
  const rng = new Random(seed);
  const refs = [1.35, 1.19, 1.35, 0.92]; // log r_g at scale 1: spades, hearts, clubs, diamonds at 24 px
  const z: number[] = [],
    logRg: number[] = [],
    scale: number[] = [];
  for (let k = 0; k < 4; k++)
    for (let i = 0; i < n; i++) {
      z.push(3 * (k % 2) + 0.3 * rng.normal(), 3 * Math.floor(k / 2) + 0.3 * rng.normal());
      scale.push(rng.uniform(0.8, 1.2));
      logRg.push(refs[k] + Math.log(scale[scale.length - 1]));
    }
  return { z: Float32Array.from(z), logRg: Float32Array.from(logRg), scale };
}

/** The posterior of a batch with the MLP's scale column a = 0, after the search attached its scale. */
function attached(search: ScaleSearch, z: Float32Array, logRg: Float32Array): Posterior {
  const B = logRg.length;
  const out: Posterior = {
    z: { mean: tf.tensor2d(z, [B, 2]), logVar: tf.zeros([B, 2]) },
    scale: { mean: tf.zeros([B, 1]), logVar: tf.zeros([B, 1]) },
  };
  search.attach(out, search.coarse(logRg));
  return out;
}

describe('models: the content reference of the scale search (scaleReference: "content")', () => {
  before(useBackend);

  it("fits r_ref(z) by least squares: in each class log s is log(true scale) plus ≈ 0, as the data define it", () => {
    const params = new ParamStore();
    const search = new ScaleSearch(params, 24, 24, 0.1, (p) => new ContentReference(p, 2, 1));
    /** per class: mean and sd of log s − log(true scale) (the MLP's column a = 0, so log s = log ŝ) */
    const deviation = (d: ReturnType<typeof clusters>, n: number) => {
      const s = tf.tidy(() => attached(search, d.z, d.logRg).scale.mean);
      const dev = Array.from(s.dataSync(), (u, i) => Math.log(1 + 0.1 * u) - Math.log(d.scale[i]));
      s.dispose();
      return [0, 1, 2, 3].map((k) => {
        const v = dev.slice(n * k, n * (k + 1));
        const m = v.reduce((a, x) => a + x, 0) / n;
        return { mean: m, sd: Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / n) };
      });
    };
    const test = clusters(64, 3);
    const before = deviation(test, 64).map((c) => c.mean);
    // one global r_ref: the classes' means differ as their r_g do (diamonds 0.43 below hearts and spades)
    assert.ok(Math.max(...before) - Math.min(...before) > 0.35, `before the fit: ${before}`);
    // minibatches of 32 from 4 × 256 images, Adam at 0.01, as training would
    const data = clusters(256, 2);
    const rng = new Random(9);
    const opt = tf.train.adam(0.01);
    for (let step = 0; step < 400; step++) {
      const idx = Array.from({ length: 32 }, () => rng.int(1024));
      const z = Float32Array.from(idx.flatMap((i) => [data.z[2 * i], data.z[2 * i + 1]]));
      const logRg = Float32Array.from(idx, (i) => data.logRg[i]);
      tf.tidy(() => {
        const loss = () => tf.mean(tf.square(attached(search, z, logRg).scaleFit.mean)) as tf.Scalar;
        opt.minimize(loss, false, params.vars);
      });
    }
    // held-out images: each class's s centred on its true scale (sd of log scale 0.116), s following it within
    for (const [k, c] of deviation(test, 64).entries()) {
      assert.ok(Math.abs(c.mean) < 0.04, `class ${k}: mean log s − log scale ${c.mean}`);
      assert.ok(c.sd < 0.04, `class ${k}: sd of log s − log scale ${c.sd}`);
    }
    opt.dispose();
    params.dispose();
  });

  it("lets no gradient of the scale reach the reference, nor the fit's reach z", () => {
    const params = new ParamStore();
    const search = new ScaleSearch(params, 24, 24, 0.1, (p) => new ContentReference(p, 2, 1));
    const data = clusters(4, 5);
    const z = tf.variable(tf.tensor2d(data.z, [16, 2])) as unknown as tf.Tensor2D & tf.Variable;
    const q = tf.variable(tf.zeros([16, 1])) as unknown as tf.Tensor2D & tf.Variable;
    const run = (pick: (p: Posterior) => tf.Tensor) => () => {
      const out: Posterior = {
        z: { mean: z, logVar: tf.zeros([16, 2]) },
        scale: { mean: q, logVar: tf.zeros([16, 1]) },
      };
      search.attach(out, search.coarse(data.logRg));
      return tf.sum(pick(out)) as tf.Scalar;
    };
    const ref = params.vars.filter((_, i) => params.names[i].startsWith("scale."));
    // the scale's mean: a gradient to the MLP's column, none to the reference's weights
    const g1 = tf.variableGrads(
      run((p) => p.scale.mean),
      [q, ...ref],
    );
    assert.ok(g1.grads[q.name] && g1.grads[q.name].abs().max().dataSync()[0] > 0.5);
    for (const v of ref) assert.equal(g1.grads[v.name], undefined, `${v.name} got the ELBO's gradient`);
    // the fit: gradients to the reference (W2 starts at 0, so W2 and logRef move first), none to z
    const g2 = tf.variableGrads(
      run((p) => tf.square(p.scaleFit.mean)),
      [z, ...ref],
    );
    assert.equal(g2.grads[z.name], undefined, "the fit reached z");
    assert.ok(g2.grads[params.get("scale.ref.W2").name].abs().max().dataSync()[0] > 0);
    tf.dispose([z, q, ...Object.values(g1.grads), ...Object.values(g2.grads), g1.value, g2.value]);
    params.dispose();
  });

  it("debiased balance term: ≈ 0 where z says nothing of u (the first form rewards that), no gradient to z", () => {
    const rng = new Random(7);
    let plain = 0,
      fixed = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      const B = 32;
      const z = tf.tensor2d(
        Float32Array.from({ length: 2 * B }, () => rng.normal()),
        [B, 2],
      );
      const u = tf.tensor2d(
        Float32Array.from({ length: B }, () => 1.5 * rng.normal()),
        [B, 1],
      );
      const post = {
        z: { mean: z, logVar: tf.zerosLike(z) },
        scale: { mean: u, logVar: tf.zerosLike(u) },
      } as Posterior;
      const a = scaleBalanceTerm(post),
        b = scaleBalanceTerm(post, true);
      plain += a.dataSync()[0] / runs;
      fixed += b.dataSync()[0] / runs;
      tf.dispose([a, b, z, u, post.z.logVar, post.scale.logVar]);
    }
    // var(u²) = 2·1.5⁴ ≈ 10: the first form's expectation is about −10/32
    assert.ok(plain < -0.2, `first form on an uninformative z: ${plain}`);
    assert.ok(Math.abs(fixed) < 0.1, `debiased: ${fixed}`);
    const z = tf.variable(tf.tensor2d([0, 0, 3, 3, 0, 0.2, 3, 3.1], [4, 2])) as unknown as tf.Tensor2D & tf.Variable;
    const u = tf.variable(tf.tensor2d([1, -1, 1, -1], [4, 1])) as unknown as tf.Tensor2D & tf.Variable;
    const g = tf.variableGrads(
      () =>
        scaleBalanceTerm(
          { z: { mean: z, logVar: tf.zerosLike(z) }, scale: { mean: u, logVar: tf.zerosLike(u) } },
          true,
        ),
      [z, u],
    );
    assert.equal(g.grads[z.name], undefined, "the debiased term moved z");
    assert.ok(g.grads[u.name].abs().max().dataSync()[0] > 0);
    tf.dispose([z, u, g.value, ...Object.values(g.grads)]);
  });

  it("is stored only when set, refused where it cannot work, adds scaleFit, and saves and loads", async () => {
    const o = { imageShape: [12, 12] as [number, number], scale: true, encoderHidden: [8], decoderHidden: [8, 8] };
    const eq = { ...o, scaleEncoder: "equivariant" as const };
    assert.equal(new ShiftVAE(eq).config.scaleReference, undefined);
    assert.equal(new ShiftVAE({ ...eq, scaleReference: "global" }).config.scaleReference, undefined);
    assert.equal(new ShiftVAE({ ...eq, scaleBalance: 2 }).config.scaleBalanceDebiased, undefined);
    assert.throws(() => new ShiftVAE({ ...o, scaleReference: "content" }), /needs scaleEncoder "equivariant"/);
    assert.throws(() => new ShiftVAE({ ...eq, scaleReference: "z" as "content" }), /scaleReference must be/);
    assert.throws(() => new ShiftVAE({ ...eq, scaleBalanceDebiased: true }), /needs scaleBalance > 0/);
    const plain = new RVAE({ ...eq, seed: 2 });
    const m = new RVAE({ ...eq, seed: 2, scaleReference: "content", scaleBalance: 2, scaleBalanceDebiased: true });
    // a seed gives the other weights as without the option; the reference's weights are added after scale.logRef
    assert.deepEqual(
      m.params.names.filter((n) => !plain.params.names.includes(n)),
      ["scale.ref.W1", "scale.ref.b1", "scale.ref.W2"],
    );
    assert.deepEqual(
      Array.from(m.params.get("decoder.out.W").dataSync()),
      Array.from(plain.params.get("decoder.out.W").dataSync()),
    );
    const imgs = renderShapes(6, 12, { seed: 4, maxShift: 1, sizes: [0.8, 1.2] }).images;
    // W2 starts at 0: before training the content reference is the global one
    assert.deepEqual(Array.from(m.encode(imgs).scale!), Array.from(plain.encode(imgs).scale!));
    const h = await train(m, imgs, { epochs: 2, batchSize: 3, progress: false, seed: 1 });
    assert.ok(Object.keys(h.terms).includes("scaleFit") && Object.keys(h.terms).includes("scaleBalance"));
    assert.ok(
      Array.from(m.params.get("scale.ref.W2").dataSync()).some((v) => v !== 0),
      "the fit did not train",
    );
    const l = await loadModel(m.toArtifacts());
    assert.equal(l.config.scaleReference, "content");
    assert.equal(l.config.scaleBalanceDebiased, true);
    assert.deepEqual(Array.from(l.encode(imgs).scale!), Array.from(m.encode(imgs).scale!));
    for (const x of [plain, m, l]) x.dispose();
  });

  it("scaleCorrection: false takes s from the coarse scale alone (the MLP's head does not move it)", () => {
    const o = { imageShape: [12, 12] as [number, number], scale: true, encoderHidden: [8], decoderHidden: [8, 8] };
    const eq = { ...o, scaleEncoder: "equivariant" as const, scaleReference: "content" as const, seed: 1 };
    assert.throws(() => new ShiftVAE({ ...o, scaleCorrection: false }), /false needs scaleEncoder "equivariant"/);
    assert.equal(new ShiftVAE(eq).config.scaleCorrection, undefined);
    const imgs = renderShapes(6, 12, { seed: 4, maxShift: 1, sizes: [0.8, 1.2] }).images;
    for (const correction of [true, false]) {
      const m = new ShiftVAE({ ...eq, scaleCorrection: correction });
      const before = m.encode(imgs).scale!;
      const head = m.getWeights();
      const rng = new Random(3);
      head.set(
        "encoder.head.W",
        head.get("encoder.head.W")!.map(() => rng.normal()),
      );
      m.setWeights(head);
      const moved = maxDiff(before, m.encode(imgs).scale!);
      if (correction) assert.ok(moved > 0.01, `the correction did not move s: ${moved}`);
      else assert.ok(moved < 1e-6 && m.config.scaleCorrection === false, `s moved by ${moved}`);
      m.dispose();
    }
  });
  it("scaleCorrectionMax bounds the MLP's correction of the coarse scale (checked, stored only when set)", () => {
    const o = { imageShape: [12, 12] as [number, number], scale: true, encoderHidden: [8], decoderHidden: [8, 8] };
    const eq = { ...o, scaleEncoder: "equivariant" as const, scaleReference: "content" as const, seed: 1 };
    for (const bad of [0, -0.1, 1.5, Number.NaN])
      assert.throws(() => new ShiftVAE({ ...eq, scaleCorrectionMax: bad }), /scaleCorrectionMax must be a number/);
    assert.throws(() => new ShiftVAE({ ...o, scaleCorrectionMax: 0.1 }), /scaleCorrectionMax/);
    assert.throws(() => new ShiftVAE({ ...eq, scaleCorrection: false, scaleCorrectionMax: 0.1 }), /correction on/);
    assert.equal(new ShiftVAE(eq).config.scaleCorrectionMax, undefined);
    const imgs = renderShapes(6, 12, { seed: 4, maxShift: 1, sizes: [0.8, 1.2] }).images;
    const coarse = new ShiftVAE({ ...eq, scaleCorrection: false });
    const s0 = coarse.encode(imgs).scale!;
    const largest = (max?: number) => {
      const m = new ShiftVAE({ ...eq, ...(max === undefined ? {} : { scaleCorrectionMax: max }) });
      if (max !== undefined) assert.equal(m.config.scaleCorrectionMax, max);
      const head = m.getWeights();
      const rng = new Random(3);
      head.set(
        "encoder.head.W",
        head.get("encoder.head.W")!.map(() => 50 * rng.normal()),
      );
      m.setWeights(head);
      const s = m.encode(imgs).scale!;
      m.dispose();
      return Math.max(...Array.from(s, (v, i) => Math.abs(Math.log(v / s0[i]))));
    };
    const bounded = largest(0.1);
    const clipped = largest();
    assert.ok(bounded <= 0.1 + 1e-5 && bounded > 0.05, `bounded correction ${bounded}`);
    assert.ok(clipped > 0.3, `the default correction reached only ${clipped}`);
    coarse.dispose();
  });
  it("scaleReferenceNeighbours: the fit's target is the mean log r_g around each z (checked, stored when set)", () => {
    // two tight clusters of z; inside each, log r_g varies with a size that z also holds (along z1)
    const z = Float32Array.of(0, 0, 0.01, 0, 0.02, 0, 5, 5, 5.01, 5, 5.02, 5, 5.01, 5.01);
    const logRg = Float32Array.of(1.0, 1.2, 1.4, 2.0, 2.2, 2.4, Number.NaN);
    const shift = neighbourMeans(z, logRg, 7, 2);
    const target = Array.from(logRg, (v, i) => v + shift[i]);
    // each image's target is (about) its cluster's mean, the blank image's shift is 0 and it is left out of the means
    for (const i of [0, 1, 2]) assert.ok(Math.abs(target[i] - 1.2) < 0.05, `cluster 1, image ${i}: ${target[i]}`);
    for (const i of [3, 4, 5]) assert.ok(Math.abs(target[i] - 2.2) < 0.05, `cluster 2, image ${i}: ${target[i]}`);
    assert.equal(shift[6], 0);
    const o = { imageShape: [12, 12] as [number, number], scale: true, encoderHidden: [8], decoderHidden: [8, 8] };
    const eq = { ...o, scaleEncoder: "equivariant" as const, seed: 1 };
    assert.throws(() => new ShiftVAE({ ...eq, scaleReferenceNeighbours: 4 }), /needs scaleReference "content"/);
    const content = { ...eq, scaleReference: "content" as const };
    assert.throws(() => new ShiftVAE({ ...content, scaleReferenceNeighbours: 0 }), /integer >= 1/);
    assert.equal(new ShiftVAE(content).config.scaleReferenceNeighbours, undefined);
    const m = new ShiftVAE({ ...content, scaleReferenceNeighbours: 4 });
    assert.equal(m.config.scaleReferenceNeighbours, 4);
    m.dispose();
  });
});
