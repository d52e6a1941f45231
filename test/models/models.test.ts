import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  RVAE,
  ShiftVAE,
  VAE,
  CVAE,
  loadModel,
  coordGrid,
  coordDecoderReference,
  IvaeInputError,
} from "../../src/index";
import { bernoulliNll, gaussianNll, klNormal, klStandardNormal } from "../../src/models/elbo";
import { fastTanh, linear, transpose2d } from "../../src/models/ops";
import { imageStack } from "../../src/data/image-stack";
import { useBackend } from "./setup";
import { maxAbsDiff, renderShapes } from "./helpers";

const close = (a: number, b: number, tol = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

/** new[i][j] = old[j][W−1−i]: the image rotated by 90° counter-clockwise as displayed (numpy rot90). */
function rot90(img: Float32Array, H: number): Float32Array {
  const out = new Float32Array(H * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) out[i * H + j] = img[j * H + (H - 1 - i)];
  return out;
}

describe("models: geometry of the coordinate decoder", () => {
  before(useBackend);

  it("builds the grid with x to the right and y up", () => {
    const g = coordGrid(3, 4);
    assert.deepEqual(Array.from(g.slice(0, 2)), [-1, 1]); // top-left
    assert.deepEqual(Array.from(g.slice(2 * 3, 2 * 3 + 2)), [1, 1]); // top-right
    assert.deepEqual(Array.from(g.slice(2 * 8, 2 * 8 + 2)), [-1, -1]); // bottom-left
  });

  it("renders angle π/2 as the canonical image rotated 90° counter-clockwise", () => {
    const H = 12;
    const m = new RVAE({ imageShape: [H, H], latentDim: 2, seed: 3, decoderHidden: [16, 16] });
    const z = [[0.7, -1.2]];
    const a0 = m.decode(z, { angle: 0 }).data;
    const a90 = m.decode(z, { angle: Math.PI / 2 }).data;
    const a180 = m.decode(z, { angle: Math.PI }).data;
    assert.ok(maxAbsDiff(a0, a90) > 1e-3, "the random decoder should not be rotation invariant");
    assert.ok(maxAbsDiff(a90, rot90(a0, H)) < 1e-5);
    assert.ok(maxAbsDiff(a180, rot90(rot90(a0, H), H)) < 1e-5);
    m.dispose();
  });

  it("shifts by dx to the right and dy downward, after rotating", () => {
    const H = 12;
    const m = new RVAE({ imageShape: [H, H], latentDim: 2, seed: 4, decoderHidden: [16, 16] });
    const z = [[0.3, 0.5]];
    const base = m.decode(z, { angle: Math.PI / 2 }).data;
    const moved = m.decode(z, { angle: Math.PI / 2, dx: 2, dy: 3 }).data;
    const ref = rot90(m.decode(z).data, H);
    let worst = 0;
    for (let i = 3; i < H; i++)
      for (let j = 2; j < H; j++) worst = Math.max(worst, Math.abs(moved[i * H + j] - base[(i - 3) * H + (j - 2)]));
    assert.ok(worst < 1e-5, `shifted image differs by ${worst}`);
    assert.ok(maxAbsDiff(base, ref) < 1e-5);
    m.dispose();
  });

  it("folds layer 0 exactly: the reference kernel equals a per-pixel MLP on transformed coordinates", () => {
    const P = 5,
      B = 2,
      h = 3;
    const r = (shape: number[], s: number) => tf.randomNormal(shape, 0, 1, "float32", s);
    const coords = r([P, 2], 1) as tf.Tensor2D,
      Wc = r([2, h], 2) as tf.Tensor2D,
      o = r([B, h], 3) as tf.Tensor2D;
    const W1 = r([h, h], 4) as tf.Tensor2D,
      b1 = r([h], 5) as tf.Tensor1D,
      wOut = r([h, 1], 6) as tf.Tensor2D,
      bOut = r([1], 7) as tf.Tensor1D;
    const gam = [0.3, -1.1];
    const A = tf.stack(
      gam.map((g) =>
        tf.matMul(
          tf.tensor2d([
            [Math.cos(g), Math.sin(g)],
            [-Math.sin(g), Math.cos(g)],
          ]),
          Wc,
        ),
      ),
    ) as tf.Tensor3D; // R(γ)ᵀ W_c
    const got = coordDecoderReference({ coords, A, o, layers: [{ W: W1, b: b1 }], wOut, bOut }).arraySync();
    const c = coords.arraySync(),
      oo = o.arraySync();
    for (let b = 0; b < B; b++) {
      const R = tf.tensor2d([
        [Math.cos(gam[b]), -Math.sin(gam[b])],
        [Math.sin(gam[b]), Math.cos(gam[b])],
      ]);
      for (let p = 0; p < P; p++) {
        const cp = tf.matMul(R, tf.tensor2d([[c[p][0]], [c[p][1]]])).reshape([1, 2]); // c' = R(γ) c
        const h0 = tf.tanh(tf.add(tf.matMul(cp, Wc), tf.tensor2d([oo[b]])));
        const h1 = tf.tanh(tf.add(tf.matMul(h0, W1), b1));
        close(got[b][p], tf.add(tf.matMul(h1, wOut), bOut).dataSync()[0], 1e-4);
      }
    }
  });

  it("has fast ops equal to the plain ones, gradients included", () => {
    const x = tf.randomNormal([2048, 7], 0, 2, "float32", 1) as tf.Tensor2D;
    assert.ok(maxAbsDiff(fastTanh(x).dataSync(), tf.tanh(x).dataSync()) < 1e-6);
    const g1 = tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(fastTanh(v), v)))(x)
      .dataSync();
    const g2 = tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tanh(v), v)))(x)
      .dataSync();
    assert.ok(maxAbsDiff(g1, g2) < 1e-5);
    assert.ok(maxAbsDiff(transpose2d(x).dataSync(), tf.transpose(x).dataSync()) === 0);
    const W = tf.randomNormal([7, 3], 0, 1, "float32", 2) as tf.Tensor2D,
      b = tf.randomNormal([3], 0, 1, "float32", 3) as tf.Tensor1D;
    const f1 = (xx: tf.Tensor2D, ww: tf.Tensor2D, bb: tf.Tensor1D) => tf.sum(tf.square(linear(xx, ww, bb)));
    const f2 = (xx: tf.Tensor2D, ww: tf.Tensor2D, bb: tf.Tensor1D) => tf.sum(tf.square(tf.add(tf.matMul(xx, ww), bb)));
    const ga = tf.grads(f1 as never)([x, W, b]),
      gb = tf.grads(f2 as never)([x, W, b]);
    ga.forEach((g, i) =>
      assert.ok(maxAbsDiff(g.dataSync(), gb[i].dataSync()) < 1e-3 * Math.max(1, tf.max(tf.abs(gb[i])).dataSync()[0])),
    );
  });

  it("gives the right shapes for all variants", () => {
    const H = 10;
    const imgs = renderShapes(6, H, { seed: 2 }).images;
    for (const m of [
      new VAE({ imageShape: [H, H], latentDim: 3 }),
      new RVAE({ imageShape: [H, H], latentDim: 1, translation: false }),
      new RVAE({ imageShape: [H, H], latentDim: 2, skip: true }),
      new ShiftVAE({ imageShape: [H, H] }),
    ]) {
      const e = m.encode(imgs);
      assert.equal(e.zMean.length, 6 * m.config.latentDim);
      assert.equal(e.angle !== undefined, m.config.rotation);
      assert.equal(e.dx !== undefined, m.config.translation);
      assert.equal(m.reconstruct(imgs).n, 6);
      const man = m.manifold({ steps: 3 });
      assert.equal(man.n, m.config.latentDim === 1 ? 3 : 9);
      assert.equal(m.traversal({ dim: 0, steps: 4 }).n, 4);
      m.dispose();
    }
  });

  it("lays the manifold out row-major over (z2 descending, z1 ascending)", () => {
    const m = new VAE({ imageShape: [8, 8], latentDim: 2, seed: 1 });
    const grid = m.manifold({ range: [-1, 1], steps: 3 });
    const P = 64;
    const first = m.decode([[-1, 1]]).data,
      last = m.decode([[1, -1]]).data,
      mid = m.decode([[1, 1]]).data;
    assert.ok(maxAbsDiff(grid.data.subarray(0, P), first) < 1e-6);
    assert.ok(maxAbsDiff(grid.data.subarray(2 * P, 3 * P), mid) < 1e-6);
    assert.ok(maxAbsDiff(grid.data.subarray(8 * P, 9 * P), last) < 1e-6);
    m.dispose();
  });

  it('spans the data\'s region with range: "data" (quantiles of the encoded means per latent)', () => {
    const m = new VAE({ imageShape: [8, 8], latentDim: 3, seed: 1 });
    // z1 in [10, 20] and z2 in [-4, -2] over 101 points; z3 constant 0.5
    const n = 101,
      zMean = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      zMean[3 * i] = 10 + i / 10;
      zMean[3 * i + 1] = -4 + (2 * i) / 100;
      zMean[3 * i + 2] = 0.5;
    }
    const grid = m.manifold({ range: "data", data: { zMean }, quantiles: [0.1, 0.9], steps: 3 });
    const P = 64;
    // first image: z1 at its 10 % quantile (11), z2 at its 90 % quantile (-2.2), the third latent at its median
    assert.ok(maxAbsDiff(grid.data.subarray(0, P), m.decode([[11, -2.2, 0.5]]).data) < 1e-5);
    assert.ok(maxAbsDiff(grid.data.subarray(8 * P, 9 * P), m.decode([[19, -3.8, 0.5]]).data) < 1e-5);
    assert.throws(() => m.manifold({ range: "data" }), /range: "data" needs data/);
    assert.throws(() => m.manifold({ range: "data", data: { zMean }, quantiles: [0.9, 0.1] }), /quantiles/);
    m.dispose();
  });

  it("conditions CVAE and conditional rVAE on labels", () => {
    const H = 8;
    const imgs = renderShapes(4, H).images;
    const cv = new CVAE({ imageShape: [H, H], conditionDim: 3 });
    const a = cv.decode([[0, 0]], { labels: 0 }).data,
      b = cv.decode([[0, 0]], { labels: 2 }).data;
    assert.ok(maxAbsDiff(a, b) > 1e-4);
    assert.equal(cv.encode(imgs, { labels: [0, 1, 2, 1] }).n, 4);
    const cr = new RVAE({ imageShape: [H, H], conditionDim: 2 });
    assert.equal(cr.manifold({ steps: 2, label: 1 }).n, 4);
    cv.dispose();
    cr.dispose();
  });
});

