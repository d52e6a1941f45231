import { strict as assert } from "assert";
import {
  adjustedRandIndex,
  angleRecovery,
  bestMatchAccuracy,
  circularCorrelation,
  clusterPurity,
  confusionMatrix,
  foldAngle,
  hungarian,
  knnAccuracy,
  nearestCentroidAccuracy,
  offsetCorrelation,
  pearson,
  wrapAngle,
} from "../../src/analysis/metrics";
import { IvaeInputError } from "../../src/util/errors";
import { Random } from "../../src/util/random";

const close = (a: number, b: number, tol: number, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

describe("metrics: correlations", () => {
  it("pearson and offsetCorrelation match hand-computed values", () => {
    close(pearson([1, 2, 3], [2, 4, 7]), 0.9933992677987828, 1e-12);
    close(pearson([1, 2, 3], [3, 2, 1]), -1, 1e-12);
    close(offsetCorrelation([1, 2, 3], [3, 2, 1]), 1, 1e-12);
    assert.throws(
      () => pearson([1, 1, 1], [1, 2, 3]),
      (e: unknown) => e instanceof IvaeInputError && /first array is constant/.test(String(e)),
    );
    assert.throws(() => pearson([1, 2], [1, 2, 3]), /differ in length \(2 vs 3\)/);
    assert.throws(() => pearson([1, NaN, 2], [1, 2, 3]), /non-finite value at index 1/);
  });

  it("circular correlation: hand value, shift invariance, reflection, independence, wrap invariance", () => {
    const a = [0.1, 0.5, 0.9, 2.0, -1.0],
      b = [0.3, 0.2, 0.8, 1.5, -0.4];
    close(circularCorrelation(a, b), 0.9681232306043954, 1e-12, "hand value");
    const rng = new Random(1);
    const x = Array.from({ length: 3000 }, () => rng.uniform(-Math.PI, Math.PI));
    close(
      circularCorrelation(
        x,
        x.map((v) => v + 1.3),
      ),
      1,
      1e-12,
      "shifted copy",
    );
    close(
      circularCorrelation(
        x,
        x.map((v) => 0.4 - v),
      ),
      -1,
      1e-12,
      "reflection",
    );
    close(
      circularCorrelation(
        x,
        x.map((v) => wrapAngle(v + 2 * Math.PI * 3 + 0.2)),
      ),
      1,
      1e-9,
      "wrapped copy",
    );
    const y = Array.from({ length: 3000 }, () => rng.uniform(-Math.PI, Math.PI));
    assert.ok(Math.abs(circularCorrelation(x, y)) < 0.06, "independent angles");
    assert.throws(() => circularCorrelation([1, 1, 1], [0, 1, 2]), /no spread/);
  });

  it("wrapAngle maps into (-π, π]", () => {
    close(wrapAngle((3 * Math.PI) / 2), -Math.PI / 2, 1e-12);
    close(wrapAngle(-Math.PI), Math.PI, 1e-12);
    close(wrapAngle(7), 7 - 2 * Math.PI, 1e-12);
  });

  it("foldAngle maps the equivalent frames of a 4-fold lattice onto one angle in (−45°, 45°]", () => {
    const d = Math.PI / 180;
    for (const k of [-2, -1, 0, 1, 2, 3]) close(foldAngle((7 + 90 * k) * d, 4), 7 * d, 1e-9, `7° + ${90 * k}°`);
    close(foldAngle(-45 * d, 4), 45 * d, 1e-9, "−45° is +45°");
    close(foldAngle(200 * d, 1), -160 * d, 1e-9, "fold 1 is wrapAngle");
    assert.throws(() => foldAngle(0.1, 0), /fold must be an integer >= 1/);
  });
});

describe("metrics: angle recovery", () => {
  const rng = new Random(7);
  const n = 1200;
  const truth = Float32Array.from({ length: n }, () => rng.uniform(-2.09, 2.09)); // ±120°
  const groups = Int32Array.from({ length: n }, (_, i) => i % 3);

  it("fits per-group sense and offset (with wrap-around) and reports |ρ|", () => {
    // group 0 runs backwards with offset 0.7; group 1 forwards, offset −0.3; group 2 offset 2.5, wrapped
    const inferred = Float32Array.from(truth, (t, i) => {
      const e = rng.normal(0, 0.02);
      return groups[i] === 0 ? -t + 0.7 + e : groups[i] === 1 ? t - 0.3 + e : wrapAngle(t + 2.5 + e);
    });
    const r = angleRecovery(inferred, truth, { groups });
    assert.equal(r.groups.length, 3);
    const [g0, g1, g2] = r.groups;
    assert.ok(g0.rho < -0.99 && g0.absRho > 0.99);
    close(g0.slope, -1, 0.01, "slope g0");
    close(g0.offset, 0.7, 0.01, "offset g0");
    close(g1.slope, 1, 0.01, "slope g1");
    close(g1.offset, -0.3, 0.01, "offset g1");
    close(g2.slope, 1, 0.01, "slope g2");
    close(wrapAngle(g2.offset - 2.5), 0, 0.01, "offset g2");
    for (const g of r.groups) close(g.residualRms, 0.02, 0.004, "residual");
    assert.ok(r.meanAbsRho > 0.99);
    // pooled over groups with opposite senses the raw correlation is much weaker
    assert.ok(r.overall.absRho < 0.6, `pooled ${r.overall.absRho}`);
    // the positional form of the contract gives the same answer
    assert.deepEqual(angleRecovery(inferred, truth, groups), r);
  });

  it("compares k·angles for a group with k-fold symmetry (diamonds)", () => {
    // a 2-fold symmetric shape: the encoder may report θ or θ + π
    const inferred = Float32Array.from(truth, (t) => t + 0.4 + (rng.next() < 0.5 ? Math.PI : 0) + rng.normal(0, 0.02));
    const plain = angleRecovery(inferred, truth);
    const sym = angleRecovery(inferred, truth, { symmetry: 2 });
    assert.ok(plain.meanAbsRho < 0.5, `without symmetry ${plain.meanAbsRho}`);
    assert.ok(sym.meanAbsRho > 0.99, `with symmetry ${sym.meanAbsRho}`);
    assert.equal(sym.groups[0].symmetry, 2);
    close(wrapAngle(2 * (sym.groups[0].offset - 0.4)), 0, 0.02, "offset modulo π");
    // per-group symmetry array indexed by group label
    const g = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0 : 3));
    const mixed = Float32Array.from(truth, (t, i) => (g[i] === 3 ? inferred[i] : t - 0.2));
    const r = angleRecovery(mixed, truth, { groups: g, symmetry: [1, 1, 1, 2] });
    assert.ok(r.groups.every((x) => x.absRho > 0.99));
    assert.deepEqual(
      r.groups.map((x) => x.symmetry),
      [1, 2],
    );
  });

  it("is near zero for unrelated angles and rejects bad input", () => {
    const other = Float32Array.from(truth, () => rng.uniform(-Math.PI, Math.PI));
    assert.ok(angleRecovery(other, truth).meanAbsRho < 0.1);
    assert.throws(() => angleRecovery(other, truth, { symmetry: 0 }), /symmetry for group 0 is 0/);
    assert.throws(() => angleRecovery(other, truth, { groups: [0, 1] }), /groups has 2 entries/);
    assert.throws(
      () => angleRecovery([1, 2, 3, 4], [1, 2, 3, 4], { groups: [0, 0, 0, 1] }),
      /group 1 has only 1 points/,
    );
  });
});

