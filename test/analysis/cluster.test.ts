import { strict as assert } from "assert";
import { gmm, kmeans } from "../../src/analysis/cluster";
import { adjustedRandIndex } from "../../src/analysis/metrics";
import { IvaeInputError } from "../../src/util/errors";
import { Random } from "../../src/util/random";

/** Gaussian blobs: centres, per-blob covariance factor A (x = μ + A ε), n per blob; returns points and labels. */
function blobs(seed: number, centers: number[][], factors: number[][][], nPer: number[]) {
  const rng = new Random(seed);
  const dim = centers[0].length;
  const n = nPer.reduce((a, b) => a + b, 0);
  const points = new Float32Array(n * dim),
    labels = new Int32Array(n);
  let i = 0;
  centers.forEach((mu, c) => {
    for (let t = 0; t < nPer[c]; t++, i++) {
      const e = Array.from({ length: dim }, () => rng.normal());
      labels[i] = c;
      for (let a = 0; a < dim; a++) {
        let s = mu[a];
        for (let b = 0; b < dim; b++) s += factors[c][a][b] * e[b];
        points[i * dim + a] = s;
      }
    }
  });
  return { points, labels, dim, n };
}

const eye = (d: number, s = 1) =>
  Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => (a === b ? s : 0)));

describe("clustering: k-means", () => {
  it("recovers well-separated blobs (2-D and 6-D) and their centres", () => {
    const b = blobs(
      1,
      [
        [0, 0],
        [6, 0],
        [0, 6],
        [6, 6],
      ],
      [eye(2), eye(2), eye(2), eye(2)],
      [200, 300, 250, 150],
    );
    const r = kmeans(b.points, 2, 4, { seed: 3 });
    assert.ok(adjustedRandIndex(r.labels, b.labels) > 0.98);
    assert.equal(
      r.sizes.reduce((a, x) => a + x, 0),
      b.n,
    );
    // each true centre has a fitted centre within 0.2
    for (const mu of [
      [0, 0],
      [6, 0],
      [0, 6],
      [6, 6],
    ]) {
      let best = Infinity;
      for (let c = 0; c < 4; c++)
        best = Math.min(best, Math.hypot(r.centers[2 * c] - mu[0], r.centers[2 * c + 1] - mu[1]));
      assert.ok(best < 0.2, `centre ${mu} missed by ${best}`);
    }
    const hi = blobs(
      2,
      [
        [0, 0, 0, 0, 0, 0],
        [5, 5, 0, 0, 0, 0],
        [0, 0, 0, 5, 5, 5],
      ],
      [eye(6), eye(6), eye(6)],
      [300, 300, 300],
    );
    const r6 = kmeans(hi.points, 6, 3, { seed: 1 });
    assert.equal(adjustedRandIndex(r6.labels, hi.labels), 1);
    assert.ok(r6.converged);
    assert.deepEqual(r6.predict(hi.points.subarray(0, 60)), r6.labels.subarray(0, 10));
  });

  it("is deterministic for a seed and keeps the best restart", () => {
    const b = blobs(
      5,
      [
        [0, 0],
        [3, 0],
        [0, 3],
      ],
      [eye(2), eye(2), eye(2)],
      [200, 200, 200],
    );
    const a1 = kmeans(b.points, 2, 5, { seed: 9 }),
      a2 = kmeans(b.points, 2, 5, { seed: 9 });
    assert.deepEqual(a1.labels, a2.labels);
    assert.deepEqual(a1.centers, a2.centers);
    const one = kmeans(b.points, 2, 5, { seed: 9, restarts: 1 });
    const many = kmeans(b.points, 2, 5, { seed: 9, restarts: 8 });
    assert.ok(many.inertia <= one.inertia + 1e-9);
  });

  it("handles k = n and duplicate points (no empty clusters)", () => {
    const pts = Float32Array.from([0, 0, 0, 0, 1, 1, 5, 5]);
    const r = kmeans(pts, 2, 4, { seed: 0 });
    assert.equal(r.sizes.filter((s) => s > 0).length >= 3, true);
    assert.ok(Number.isFinite(r.inertia));
    const r3 = kmeans(pts, 2, 3, { seed: 0 });
    assert.ok(Math.abs(r3.inertia) < 1e-12);
  });

  it("rejects bad input with IvaeInputError", () => {
    const pts = new Float32Array([0, 0, 1, 1, 2, 2]);
    assert.throws(
      () => kmeans(pts, 2, 4),
      (e: unknown) => e instanceof IvaeInputError && /k = 4 clusters but only 3 points/.test(String(e)),
    );
    assert.throws(() => kmeans(pts, 4, 1), /not a multiple of dim = 4/);
    assert.throws(
      () => kmeans(new Float32Array([0, NaN, 1, 1]), 2, 1),
      /non-finite value \(NaN\) at point 0, coordinate 1/,
    );
    assert.throws(() => kmeans(pts, 2, 0), /k \(number of clusters\) must be an integer >= 1/);
    assert.throws(() => kmeans(pts, 2, 2).predict([1, 2, 3]), /not a multiple of dim = 2/);
  });
});

