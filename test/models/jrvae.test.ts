import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { bestMatchAccuracy, ImageStack, JRVAE, loadModel, train, VAE } from "../../src/index";
import { gumbelLatent } from "../../src/models/parts/latents";
import { useBackend } from "./setup";
import { maxAbsDiff, renderShapes } from "./helpers";

/** n images: even ones the L glyph (turned ±90°), odd ones a ring (class 1): no pose turns one into the other. */
function lOrRing(n: number, H: number, seed: number): { images: ImageStack; truth: Int32Array } {
  const d = renderShapes(n, H, { seed });
  const data = d.images.data.slice();
  const truth = Int32Array.from({ length: n }, (_, k) => k % 2);
  for (let k = 1; k < n; k += 2)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) {
        const r = Math.hypot(-1 + (2 * j) / (H - 1), 1 - (2 * i) / (H - 1));
        data[(k * H + i) * H + j] = 1 / (1 + Math.exp(-(0.15 - Math.abs(r - 0.45)) / 0.06));
      }
  return { images: { data, n, height: H, width: H }, truth };
}

const H = 10;
const small = (o: Partial<ConstructorParameters<typeof JRVAE>[0]> = {}) =>
  new JRVAE({
    imageShape: [H, H],
    classes: 3,
    encoderHidden: [16],
    decoderHidden: [8, 8],
    rotationSteps: 16,
    seed: 2,
    ...o,
  });

