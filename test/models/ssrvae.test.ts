import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { ImageStack, IvaeInputError, loadModel, oversampleLabelled, SSRVAE, train } from "../../src/index";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

/** L glyphs, every second one mirrored (no rotation turns one into the other): class 1 = mirrored. */
function chiralShapes(n: number, H: number, seed: number): { images: ImageStack; truth: Int32Array } {
  const d = renderShapes(n, H, { seed, maxAngle: 0.2 });
  const data = d.images.data.slice();
  const truth = new Int32Array(n);
  for (let k = 0; k < n; k += 2) {
    truth[k] = 1;
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) data[(k * H + i) * H + j] = d.images.data[(k * H + i) * H + (H - 1 - j)];
  }
  return { images: { data, n, height: H, width: H }, truth };
}

describe("models: semi-supervised rVAE (pyroVED's ssiVAE, issue 12)", () => {
  before(useBackend);

  it(
    "learns the classes of the unlabelled images from 10 % labels (both classes) (label −1 = " + "unlabelled)",
    async function () {
      this.timeout(120000);
      const H = 16,
        n = 200;
      const { images, truth } = chiralShapes(n, H, 3);
      // one image in ten labelled, both classes (the even images are the mirrored ones)
      const labels = Array.from(truth, (t, i) => (i % 20 === 0 || i % 20 === 5 ? t : -1));
      const m = new SSRVAE({
        imageShape: [H, H],
        latentDim: 1,
        classes: 2,
        encoderHidden: [64],
        decoderHidden: [32, 32],
        translation: false,
        poseEncoder: "mlp",
        rotationPrior: 0.2,
        seed: 1,
      });
      const h = await train(m, images, { epochs: 30, batchSize: 20, learningRate: 3e-3, labels, progress: false });
      assert.deepEqual(Object.keys(h.terms), ["reconstruction", "klZ", "klAngle", "klClass", "classification"]);
      const test = chiralShapes(100, H, 9);
      const e = m.encode(test.images);
      let right = 0;
      for (let i = 0; i < 100; i++) right += e.classes[i] === test.truth[i] ? 1 : 0;
      assert.ok(right >= 90, `classifier accuracy on new images ${right / 100}`);
      const l = await loadModel(m.toArtifacts());
      assert.deepEqual(Array.from(l.encode(test.images).classes!), Array.from(e.classes));
      l.dispose();
      m.dispose();
    },
  );

  it("masks the terms: a labelled image has no class KL, an unlabelled one no classification loss", () => {
    const H = 8;
    const m = new SSRVAE({
      imageShape: [H, H],
      classes: 3,
      encoderHidden: [8],
      decoderHidden: [8, 8],
      rotationSteps: 16,
    });
    const x = tf.tensor2d(renderShapes(2, H).images.data, [2, H * H]);
    const none = m.lossTerms(x, m.labelBatch(Int32Array.from([-1, -1])), { seed: 1 });
    const all = m.lossTerms(x, m.labelBatch(Int32Array.from([0, 2])), { seed: 1 });
    assert.equal(none.terms.classification.dataSync()[0], 0);
    assert.ok(none.terms.klClass.dataSync()[0] >= 0);
    assert.equal(all.terms.klClass.dataSync()[0], 0);
    assert.ok(all.terms.classification.dataSync()[0] > 0);
    assert.throws(() => m.checkLabels([0, 3], 2, "train"), IvaeInputError);
    assert.throws(() => m.checkLabels([0, -2], 2, "train"), /or −1/);
    m.dispose();
  });

  it("oversampleLabelled appends each labelled image `times` more times, with its label; unlabelled stay once", () => {
    const H = 6;
    const imgs = renderShapes(5, H, { seed: 3 }).images;
    const labels = [-1, 2, -1, 0, -1];
    const o = oversampleLabelled(imgs, labels, 3);
    assert.equal(o.images.n, 5 + 2 * 3);
    assert.deepEqual(Array.from(o.labels), [-1, 2, -1, 0, -1, 2, 0, 2, 0, 2, 0]);
    const P = H * H;
    assert.deepEqual(Array.from(o.images.data.subarray(0, 5 * P)), Array.from(imgs.data));
    for (let k = 5; k < 11; k++) {
      const src = o.labels[k] === 2 ? 1 : 3;
      assert.deepEqual(
        Array.from(o.images.data.subarray(k * P, (k + 1) * P)),
        Array.from(imgs.data.subarray(src * P, (src + 1) * P)),
      );
    }
    assert.equal(oversampleLabelled(imgs, labels, 0).images.n, 5);
    assert.throws(() => oversampleLabelled(imgs, [0, 1], 2), /2 labels for 5 images/);
    assert.throws(() => oversampleLabelled(imgs, [0, -2, 0, 0, 0], 2), /label -2 at index 1/);
    assert.throws(() => oversampleLabelled(imgs, labels, 1.5), /times must be an integer >= 0/);
  });
});
