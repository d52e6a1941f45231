/**
 * Section (b) of `npm run results`: rotated handwritten digits (±120°, 28 px, 2-D z). Three models on the same
 * digits with the same budget: a VAE on the upright digits, a VAE on the rotated ones, and the rVAE
 * (`DIGITS_RVAE`) on the rotated ones. Everything is scored on the held-out quarter (`digits.rotatedSplit`,
 * whose test digits have their own poses); the seed sets the digits, the poses, the weights and the batch order.
 */
import {
  digits,
  RVAE,
  VAE,
  train,
  angleRecovery,
  nearestCentroidAccuracy,
  adjustedRandIndex,
  kmeans,
  synchroniseAngles,
  learnUprightPose,
} from "../../src/index";
import type { LatentModel } from "../../src/index";
import { DIGITS_RVAE, DIGITS_SYNC, DIGITS_UPRIGHT, type ResultsConfig } from "./config";
import { heldOutNegElbo } from "./scores";
import { linearR2 } from "./stats";

export type DigitsModelKey = "vaeUpright" | "vaeRotated" | "rvaeRotated";

/** The figures of merit of one model on one seed's held-out digits. */
export interface DigitsModelRun {
  negElboTest: number;
  trainSeconds: number;
  /** nearest-centroid digit accuracy from z, 5-fold cross-validated on the held-out digits */
  digitAccuracy: number;
  /** k-means (k = 10) on z against the digits */
  kmeansARI: number;
  /** R² of (cos θ, sin θ) of the true rotation from a linear map of z (not for the upright VAE) */
  rotationR2?: number;
  /** rVAE: |ρ| of the inferred angle with the true one, mean over the asymmetric digits, and per digit */
  rhoAsymmetric?: number;
  rhoPerDigit?: Record<string, number>;
  /** rVAE with given frames: the same |ρ| when the model encodes with its own frame search instead */
  rhoAsymmetricSearch?: number;
  rhoPerDigitSearch?: Record<string, number>;
  /** rVAE with upright frames: the |ρ| of those frames alone on the held-out digits (no model) */
  rhoAsymmetricFrames?: number;
  /** rVAE with given frames: the held-out −ELBO with its own frame search instead */
  negElboSearch?: number;
}

export interface DigitsRun {
  seed: number;
  models: Record<DigitsModelKey, DigitsModelRun>;
}

/** Trains and scores the three models on one seed's digits. */
export async function digitsRun(cfg: ResultsConfig, seed: number): Promise<DigitsRun> {
  const c = cfg.digits;
  const { train: tr, test: te } = digits.rotatedSplit({ n: c.n, seed, testFraction: c.testFraction });
  const models = {} as Record<DigitsModelKey, DigitsModelRun>;
  for (const key of ["vaeUpright", "vaeRotated", "rvaeRotated"] as DigitsModelKey[]) {
    const model: LatentModel =
      key === "rvaeRotated"
        ? new RVAE({ imageShape: [28, 28], latentDim: 2, seed, ...DIGITS_RVAE })
        : new VAE({ imageShape: [28, 28], latentDim: 2, seed });
    const upright = key === "vaeUpright";
    const t0 = Date.now();
    // the rVAE's frames (DIGITS_UPRIGHT / DIGITS_SYNC), fixed for all epochs; upright ones also for encoding
    const rvae = key === "rvaeRotated";
    const pose =
      rvae && c.frames === "upright" ? learnUprightPose(tr.images, { ...DIGITS_UPRIGHT, seed, progress: false }) : null;
    const initial = pose
      ? pose.angle
      : rvae && c.frames === "sync"
        ? synchroniseAngles(tr.images, DIGITS_SYNC).angle
        : null;
    const frames = initial ? { initialAngles: initial, initialAngleEpochs: c.epochs } : {};
    await train(model, upright ? tr.upright : tr.images, {
      epochs: c.epochs,
      batchSize: c.batchSize,
      learningRate: c.learningRate,
      seed,
      progress: false,
      ...frames,
    });
    // learning the frames counts as training time, giving them to the test digits does not
    const trainSeconds = (Date.now() - t0) / 1000;
    const testImages = upright ? te.upright : te.images;
    const testFrames = pose ? pose.predict(testImages).angle : null;
    pose?.dispose();
    const enc = model.encode(testImages, testFrames ? { angles: testFrames } : {});
    const km = kmeans(enc.zMean, 2, 10, { seed, restarts: 8 });
    const r: DigitsModelRun = {
      // an rVAE given frames is scored in them: q(z, γ | x) with the given angle as its frame
      negElboTest: heldOutNegElbo(model, testImages, 5, 100, testFrames),
      trainSeconds,
      digitAccuracy: nearestCentroidAccuracy(enc.zMean, 2, te.labels, { seed }).accuracy,
      kmeansARI: adjustedRandIndex(km.labels, te.labels),
    };
    if (!upright) {
      r.rotationR2 = linearR2(
        enc.zMean,
        2,
        Array.from(te.angle, (a) => [Math.cos(a), Math.sin(a)]),
      );
    }
    if (enc.angle) {
      const rho = asymmetricRho(enc.angle, te);
      r.rhoAsymmetric = rho.mean;
      r.rhoPerDigit = rho.perDigit;
    }
    if (testFrames) {
      const alone = asymmetricRho(model.encode(testImages).angle!, te);
      r.rhoAsymmetricSearch = alone.mean;
      r.rhoPerDigitSearch = alone.perDigit;
      r.rhoAsymmetricFrames = asymmetricRho(testFrames, te).mean;
      r.negElboSearch = heldOutNegElbo(model, testImages);
    }
    models[key] = r;
    model.dispose();
    console.log(JSON.stringify({ seed, model: key, ...r }));
  }
  return { seed, models };
}

/** |ρ| of angles against the applied rotations over the asymmetric digits: the mean and per digit. */
export function asymmetricRho(angle: ArrayLike<number>, set: { labels: ArrayLike<number>; angle: ArrayLike<number> }) {
  const idx: number[] = [];
  for (let i = 0; i < set.labels.length; i++) if (digits.asymmetric.includes(set.labels[i])) idx.push(i);
  const ar = angleRecovery(
    idx.map((i) => angle[i]),
    idx.map((i) => set.angle[i]),
    { groups: idx.map((i) => set.labels[i]) },
  );
  return { mean: ar.meanAbsRho, perDigit: Object.fromEntries(ar.groups.map((g) => [String(g.group), g.absRho])) };
}
