import { check, checkFinite, checkInt } from "../util/errors";
import { Random } from "../util/random";

/** A principal component analysis. */
export interface PCAResult {
  components: number;
  dim: number;
  /** per-feature mean that was subtracted (dim) */
  mean: Float32Array;
  /** principal axes, components × dim, unit length, by decreasing variance */
  axes: Float32Array;
  /** projections of the samples, n × components */
  scores: Float32Array;
  /** variance along each axis */
  explainedVariance: Float64Array;
  /** fraction of the total variance along each axis */
  explainedVarianceRatio: Float64Array;
}

/** Eigen-decomposition of a small symmetric matrix (cyclic Jacobi); returns values desc and vectors as rows. */
export function symmetricEigen(A: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A),
    v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (Math.abs(apq) < 1e-300) continue;
        const th = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p],
            akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k],
            aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p],
            vkq = v[k * m + q];
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => a[j * m + j] - a[i * m + i]);
  const values = Float64Array.from(order, (i) => a[i * m + i]);
  const vectors = new Float64Array(m * m);
  order.forEach((i, r) => {
    for (let k = 0; k < m; k++) vectors[r * m + k] = v[k * m + i];
  });
  return { values, vectors };
}

/** Orthonormalises the columns of Y (n × m, row-major) in place (modified Gram–Schmidt). */
function orthonormalColumns(Y: Float64Array, n: number, m: number): void {
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += Y[r * m + i] * Y[r * m + j];
      for (let r = 0; r < n; r++) Y[r * m + j] -= d * Y[r * m + i];
    }
    let s = 0;
    for (let r = 0; r < n; r++) s += Y[r * m + j] ** 2;
    s = Math.sqrt(s) || 1;
    for (let r = 0; r < n; r++) Y[r * m + j] /= s;
  }
}

/**
 * PCA of n samples of dimension d (X row-major n × d) by randomised subspace iteration (Halko et al.):
 * O(n·d·components) instead of forming the d × d covariance, so 1000 patches of 32×32 take a fraction
 * of a second. Seeded; axes signs are fixed so that the largest-magnitude loading is positive.
 */
export function pca(
  X: Float32Array,
  n: number,
  d: number,
  components: number,
  opts: { seed?: number; iterations?: number } = {},
): PCAResult {
  checkInt(n, "pca", "n", 2);
  checkInt(d, "pca", "d");
  checkInt(components, "pca", "components");
  check(X.length === n * d, "pca", `X has ${X.length} values, expected n*d = ${n * d}`);
  check(components <= Math.min(n, d), "pca", `components must be <= min(n, d) = ${Math.min(n, d)}, got ${components}`);
  checkFinite(X, "pca", "X");
  const rng = new Random(opts.seed ?? 0);
  const mean = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const Xc = new Float64Array(n * d);
  let total = 0;
  for (let i = 0; i < n * d; i++) {
    Xc[i] = X[i] - mean[i % d];
    total += Xc[i] ** 2;
  }
  total /= n - 1;
  const m = Math.min(Math.min(n, d), components + 10);
  // Y = Xc Ω, then q rounds of Y = Xc (Xcᵀ Y) with re-orthonormalisation
  let Y = new Float64Array(n * m);
  const Z = new Float64Array(d * m);
  for (let j = 0; j < d * m; j++) Z[j] = rng.normal();
  const mulXZ = () => {
    Y.fill(0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) {
        const x = Xc[i * d + j];
        if (x === 0) continue;
        for (let k = 0; k < m; k++) Y[i * m + k] += x * Z[j * m + k];
      }
  };
  const mulXtY = () => {
    Z.fill(0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) {
        const x = Xc[i * d + j];
        if (x === 0) continue;
        for (let k = 0; k < m; k++) Z[j * m + k] += x * Y[i * m + k];
      }
  };
  mulXZ();
  orthonormalColumns(Y, n, m);
  for (let it = 0; it < (opts.iterations ?? 4); it++) {
    mulXtY();
    orthonormalColumns(Z, d, m);
    mulXZ();
    orthonormalColumns(Y, n, m);
  }
  // B = Yᵀ Xc (m × d); eigen of B Bᵀ gives the right singular vectors through Bᵀ u / s
  mulXtY(); // Z = Xcᵀ Y = Bᵀ (d × m)
  const G = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = a; b < m; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Z[j * m + a] * Z[j * m + b];
      G[a * m + b] = G[b * m + a] = s;
    }
  const { values, vectors } = symmetricEigen(G, m);
  const axes = new Float32Array(components * d);
  const ev = new Float64Array(components);
  for (let c = 0; c < components; c++) {
    const s = Math.sqrt(Math.max(values[c], 0)) || 1;
    let big = 0;
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let a = 0; a < m; a++) v += Z[j * m + a] * vectors[c * m + a];
      axes[c * d + j] = v / s;
      if (Math.abs(v) > Math.abs(big)) big = v;
    }
    if (big < 0) for (let j = 0; j < d; j++) axes[c * d + j] = -axes[c * d + j];
    ev[c] = Math.max(values[c], 0) / (n - 1);
  }
  Y = new Float64Array(0);
  const scores = new Float32Array(n * components);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < components; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Xc[i * d + j] * axes[c * d + j];
      scores[i * components + c] = s;
    }
  return {
    components,
    dim: d,
    mean,
    axes,
    scores,
    explainedVariance: ev,
    explainedVarianceRatio: ev.map((v) => (total > 0 ? v / total : 0)),
  };
}