describe("models: jrVAE (joint continuous + discrete latents, issue 12)", () => {
  before(useBackend);

  it("samples the discrete latent by Gumbel-softmax: argmax frequencies follow the class probabilities", () => {
    const spec = gumbelLatent("class", 2, "klClass", 0.67);
    const n = 20000;
    const q = {
      mean: tf.tile(tf.tensor2d([[Math.log(0.8), Math.log(0.2)]]), [n, 1]) as tf.Tensor2D,
      logVar: tf.zeros([n, 2]) as tf.Tensor2D,
    };
    const y = spec.sample!(q, tf.randomNormal([n, 2], 0, 1, "float32", 7) as tf.Tensor2D);
    const v = y.arraySync() as number[][];
    const first = v.filter((r) => r[0] > r[1]).length / n;
    assert.ok(Math.abs(first - 0.8) < 0.015, `argmax = 0 in ${first} of the samples, expected 0.8`);
    assert.ok(v.every((r) => Math.abs(r[0] + r[1] - 1) < 1e-5));
    // KL to the uniform prior: log 2 − H(0.8, 0.2)
    const kl = spec.kl(q).dataSync()[0];
    assert.ok(Math.abs(kl - (Math.log(2) + 0.8 * Math.log(0.8) + 0.2 * Math.log(0.2))) < 1e-5);
  });

  it("names its terms, and anneals the capacities: recon + β(γ|KL_cont − C_z| + γ|KL_class − C_c|)", () => {
    const m = small();
    const x = tf.tensor2d(renderShapes(6, H, { seed: 4 }).images.data, [6, H * H]);
    for (const epoch of [1, 11, 40]) {
      const t = m.lossTerms(x, null, { seed: 3, beta: 0.5, epoch });
      assert.deepEqual(Object.keys(t.terms), ["reconstruction", "klZ", "klAngle", "klOffset", "klClass", "klBalance"]);
      const v = Object.fromEntries(Object.entries(t.terms).map(([k, s]) => [k, s.dataSync()[0]]));
      const f = Math.min(1, (epoch - 1) / 25);
      const want =
        v.reconstruction +
        0.5 *
          (30 * Math.abs(v.klZ + v.klAngle + v.klOffset - 5 * f) +
            30 * Math.abs(v.klClass - Math.log(3) * f) +
            60 * v.klBalance); // default balance weight 2γ
      assert.ok(
        Math.abs(t.loss.dataSync()[0] - want) < 1e-3 * Math.abs(want),
        `epoch ${epoch}: ${t.loss.dataSync()[0]} vs ${want}`,
      );
    }
    m.dispose();
  });

  it("adds the batch balance term KL(q̄ ‖ uniform) with its weight (0 turns it off)", () => {
    const x = tf.tensor2d(renderShapes(6, H, { seed: 4 }).images.data, [6, H * H]);
    const plain = small({ classBalance: 0 }),
      bal = small({ classBalance: 2 });
    const a = plain.lossTerms(x, null, { seed: 3, beta: 0.5, epoch: 5 }),
      b = bal.lossTerms(x, null, { seed: 3, beta: 0.5, epoch: 5 });
    assert.equal(a.terms.klBalance, undefined);
    const kb = b.terms.klBalance.dataSync()[0];
    assert.ok(kb >= 0 && kb <= Math.log(3), `klBalance ${kb}`);
    const diff = b.loss.dataSync()[0] - a.loss.dataSync()[0];
    assert.ok(Math.abs(diff - 0.5 * 2 * kb) < 1e-3, `loss difference ${diff}, expected ${kb}`);
    assert.throws(() => small({ classBalance: -1 }), /classBalance must be >= 0/);
    assert.equal(small({ discreteCapacity: { gamma: 10 } }).config.classBalance, 20);
    plain.dispose();
    bal.dispose();
  });

  it("separates two shapes by its discrete latent alone (no k-means), on new images", async function () {
    this.timeout(120000);
    const S = 12;
    const { images } = lOrRing(160, S, 3);
    const m = new JRVAE({
      imageShape: [S, S],
      classes: 2,
      latentDim: 1,
      encoderHidden: [32],
      decoderHidden: [16, 16],
      rotationSteps: 16,
      translation: false,
      // the default balance weight 2γ = 60: with 0 or 20 (< γ = 30) every image went to one class (accuracy 0.5)
      discreteCapacity: { epochs: 3 },
      seed: 1,
    });
    await train(m, images, { epochs: 10, batchSize: 16, learningRate: 3e-3, seed: 1, progress: false });
    const test = lOrRing(100, S, 9);
    const acc = bestMatchAccuracy(m.encode(test.images).classes, test.truth).accuracy;
    assert.ok(acc >= 0.95, `class accuracy on new images ${acc}`);
    m.dispose();
  });

  it("decodes per category, encodes class probabilities, and saves and loads", async () => {
    const m = small({ temperature: 0.5 });
    const imgs = renderShapes(5, H, { seed: 6 }).images;
    const z = [
      [0.3, -0.4],
      [0.3, -0.4],
    ];
    const d = m.decode(z, { classes: [0, 2] }).data;
    assert.ok(maxAbsDiff(d.subarray(0, H * H), d.subarray(H * H)) > 1e-4, "categories should decode differently");
    assert.throws(() => m.decode(z, { classes: 3 }), /not a category in \[0, 3\)/);
    const vae = new VAE({ imageShape: [H, H] });
    assert.throws(() => vae.decode([[0, 0]], { classes: 0 }), /no discrete latent/);
    vae.dispose();
    const e = m.encode(imgs);
    assert.equal(e.classProbs.length, 15);
    for (let i = 0; i < 5; i++)
      assert.ok(Math.abs(e.classProbs[3 * i] + e.classProbs[3 * i + 1] + e.classProbs[3 * i + 2] - 1) < 1e-5);
    const l = await loadModel(m.toArtifacts());
    assert.equal(l.config.className, "JRVAE");
    assert.equal((l as JRVAE).config.temperature, 0.5);
    assert.deepEqual(Array.from(l.encode(imgs).classProbs!), Array.from(e.classProbs));
    assert.deepEqual(Array.from(l.decode(z, { classes: [0, 2] }).data), Array.from(d));
    assert.equal(m.reconstruct(imgs).n, 5);
    m.dispose();
    l.dispose();
  });

  it("trains through train() with klClass in the history, and rejects bad options", async () => {
    const m = small();
    const h = await train(m, renderShapes(12, H, { seed: 8 }).images, { epochs: 2, batchSize: 6, progress: false });
    assert.equal(h.terms.klClass.length, 2);
    assert.ok(h.terms.klClass.every(Number.isFinite));
    m.dispose();
    assert.throws(() => small({ classes: 1 }), /classes must be an integer >= 2/);
    assert.throws(() => small({ temperature: 0 }), /temperature must be positive/);
  });
});
