import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { RVAE, ShiftVAE, loadModel } from "../../src/index";
import { centroids, normalisedImages, polarImages, poseGeometry } from "../../src/models/pose-encoder";
import { useBackend } from "./setup";
import { maxAbsDiff, renderShapes } from "./helpers";

/** The image rotated by 90° counter-clockwise as displayed (numpy rot90). */
function rot90(img: Float32Array, H: number): Float32Array {
  const out = new Float32Array(H * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) out[i * H + j] = img[j * H + (H - 1 - i)];
  return out;
}

const wrap = (a: number) => Math.atan2(Math.sin(a), Math.cos(a));

describe("models: rotation-equivariant pose encoder", () => {
  before(useBackend);

  it("finds intensity centroids (image centre for a blank image)", () => {
    const H = 9,
      W = 7;
    const x = new Float32Array(2 * H * W);
    x[2 * W + 5] = 1; // row 2, col 5
    x[4 * W + 1] = 3; // row 4, col 1
    const c = centroids(x, 2, H, W);
    assert.ok(Math.abs(c[0] - (2 + 3 * 4) / 4) < 1e-12 && Math.abs(c[1] - (5 + 3 * 1) / 4) < 1e-12);
    assert.deepEqual([c[2], c[3]], [4, 3]);
  });

  it("turns a 90° rotation of the image into a cyclic shift of its polar image by K/4 trials", () => {
    const H = 20;
    const { images } = renderShapes(1, H, { seed: 3, maxAngle: 1, maxShift: 2 });
    const g = poseGeometry(H, H, 32);
    const a = images.data,
      b = rot90(a, H);
    const pa = polarImages(a, 1, g, centroids(a, 1, H, H));
    const pb = polarImages(b, 1, g, centroids(b, 1, H, H));
    const R = g.radii,
      K = g.steps;
    let worst = 0,
      spread = 0;
    for (let k = 0; k < K; k++) {
      for (let r = 0; r < R; r++) {
        worst = Math.max(worst, Math.abs(pb[((k + K / 4) % K) * R + r] - pa[k * R + r]));
        spread = Math.max(spread, Math.abs(pa[k * R + r] - pa[((k + K / 4) % K) * R + r]));
      }
    }
    assert.ok(spread > 0.3, "the glyph should not look the same turned by 90°");
    assert.ok(worst < 1e-5, `polar images differ by ${worst}`);
  });

  it("de-rotates: the normalised image of rot90(x) at γ + π/2 equals that of x at γ", () => {
    const H = 16;
    const { images } = renderShapes(1, H, { seed: 5, maxShift: 2 });
    const a = images.data,
      b = rot90(a, H);
    const na = normalisedImages(a, 1, H, H, centroids(a, 1, H, H), Float32Array.of(0.3));
    const nb = normalisedImages(b, 1, H, H, centroids(b, 1, H, H), Float32Array.of(0.3 + Math.PI / 2));
    assert.ok(maxAbsDiff(na, nb) < 1e-5);
  });

  it("is equivariant by construction, untrained: angle + 90° and shift turned by 90° for rot90(x), the same z", () => {
    const H = 24;
    const { images } = renderShapes(6, H, { seed: 11, maxAngle: Math.PI, maxShift: 3 });
    const turned = new Float32Array(images.data.length);
    for (let i = 0; i < images.n; i++)
      turned.set(rot90(images.data.subarray(i * H * H, (i + 1) * H * H), H), i * H * H);
    const m = new RVAE({ imageShape: [H, H], latentDim: 2, decoderHidden: [16, 16], seed: 4 });
    assert.equal(m.config.poseEncoder, "equivariant");
    const e1 = m.encode(images),
      e2 = m.encode({ ...images, data: turned });
    for (let i = 0; i < images.n; i++) {
      assert.ok(
        Math.abs(wrap(e2.angle![i] - e1.angle![i] - Math.PI / 2)) < 1e-3,
        `image ${i}: ${e1.angle![i]} → ${e2.angle![i]}`,
      );
      // a shift (dx right, dy down) turned by 90° counter-clockwise on screen is (dy, −dx)
      assert.ok(
        Math.abs(e2.dx![i] - e1.dy![i]) < 1e-3 && Math.abs(e2.dy![i] + e1.dx![i]) < 1e-3,
        `shift of image ${i}`,
      );
    }
    assert.ok(maxAbsDiff(e1.zMean, e2.zMean) < 1e-4);
    m.dispose();
  });

  it("trains the frame scorer (its weights get gradients) and round-trips through save/load", async () => {
    const H = 16;
    const { images } = renderShapes(8, H, { seed: 2 });
    const m = new RVAE({ imageShape: [H, H], latentDim: 2, decoderHidden: [16, 16], seed: 6 });
    const x = tf.tensor2d(images.data, [images.n, H * H]);
    const scorer = m.params.vars.filter((_, i) => m.params.names[i].startsWith("pose."));
    assert.equal(scorer.length, 3);
    const { grads } = tf.variableGrads(() => m.lossTerms(x, null, { seed: 1 }).loss, scorer);
    for (const [name, g] of Object.entries(grads))
      assert.ok(tf.max(tf.abs(g)).dataSync()[0] > 0, `no gradient for ${name}`);
    tf.dispose([x, ...Object.values(grads)]);
    const copy = await loadModel(m.toArtifacts());
    assert.equal(copy.config.poseEncoder, "equivariant");
    const a = m.encode(images),
      b = copy.encode(images);
    assert.ok(maxAbsDiff(a.angle!, b.angle!) < 1e-6 && maxAbsDiff(a.zMean, b.zMean) < 1e-6);
    m.dispose();
    copy.dispose();
  });

  it("keeps the one-pass MLP encoder on request and for models saved before the option existed", async () => {
    const H = 12;
    const m = new RVAE({ imageShape: [H, H], poseEncoder: "mlp", decoderHidden: [8, 8] });
    assert.ok(!m.params.names.some((n) => n.startsWith("pose.")));
    const art = m.toArtifacts();
    const topo = art.modelTopology as unknown as { config: Record<string, unknown> };
    delete topo.config.poseEncoder;
    const old = await loadModel(art);
    assert.ok(!old.usesEquivariantPose());
    m.dispose();
    old.dispose();
    assert.throws(
      () => new RVAE({ imageShape: [H, H], poseEncoder: "polar" as never }),
      /poseEncoder must be "equivariant", "group" or "mlp"/,
    );
    assert.throws(() => new RVAE({ imageShape: [H, H], rotationSteps: 3 }), /rotationSteps/);
  });
});