describe("metrics: clustering agreement", () => {
  it("adjusted Rand index: known cases", () => {
    close(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1]), 1, 1e-12);
    close(adjustedRandIndex([0, 0, 1, 1], [5, 5, -2, -2]), 1, 1e-12, "relabelled");
    close(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]), 4 / 7, 1e-12, "scikit-learn doc example 0.571");
    close(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5, 1e-12, "anti-correlated");
    close(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]), 0, 1e-12, "one cluster vs singletons");
    close(adjustedRandIndex([1, 1, 1], [2, 2, 2]), 1, 1e-12, "trivial identical");
    const rng = new Random(3);
    const a = Array.from({ length: 5000 }, () => rng.int(4)),
      b = Array.from({ length: 5000 }, () => rng.int(4));
    assert.ok(Math.abs(adjustedRandIndex(a, b)) < 0.01);
  });

  it("confusion matrix, purity and Hungarian best-match accuracy", () => {
    const cm = confusionMatrix([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 2]);
    assert.deepEqual(cm.matrix, [
      [2, 0],
      [1, 2],
      [0, 1],
    ]);
    assert.deepEqual(cm.trueLabels, [0, 1, 2]);
    close(clusterPurity([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 2]), 4 / 6, 1e-12);
    // splitting one class into singletons: purity stays 1, one-to-one matching does not
    close(clusterPurity([0, 1, 2, 3], [0, 0, 0, 0]), 1, 1e-12);
    close(bestMatchAccuracy([0, 1, 2, 3], [0, 0, 0, 0]).accuracy, 0.25, 1e-12);
    const m = bestMatchAccuracy([2, 2, 2, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 2, 2, 1]);
    close(m.accuracy, 7 / 8, 1e-12);
    assert.deepEqual(
      m.mapping.sort((x, y) => x[0] - y[0]),
      [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
    );
  });

  it("hungarian solves a hand-checked assignment", () => {
    assert.deepEqual(
      Array.from(
        hungarian([
          [4, 1, 3],
          [2, 0, 5],
          [3, 2, 2],
        ]),
      ),
      [1, 0, 2],
    );
    // random 6x6 against brute force
    const rng = new Random(9);
    const c = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rng.int(20)));
    const total = (p: ArrayLike<number>) => Array.from(p).reduce((s, j, i) => s + c[i][j], 0);
    let best = Infinity;
    const perm = (arr: number[], k: number): void => {
      if (k === arr.length) {
        best = Math.min(best, total(arr));
        return;
      }
      for (let i = k; i < arr.length; i++) {
        [arr[k], arr[i]] = [arr[i], arr[k]];
        perm(arr, k + 1);
        [arr[k], arr[i]] = [arr[i], arr[k]];
      }
    };
    perm([0, 1, 2, 3, 4, 5], 0);
    assert.equal(total(hungarian(c)), best);
  });

  it("nearest-centroid accuracy: separable classes ≈ 1, random labels ≈ chance", () => {
    const rng = new Random(4);
    const n = 600,
      dim = 3;
    const pts = new Float32Array(n * dim),
      lab = new Int32Array(n),
      rnd = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      lab[i] = i % 3;
      rnd[i] = rng.int(3);
      for (let d = 0; d < dim; d++) pts[i * dim + d] = (d === lab[i] ? 5 : 0) + rng.normal(0, 0.5);
    }
    const good = nearestCentroidAccuracy(pts, dim, lab, { folds: 5, seed: 1 });
    assert.equal(good.accuracy, 1);
    assert.equal(good.foldAccuracy.length, 5);
    close(good.chance, 1 / 3, 1e-12);
    const bad = nearestCentroidAccuracy(pts, dim, rnd, { folds: 5, seed: 1 });
    assert.ok(Math.abs(bad.accuracy - 1 / 3) < 0.08, `random labels ${bad.accuracy}`);
    assert.deepEqual(
      nearestCentroidAccuracy(pts, dim, rnd, { seed: 1 }),
      nearestCentroidAccuracy(pts, dim, rnd, { seed: 1 }),
    );
    assert.throws(() => nearestCentroidAccuracy(pts, 7, lab), /not a multiple of dim = 7/);
    assert.throws(() => nearestCentroidAccuracy(pts, dim, lab.subarray(1)), /labels has 599 entries/);
    assert.throws(() => nearestCentroidAccuracy(pts, dim, new Int32Array(n)), /at least two classes/);
  });

  it("k-NN accuracy finds classes a centroid cannot (two rings), and random labels stay near chance", () => {
    const rng = new Random(5);
    const n = 400;
    const pts = new Float32Array(2 * n),
      ring = new Int32Array(n),
      rnd = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ring[i] = i % 2;
      rnd[i] = rng.int(2);
      const r = ring[i] ? 3 : 1,
        t = rng.uniform(0, 2 * Math.PI);
      pts[2 * i] = r * Math.cos(t) + rng.normal(0, 0.1);
      pts[2 * i + 1] = r * Math.sin(t) + rng.normal(0, 0.1);
    }
    assert.ok(knnAccuracy(pts, 2, ring) > 0.99, "concentric rings are k-NN separable");
    assert.ok(nearestCentroidAccuracy(pts, 2, ring, { seed: 1 }).accuracy < 0.7, "but not by their (shared) centroid");
    assert.ok(Math.abs(knnAccuracy(pts, 2, rnd) - 0.5) < 0.1, "random labels ≈ chance");
    assert.throws(() => knnAccuracy(pts, 2, ring, { k: n }), /needs more than k points/);
    assert.throws(() => knnAccuracy(pts.subarray(1), 2, ring), /not a multiple of dim = 2/);
  });
});