describe("models: ELBO terms", () => {
  before(useBackend);

  it("matches hand-computed values", () => {
    // KL(N(1, 1) || N(0, 1)) = ½(1 + 1 − 1 − 0) = 0.5; plus KL(N(0, e^{-2}) || N(0,1)) = ½(e^{-2} − 1 + 2)
    close(
      klStandardNormal(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, -2]])).dataSync()[0],
      0.5 + 0.5 * (Math.exp(-2) + 1),
    );
    // KL(N(0.5, 0.25) || N(0, 4)) = log(2/0.5) + (0.25 + 0.25)/8 − ½
    close(
      klNormal(tf.tensor2d([[0.5]]), tf.tensor2d([[Math.log(0.25)]]), 2).dataSync()[0],
      Math.log(4) + 0.5 / 8 - 0.5,
    );
    // BCE: logit 0, x 1 → log 2; logit 2, x 0.25 → softplus(2) − 0.5; logit −30, x 0 → ≈ e^{−30}
    close(
      bernoulliNll(tf.tensor2d([[0, 2, -30]]), tf.tensor2d([[1, 0.25, 0]])).dataSync()[0],
      Math.log(2) + Math.log(1 + Math.exp(2)) - 0.5 + Math.exp(-30),
    );
    // Gaussian: mean σ(0) = 0.5, x = 0.8, σ = 0.5 → ½(0.6)² + log 0.5 + ½ log 2π
    close(
      gaussianNll(tf.tensor2d([[0]]), tf.tensor2d([[0.8]]), 0.5).dataSync()[0],
      0.18 + Math.log(0.5) + 0.5 * Math.log(2 * Math.PI),
    );
  });

  it("assembles loss = recon + β(KL_z + KL_γ + KL_Δr) from the posterior and the decoder", () => {
    const H = 10;
    const imgs = renderShapes(5, H, { seed: 5 }).images;
    const m = new RVAE({ imageShape: [H, H], latentDim: 2, rotationPrior: 0.7, translationPrior: 0.2, seed: 2 });
    const x = tf.tensor2d(imgs.data, [5, H * H]);
    const t = m.lossTerms(x, null, { seed: 11, beta: 0.3 });
    close(
      t.loss.dataSync()[0],
      t.reconstruction.dataSync()[0] + 0.3 * (t.klZ.dataSync()[0] + t.klAngle.dataSync()[0] + t.klOffset.dataSync()[0]),
      1e-5,
    );
    // KL terms from the encoder output by hand
    const post = m.encodeTensors(x);
    const mu = post.angleMean!.dataSync(),
      lv = post.angleLogVar!.dataSync();
    let kla = 0;
    for (let i = 0; i < 5; i++) kla += Math.log(0.7) - 0.5 * lv[i] + (Math.exp(lv[i]) + mu[i] ** 2) / (2 * 0.49) - 0.5;
    close(t.klAngle.dataSync()[0], kla / 5, 1e-4);
    // reconstruction: replay the same noise by hand
    const k = 5;
    const eps = tf.randomNormal([5, k], 0, 1, "float32", 11);
    const zm = post.zMean,
      zs = tf.exp(tf.mul(0.5, post.zLogVar));
    const z = tf.add(zm, tf.mul(zs, eps.slice([0, 0], [-1, 2]))) as tf.Tensor2D;
    const g = tf.add(
      post.angleMean!,
      tf.mul(tf.exp(tf.mul(0.5, post.angleLogVar!)), eps.slice([0, 2], [-1, 1]).reshape([-1])),
    ) as tf.Tensor1D;
    const sh = tf.add(
      post.tMean!,
      tf.mul(tf.exp(tf.mul(0.5, post.tLogVar!)), eps.slice([0, 3], [-1, 2])),
    ) as tf.Tensor2D;
    const rec = tf.mean(bernoulliNll(m.decodeLogits(z, g, sh), x)).dataSync()[0];
    close(t.reconstruction.dataSync()[0], rec, 1e-5);
    m.dispose();
  });

  it("estimates the reconstruction without bias from pixel subsets", () => {
    const H = 10;
    const imgs = renderShapes(8, H, { seed: 6 }).images;
    const m = new RVAE({ imageShape: [H, H], seed: 3 });
    const x = tf.tensor2d(imgs.data, [8, H * H]);
    const full = m.lossTerms(x, null, { seed: 5 }).reconstruction.dataSync()[0];
    const P = H * H;
    let acc = 0;
    const reps = 300;
    // every pixel appears equally often over the cyclic subsets → their mean equals the full term
    for (let r = 0; r < reps; r++) {
      const idx = Int32Array.from({ length: 20 }, (_, i) => (r * 20 + i) % P);
      acc += m.lossTerms(x, null, { seed: 5, pixelIndices: idx }).reconstruction.dataSync()[0];
    }
    close(acc / reps, full, 1e-4);
    m.dispose();
  });
});

