import { strict as assert } from "assert";
import { baselineClasses } from "../../src/analysis/baselines";
import { nmf } from "../../src/analysis/nmf";
import { pca } from "../../src/analysis/pca";
import { adjustedRandIndex } from "../../src/analysis/metrics";
import { stemSpectral } from "../../src/data/stem";
import { Random } from "../../src/util/random";

describe("analysis: PCA, NMF, baselines", () => {
  it("PCA finds the planted axes and variances", () => {
    const r = new Random(2),
      n = 400,
      d = 30;
    const X = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const a = r.normal(0, 3),
        b = r.normal(0, 1);
      X[i * d + 3] = a + 5;
      X[i * d + 7] = b;
      for (let j = 0; j < d; j++) X[i * d + j] += 0.01 * r.normal();
    }
    const p = pca(X, n, d, 2);
    assert.ok(Math.abs(p.axes[3]) > 0.995 && Math.abs(p.axes[d + 7]) > 0.995);
    assert.ok(Math.abs(p.explainedVariance[0] - 9) < 1.5 && Math.abs(p.explainedVariance[1] - 1) < 0.2);
    assert.ok(Math.abs(p.mean[3] - 5) < 0.4);
  });
  it("NMF recovers a non-negative rank-2 factorisation and rejects negative data", () => {
    const n = 50,
      d = 20,
      X = new Float32Array(n * d);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) X[i * d + j] = (i % 5) * (j < 10 ? 1 : 0) + (i % 3) * (j >= 10 ? 2 : 0);
    const m = nmf(X, n, d, 2, { maxIter: 500 });
    assert.ok(m.relativeError < 0.02, `error ${m.relativeError}`);
    assert.ok(m.W.every((v) => v >= 0) && m.H.every((v) => v >= 0));
    X[3] = -1;
    assert.throws(() => nmf(X, n, d, 2), /negative value/);
  });
  it("k-means on PCA/NMF of per-pixel spectra recovers the phases of the spectral image", () => {
    const s = stemSpectral({ height: 32, width: 32, channels: 48, seed: 3 });
    for (const method of ["pca-kmeans", "nmf-kmeans"] as const) {
      const b = baselineClasses({ data: s.data, n: 32 * 32, d: 48 }, { k: 3, method, components: 3 });
      const ari = adjustedRandIndex(b.labels, s.labels);
      assert.ok(ari > 0.8, `${method} ARI ${ari}`);
    }
  });
});
