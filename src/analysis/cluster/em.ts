/** Expectation–maximisation of a Gaussian mixture on float64 arrays: E-step, M-step, Cholesky factors. */
import { IvaeInputError } from "../../util/errors";
import type { GMMResult } from "./gmm-types";
import { Points, argmaxRows, checkPoints } from "./points";

function cholesky(a: Float64Array, dim: number): Float64Array | null {
  const L = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * dim + j];
      for (let q = 0; q < j; q++) s -= L[i * dim + q] * L[j * dim + q];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * dim + i] = Math.sqrt(s);
      } else {
        L[i * dim + j] = s / L[j * dim + j];
      }
    }
  }
  return L;
}

/** EM from initial responsibilities `resp` (n × k, overwritten). All arrays float64 so the loops stay monomorphic. */
export function runEM(
  points: Float64Array,
  n: number,
  dim: number,
  k: number,
  full: boolean,
  reg: number,
  resp: Float64Array,
  maxIter: number,
  tol: number,
  covType: "full" | "diag",
  p: number,
): GMMResult {
  const st: EMState = {
    k,
    dim,
    full,
    reg,
    weights: new Float64Array(k),
    means: new Float64Array(k * dim),
    covs: new Float64Array(full ? k * dim * dim : k * dim),
    chol: new Float64Array(k * dim * dim),
    logNorm: new Float64Array(k),
    logW: new Float64Array(k),
  };
  mStep(st, points, n, resp);
  let ll = -Infinity,
    iterations = 0,
    converged = false;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    const next = eStep(st, points, n, resp);
    mStep(st, points, n, resp);
    if (Math.abs(next - ll) / n < tol) {
      converged = true;
      break;
    }
    ll = next;
  }
  // Final responsibilities and likelihood for the final parameters.
  ll = eStep(st, points, n, resp);
  const respOut = Float32Array.from(resp);
  const labels = argmaxRows(resp, n, k);
  const predictProba = (pts: Points): Float32Array => {
    const m = checkPoints("gmm.predict", pts, dim);
    const out = new Float64Array(m * k);
    eStep(st, Float64Array.from(pts), m, out);
    return Float32Array.from(out);
  };
  return {
    k,
    dim,
    covariance: covType,
    weights: st.weights,
    means: st.means,
    covariances: st.covs,
    labels,
    responsibilities: respOut,
    logLikelihood: ll,
    bic: -2 * ll + p * Math.log(n),
    aic: -2 * ll + 2 * p,
    nParameters: p,
    iterations,
    converged,
    predict: (pts: Points) => {
      const pr = predictProba(pts);
      return argmaxRows(pr, pr.length / k, k);
    },
    predictProba,
  };
}

/** Parameters of a mixture plus per-component Cholesky factors (Σ = L Lᵀ) and log-normalisers. */
interface EMState {
  k: number;
  dim: number;
  full: boolean;
  reg: number;
  weights: Float64Array;
  means: Float64Array;
  covs: Float64Array;
  chol: Float64Array;
  logNorm: Float64Array;
  logW: Float64Array;
}

/** M-step: weights, means and (regularised) covariances from responsibilities, then their Cholesky factors. */
function mStep(st: EMState, points: Float64Array, n: number, resp: Float64Array): void {
  const { k, dim, full, reg, weights, means, covs, chol, logNorm, logW } = st;
  const nk = new Float64Array(k);
  means.fill(0);
  covs.fill(0);
  for (let i = 0; i < n; i++) {
    const io = i * dim,
      ro = i * k;
    for (let c = 0; c < k; c++) {
      const r = resp[ro + c];
      if (r === 0) continue;
      nk[c] += r;
      const co = c * dim;
      for (let d = 0; d < dim; d++) means[co + d] += r * points[io + d];
    }
  }
  for (let c = 0; c < k; c++) {
    const w = nk[c] + 10 * Number.EPSILON; // a starved component keeps a defined mean
    for (let d = 0; d < dim; d++) means[c * dim + d] /= w;
    weights[c] = nk[c] / n;
    logW[c] = nk[c] > 0 ? Math.log(weights[c]) : -Infinity;
  }
  // Second pass about the new means (two-pass covariance: no cancellation for off-centre clusters).
  const diff = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const io = i * dim,
      ro = i * k;
    for (let c = 0; c < k; c++) {
      const r = resp[ro + c];
      if (r === 0) continue;
      const co = c * dim;
      for (let d = 0; d < dim; d++) diff[d] = points[io + d] - means[co + d];
      if (full) {
        const o = c * dim * dim;
        for (let a = 0; a < dim; a++) {
          const ra = r * diff[a],
            oa = o + a * dim;
          for (let b = 0; b <= a; b++) covs[oa + b] += ra * diff[b];
        }
      } else {
        for (let d = 0; d < dim; d++) covs[co + d] += r * diff[d] * diff[d];
      }
    }
  }
  chol.fill(0);
  for (let c = 0; c < k; c++) {
    const w = nk[c] + 10 * Number.EPSILON;
    const o = c * dim * dim;
    if (full) {
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b <= a; b++) {
          const v = covs[o + a * dim + b] / w + (a === b ? reg : 0);
          covs[o + a * dim + b] = v;
          covs[o + b * dim + a] = v;
        }
      }
      const L = cholesky(covs.subarray(o, o + dim * dim), dim);
      if (!L) {
        throw new IvaeInputError(
          `gmm: covariance of component ${c} is not positive definite; increase regCovar or use covariance: "diag"`,
        );
      }
      chol.set(L, o);
    } else {
      for (let d = 0; d < dim; d++) {
        covs[c * dim + d] = covs[c * dim + d] / w + reg;
        chol[o + d * dim + d] = Math.sqrt(covs[c * dim + d]);
      }
    }
    let logDet = 0;
    for (let d = 0; d < dim; d++) logDet += 2 * Math.log(chol[o + d * dim + d]);
    logNorm[c] = -0.5 * (dim * Math.log(2 * Math.PI) + logDet);
  }
}

/**
 * E-step: log(weight · N(x | μ, Σ)) per component via forward substitution with L, normalised with
 * log-sum-exp into `out` (m × k posteriors). Returns the total log-likelihood.
 */
function eStep(st: EMState, pts: Float64Array, m: number, out: Float64Array): number {
  const { k, dim, means, chol, logNorm, logW } = st;
  const z = new Float64Array(dim),
    lp = new Float64Array(k);
  let ll = 0;
  for (let i = 0; i < m; i++) {
    const io = i * dim;
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      const o = c * dim * dim,
        co = c * dim;
      let q = 0;
      for (let a = 0; a < dim; a++) {
        const oa = o + a * dim;
        let s = pts[io + a] - means[co + a];
        for (let b = 0; b < a; b++) s -= chol[oa + b] * z[b];
        const za = s / chol[oa + a];
        z[a] = za;
        q += za * za;
      }
      const v = logW[c] + logNorm[c] - 0.5 * q;
      lp[c] = v;
      if (v > mx) mx = v;
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(lp[c] - mx);
    const lse = mx + Math.log(s);
    ll += lse;
    const ro = i * k;
    for (let c = 0; c < k; c++) out[ro + c] = Math.exp(lp[c] - lse);
  }
  return ll;
}