describe("models: save and load", () => {
  before(useBackend);

  it("round-trips through a directory and through in-memory artifacts", async () => {
    const H = 10;
    const imgs = renderShapes(7, H, { seed: 8 }).images;
    const m = new RVAE({ imageShape: [H, H], latentDim: 2, skip: true, conditionDim: 2, rotationPrior: 1.3, seed: 9 });
    const labels = [0, 1, 1, 0, 1, 0, 0];
    const e1 = m.encode(imgs, { labels });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-save-"));
    await m.save(dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
    assert.deepEqual(json.weightsManifest[0].paths, ["weights.bin"]);
    assert.equal(fs.statSync(path.join(dir, "weights.bin")).size, 4 * m.numParams());
    for (const loaded of [await loadModel(dir), await loadModel(m.toArtifacts())]) {
      assert.equal(loaded.constructor.name, "RVAE");
      assert.equal(loaded.config.rotationPrior, 1.3);
      const e2 = loaded.encode(imgs, { labels });
      assert.deepEqual(Array.from(e2.zMean), Array.from(e1.zMean));
      assert.deepEqual(Array.from(e2.angle!), Array.from(e1.angle!));
      assert.deepEqual(
        Array.from(loaded.decode([[0.1, 0.2]], { labels: 1, angle: 0.4 }).data),
        Array.from(m.decode([[0.1, 0.2]], { labels: 1, angle: 0.4 }).data),
      );
      loaded.dispose();
    }
    fs.rmSync(dir, { recursive: true });
    await assert.rejects(loadModel(path.join(dir, "nope")), IvaeInputError);
    m.dispose();
  });
});

describe("models: bad input", () => {
  before(useBackend);
  const H = 8;
  const good = () => renderShapes(3, H).images;

  it("rejects bad options", () => {
    assert.throws(() => new RVAE({ imageShape: [H, H], latentDim: 0 }), /latentDim must be an integer >= 1/);
    assert.throws(
      () => new VAE({ imageShape: [H] as unknown as [number, number] }),
      /imageShape must be \[height, width\]/,
    );
    assert.throws(() => new RVAE({ imageShape: [H, H], decoderHidden: [32, 16] }), /equal widths/);
    assert.throws(() => new RVAE({ imageShape: [H, H], rotationPrior: -1 }), /rotationPrior/);
    assert.throws(() => new CVAE({ imageShape: [H, H], conditionDim: 0 }), /conditionDim must be an integer >= 1/);
    assert.throws(() => new VAE({ imageShape: [H, H], likelihood: "poisson" as never }), IvaeInputError);
  });

  it("rejects bad images and labels with a message saying what was expected", () => {
    const m = new RVAE({ imageShape: [H, H] });
    assert.throws(() => m.encode(renderShapes(2, 6).images), /images are 6x6 but the model was built for 8x8/);
    const nan = good();
    nan.data[5] = NaN;
    assert.throws(() => m.encode(nan), /non-finite value \(NaN\) at flat index 5/);
    assert.throws(() => m.encode(imageStack(new Float32Array(0), 0, H, H)), /empty/);
    const big = good();
    big.data[3] = 2;
    assert.throws(() => m.encode(big), /outside \[0, 1\].*Bernoulli/);
    assert.doesNotThrow(() => new RVAE({ imageShape: [H, H], likelihood: "gaussian" }).encode(big));
    assert.throws(() => m.encode(good(), { labels: [0, 1, 0] }), /not conditional/);
    assert.throws(() => m.decode([[1, 2, 3]]), /expected latentDim = 2/);
    assert.throws(() => m.decode([[1, 2]], { angle: [0, 1] }), /one per row/);
    assert.throws(() => new ShiftVAE({ imageShape: [H, H] }).decode([[1, 2]], { angle: 1 }), /no rotation latent/);
    const c = new CVAE({ imageShape: [H, H], conditionDim: 3 });
    assert.throws(() => c.encode(good()), /conditional.*pass labels/);
    assert.throws(() => c.encode(good(), { labels: [0, 1] }), /got 2 labels for 3 images/);
    assert.throws(() => c.encode(good(), { labels: [0, 1, 3] }), /label 3 at index 2 is not a class index in \[0, 3\)/);
    assert.throws(() => m.manifold({ range: [2, -2] }), /range/);
  });
});
