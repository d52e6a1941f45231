import { strict as assert } from "assert";
import * as fs from "fs";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend";
import { stemDomains, stemInterface } from "../../src/data/stem";
import { findAtomsDCNN, scoreAtoms } from "../../src/atoms";
import {
  atomNetLogits,
  atomNetShapes,
  convSame,
  decodeAtomNet,
  encodeAtomNet,
  initAtomNet,
  loadAtomNet,
  resampleImage,
  shippedWeightsPath,
} from "../../src/atoms/dcnn";
import { IvaeInputError } from "../../src/util/errors";

describe("atoms: DCNN atom finder", () => {
  before(async () => {
    await selectBackend({ verbose: false });
  });

  it("the shipped weights load with the expected shapes and stay small", () => {
    const p = loadAtomNet();
    const shapes = atomNetShapes();
    assert.deepEqual(Object.keys(p).sort(), Object.keys(shapes).sort());
    for (const [k, s] of Object.entries(shapes)) assert.deepEqual(p[k].shape, s, k);
    const bytes = fs.statSync(shippedWeightsPath()).size;
    assert.ok(bytes < 80_000, `weights file is ${bytes} bytes`);
    // trained, not the initialisation: the output bias moved away from 0
    assert.ok(Math.abs(p["out.b"].dataSync()[0]) > 1e-3);
  });

  it("finds the columns of synthetic images it was not trained on (training uses seeds >= 100000)", () => {
    for (const s of [stemInterface({ seed: 7, height: 192, width: 192 }), stemDomains({ seed: 7 })]) {
      const found = findAtomsDCNN(s.image);
      const { height: H, width: W } = s.image;
      const sc = scoreAtoms(found, s.truth, {
        tolerance: s.minSpacing / 2,
        region: { x0: 3, y0: 3, x1: W - 3, y1: H - 3 },
      });
      assert.ok(sc.recall >= 0.95 && sc.precision >= 0.95, `recall ${sc.recall}, precision ${sc.precision}`);
    }
  });

  it("keeps the number of tensors stable and finds nothing on a flat image", () => {
    const s = stemInterface({ seed: 8, height: 96, width: 96 });
    findAtomsDCNN(s.image);
    const n0 = tf.memory().numTensors;
    findAtomsDCNN(s.image);
    findAtomsDCNN(s.image, { refine: false, tile: 64 });
    assert.equal(tf.memory().numTensors, n0);
    const flat = { data: new Float32Array(96 * 96).fill(0.3), height: 96, width: 96 };
    assert.equal(findAtomsDCNN(flat, { scale: { spacing: 10 } }).x.length, 0);
  });

  it("rejects bad input with IvaeInputError", () => {
    const img = { data: new Float32Array(64 * 64), height: 64, width: 64 };
    const nan = { data: new Float32Array(64 * 64).fill(NaN), height: 64, width: 64 };
    const sc = { scale: { spacing: 10 } };
    assert.throws(() => findAtomsDCNN(nan, sc), IvaeInputError);
    assert.throws(() => findAtomsDCNN({ data: new Float32Array(10), height: 64, width: 64 }, sc), IvaeInputError);
    assert.throws(() => findAtomsDCNN({ data: new Float32Array(8 * 8), height: 8, width: 8 }, sc), IvaeInputError);
    assert.throws(() => findAtomsDCNN(img, { ...sc, threshold: 1.5 }), IvaeInputError);
    assert.throws(() => findAtomsDCNN(img, { ...sc, polarity: "up" as never }), IvaeInputError);
    assert.throws(() => findAtomsDCNN(img, { ...sc, frames: [1] }), IvaeInputError);
    assert.throws(() => findAtomsDCNN(img, { scale: { spacing: -3 } }), IvaeInputError);
    assert.throws(() => decodeAtomNet({ format: "other" } as never), IvaeInputError);
  });

  it("the convolution's own gradients equal those of an im2col reference (wasm has no filter gradient)", () => {
    const x = tf.randomNormal([2, 8, 12, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const W = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 2) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 8, 12, 4], 0, 1, "float32", 3);
    const ref = (a: tf.Tensor4D, k: tf.Tensor4D) => {
      const ap = tf.pad(a, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      const cols: tf.Tensor[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) cols.push(tf.slice(ap, [0, i, j, 0], [2, 8, 12, 3]));
      return tf.matMul(tf.concat(cols, 3).reshape([2 * 8 * 12, 27]), k.reshape([27, 4])).reshape([2, 8, 12, 4]);
    };
    const g1 = tf.grads((a, k) =>
      convSame(a as tf.Tensor4D, k as tf.Tensor4D)
        .mul(dy)
        .sum(),
    )([x, W]);
    const g2 = tf.grads((a, k) =>
      ref(a as tf.Tensor4D, k as tf.Tensor4D)
        .mul(dy)
        .sum(),
    )([x, W]);
    for (let i = 0; i < 2; i++) {
      const d = tf.max(tf.abs(g1[i].sub(g2[i]))).dataSync()[0];
      assert.ok(d < 1e-4, `gradient ${i} differs by ${d}`);
    }
    tf.dispose([x, W, dy, ...g1, ...g2]);
  });

  it("float16 storage round-trips the weights and the net's output", () => {
    const p = initAtomNet(3);
    const q = decodeAtomNet(JSON.parse(JSON.stringify(encodeAtomNet(p, {}))));
    const x = tf.randomUniform([1, 32, 32, 1], 0, 1, "float32", 4) as tf.Tensor4D;
    const a = tf.sigmoid(atomNetLogits(p, x)),
      b = tf.sigmoid(atomNetLogits(q, x));
    assert.ok(tf.max(tf.abs(a.sub(b))).dataSync()[0] < 3e-3);
    tf.dispose([x, a, b, ...Object.values(p), ...Object.values(q)]);
  });

  it("resampling maps a column at x to (x + 0.5)·f − 0.5", () => {
    const H = 40,
      W = 40,
      cx = 17.3,
      cy = 22.6;
    const img = Float32Array.from({ length: H * W }, (_, i) =>
      Math.exp(-(((i % W) - cx) ** 2 + (Math.floor(i / W) - cy) ** 2) / 8),
    );
    for (const f of [0.5, 1.6]) {
      const r = resampleImage(img, H, W, f);
      let s = 0,
        sx = 0,
        sy = 0;
      r.data.forEach((v, i) => ((s += v), (sx += v * (i % r.width)), (sy += v * Math.floor(i / r.width))));
      assert.ok(Math.abs(sx / s - ((cx + 0.5) * f - 0.5)) < 0.1 && Math.abs(sy / s - ((cy + 0.5) * f - 0.5)) < 0.1);
    }
  });
});