describe("clustering: Gaussian mixture (EM)", () => {
  // two elongated, tilted, nearby blobs: k-means cuts them wrongly, a full-covariance GMM does not
  const rot = (t: number, sx: number, sy: number) => [
    [Math.cos(t) * sx, -Math.sin(t) * sy],
    [Math.sin(t) * sx, Math.cos(t) * sy],
  ];
  const b = blobs(
    11,
    [
      [0, 0],
      [0, 2.2],
      [7, 1],
    ],
    [rot(0.1, 3, 0.3), rot(0.1, 3, 0.3), eye(2, 0.5)],
    [500, 500, 300],
  );

  it("recovers elongated clusters, means, weights and covariances with full covariance", () => {
    const g = gmm(b.points, 2, 3, { seed: 0 });
    // the blobs overlap slightly at their tips, so the Bayes-optimal labelling is not perfect either
    assert.ok(adjustedRandIndex(g.labels, b.labels) > 0.95, `ARI ${adjustedRandIndex(g.labels, b.labels)}`);
    assert.ok(g.converged);
    const km = kmeans(b.points, 2, 3, { seed: 0 });
    assert.ok(adjustedRandIndex(km.labels, b.labels) < 0.5, "k-means cuts the elongated blobs across");
    // EM started only from that k-means solution stays in its local optimum; the random starts escape it
    const kmOnly = gmm(b.points, 2, 3, { seed: 0, init: "kmeans", nInit: 1 });
    assert.ok(kmOnly.logLikelihood < g.logLikelihood - 100);
    // match components to blobs by mean
    for (const [c, mu, w] of [
      [0, [0, 0], 500 / 1300],
      [2, [7, 1], 300 / 1300],
    ] as const) {
      let j = 0,
        bd = Infinity;
      for (let q = 0; q < 3; q++) {
        const d = Math.hypot(g.means[2 * q] - mu[0], g.means[2 * q + 1] - mu[1]);
        if (d < bd) {
          bd = d;
          j = q;
        }
      }
      assert.ok(bd < 0.25, `blob ${c}: mean off by ${bd}`);
      assert.ok(Math.abs(g.weights[j] - w) < 0.02);
      // against the sample covariance of the blob's true members (what a perfect fit would give)
      const idx = Array.from(b.labels.keys()).filter((i) => b.labels[i] === c);
      const m = [0, 1].map((a) => idx.reduce((s, i) => s + b.points[2 * i + a], 0) / idx.length);
      for (let a = 0; a < 2; a++)
        for (let bb = 0; bb < 2; bb++) {
          const S =
            idx.reduce((s, i) => s + (b.points[2 * i + a] - m[a]) * (b.points[2 * i + bb] - m[bb]), 0) / idx.length;
          const got = g.covariances[j * 4 + a * 2 + bb];
          assert.ok(Math.abs(got - S) < 0.1 * Math.max(0.5, Math.abs(S)), `blob ${c} cov[${a}][${bb}] ${got} vs ${S}`);
        }
    }
    // responsibilities are probabilities
    for (let i = 0; i < 50; i++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += g.responsibilities[i * 3 + c];
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
    assert.deepEqual(g.predict(b.points), g.labels);
  });

  it("BIC is lowest at the true number of components; diag has fewer parameters", () => {
    const bics = [1, 2, 3, 4, 5].map((k) => gmm(b.points, 2, k, { seed: 0 }).bic);
    const kBest = bics.indexOf(Math.min(...bics)) + 1;
    assert.equal(kBest, 3, `BICs ${bics.map((x) => x.toFixed(0)).join(", ")}`);
    const full = gmm(b.points, 2, 3, { seed: 0 }),
      diag = gmm(b.points, 2, 3, { seed: 0, covariance: "diag" });
    assert.equal(full.nParameters, 2 + 6 + 9);
    assert.equal(diag.nParameters, 2 + 6 + 6);
    assert.equal(diag.covariances.length, 6);
    assert.ok(full.logLikelihood > diag.logLikelihood, "the tilted blobs need off-diagonal covariance");
  });

  it("is deterministic for a seed and rejects bad input", () => {
    const g1 = gmm(b.points, 2, 3, { seed: 4 }),
      g2 = gmm(b.points, 2, 3, { seed: 4 });
    assert.deepEqual(g1.means, g2.means);
    assert.deepEqual(g1.responsibilities, g2.responsibilities);
    assert.throws(
      () => gmm(b.points, 2, 3, { covariance: "spherical" as never }),
      /covariance must be "full" or "diag"/,
    );
    assert.throws(() => gmm(new Float32Array(4), 2, 3), /k = 3 clusters but only 2 points/);
    assert.throws(() => gmm(b.points, 3, 2), /not a multiple of dim = 3/);
    assert.throws(() => gmm(Float32Array.from([1, 2, Infinity, 3]), 2, 1), IvaeInputError);
  });

  it("clusters 100k latent points", () => {
    const big = blobs(
      3,
      [
        [0, 0, 0, 0],
        [4, 0, 0, 0],
        [0, 4, 0, 0],
        [0, 0, 4, 4],
      ],
      [eye(4), eye(4), eye(4), eye(4)],
      [25000, 25000, 25000, 25000],
    );
    // timing belongs to the benchmark (ratios in one run), not to a test threshold
    const km = kmeans(big.points, 4, 4, { seed: 1, restarts: 2 });
    const g = gmm(big.points, 4, 4, { seed: 1, restarts: 1, maxIter: 30, nInit: 1 });
    assert.ok(adjustedRandIndex(km.labels, big.labels) > 0.9);
    assert.ok(adjustedRandIndex(g.labels, big.labels) > 0.9);
  });
});
