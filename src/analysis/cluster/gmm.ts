/** Gaussian mixtures fitted by EM, initialised from a seeded k-means (full or diagonal covariances). */
import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { kmeans } from "./kmeans";
import { runEM } from "./em";
import type { GMMOptions, GMMResult } from "./gmm-types";
import { Points, checkPoints, checkSeed } from "./points";

export type { GMMOptions, GMMResult } from "./gmm-types";

/**
 * Gaussian mixture model fitted by expectation–maximisation, initialised from a seeded k-means. Reports the
 * log-likelihood, BIC/AIC (for choosing k) and responsibilities; `predict` labels new points. Same seed,
 * same result.
 */
export function gmm(points: Points, dim: number, k: number, opts: GMMOptions = {}): GMMResult {
  const where = "gmm";
  const n = checkPoints(where, points, dim, k);
  const covType = opts.covariance ?? "full";
  check(
    covType === "full" || covType === "diag",
    where,
    `covariance must be "full" or "diag", got "${String(covType)}"`,
  );
  const maxIter = opts.maxIter ?? 200;
  checkInt(maxIter, where, "maxIter", 1);
  const tol = opts.tol ?? 1e-5;
  check(Number.isFinite(tol) && tol >= 0, where, `tol must be a finite number >= 0, got ${tol}`);
  const regRel = opts.regCovar ?? 1e-6;
  check(Number.isFinite(regRel) && regRel >= 0, where, `regCovar must be a finite number >= 0, got ${regRel}`);
  const full = covType === "full";

  // Regularisation scaled by the mean per-coordinate variance: latents of any scale behave alike.
  const gmean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) gmean[d] += points[i * dim + d] / n;
  let meanVar = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) meanVar += (points[i * dim + d] - gmean[d]) ** 2;
  meanVar /= n * dim;
  const reg = regRel * (meanVar > 0 ? meanVar : 1);

  const init = opts.init ?? "auto";
  check(
    init === "auto" || init === "kmeans" || init === "kmeans++" || init === "random",
    where,
    `init must be "auto", "kmeans", "kmeans++" or "random", got "${String(init)}"`,
  );
  const nInit = opts.nInit ?? 4;
  checkInt(nInit, where, "nInit", 1);
  const rng = new Random(checkSeed(where, opts.seed));
  const p = k - 1 + k * dim + (full ? (k * dim * (dim + 1)) / 2 : k * dim);

  // With several starts on a large set, choose among them on a seeded subsample (EM from random starts
  // needs many iterations) and refine only the winner on all points.
  const subN = opts.initSubsample ?? 20000;
  checkInt(subN, where, "initSubsample", 0);
  const useSub = nInit > 1 && subN > 0 && n > subN;
  const all = Float64Array.from(points);
  let fitPts = all,
    m = n;
  if (useSub) {
    const idx = new Random(rng.seed()).permutation(n).subarray(0, subN).sort();
    const sub = new Float64Array(subN * dim);
    for (let i = 0; i < subN; i++) for (let d = 0; d < dim; d++) sub[i * dim + d] = all[idx[i] * dim + d];
    fitPts = sub;
    m = subN;
  }

  let best: GMMResult | null = null;
  for (let run = 0; run < nInit; run++) {
    const runSeed = rng.seed();
    const resp = new Float64Array(m * k);
    const how = init === "auto" ? (run === 0 ? "kmeans" : "random") : init;
    if (how === "random") {
      // random soft assignments (every component starts near the global mean with the global spread)
      const r = new Random(runSeed);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += resp[i * k + c] = r.next();
        for (let c = 0; c < k; c++) resp[i * k + c] /= s;
      }
    } else {
      // "kmeans": a full k-means; otherwise k-means++ seeds and one Lloyd step
      const labels =
        how === "kmeans"
          ? kmeans(fitPts, dim, k, { seed: runSeed, restarts: opts.restarts ?? 4 }).labels
          : kmeans(fitPts, dim, k, { seed: runSeed, restarts: 1, maxIter: 1 }).labels;
      for (let i = 0; i < m; i++) resp[i * k + labels[i]] = 1;
    }
    const fit = runEM(fitPts, m, dim, k, full, reg, resp, maxIter, tol, covType, p);
    if (!best || fit.logLikelihood > best.logLikelihood) best = fit;
  }
  if (!useSub) return best!;
  return runEM(all, n, dim, k, full, reg, Float64Array.from(best!.predictProba(all)), maxIter, tol, covType, p);
}