describe("models: translation-equivariant offset encoder (shift-VAE on windows)", () => {
  before(useBackend);

  /** The image shifted by (dx right, dy down) whole pixels, zeros coming in. */
  function roll(img: Float32Array, H: number, dx: number, dy: number): Float32Array {
    const out = new Float32Array(H * H);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) {
        const r = i - dy,
          c = j - dx;
        if (r >= 0 && r < H && c >= 0 && c < H) out[i * H + j] = img[r * H + c];
      }
    return out;
  }

  it("moves the inferred shift with the content and keeps z, untrained", async () => {
    const H = 24;
    const { images } = renderShapes(4, H, { seed: 8, maxAngle: Math.PI, sizes: [0.45] });
    const moved = new Float32Array(images.data.length);
    for (let i = 0; i < images.n; i++)
      moved.set(roll(images.data.subarray(i * H * H, (i + 1) * H * H), H, 2, -1), i * H * H);
    const m = new ShiftVAE({ imageShape: [H, H], decoderHidden: [16, 16], offsetEncoder: "equivariant", seed: 3 });
    const a = m.encode(images),
      b = m.encode({ ...images, data: moved });
    for (let i = 0; i < images.n; i++) {
      assert.ok(
        Math.abs(b.dx![i] - a.dx![i] - 2) < 1e-3 && Math.abs(b.dy![i] - a.dy![i] + 1) < 1e-3,
        `image ${i}: (${a.dx![i]}, ${a.dy![i]}) → (${b.dx![i]}, ${b.dy![i]})`,
      );
    }
    assert.ok(maxAbsDiff(a.zMean, b.zMean) < 1e-4);
    const copy = await loadModel(m.toArtifacts());
    assert.ok(maxAbsDiff(copy.encode(images).dx!, a.dx!) < 1e-6);
    m.dispose();
    copy.dispose();
    assert.throws(
      () => new RVAE({ imageShape: [H, H], offsetEncoder: "equivariant" }),
      /offsetEncoder: "equivariant" needs/,
    );
  });

  it(
    "offsetSearchRadius sets the largest shift tried, is saved with the model, and must leave a central " + "square",
    async () => {
      const H = 24;
      const m = new ShiftVAE({
        imageShape: [H, H],
        decoderHidden: [8],
        offsetEncoder: "equivariant",
        offsetSearchRadius: 4,
        seed: 3,
      });
      assert.equal(m.config.offsetSearchRadius, 4);
      const copy = await loadModel(m.toArtifacts());
      assert.equal(copy.config.offsetSearchRadius, 4);
      m.dispose();
      copy.dispose();
      assert.throws(
        () => new ShiftVAE({ imageShape: [H, H], offsetEncoder: "equivariant", offsetSearchRadius: 10 }),
        /leaves no central square of at least 4 px in a 24-px image \(need radius ≤ 9\)/,
      );
      assert.throws(
        () => new ShiftVAE({ imageShape: [H, H], offsetEncoder: "equivariant", offsetSearchRadius: 2.5 }),
        /offsetSearchRadius/,
      );
    },
  );
});
