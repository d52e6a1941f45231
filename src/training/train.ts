import * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import type { LatentModel } from "../models/model";
import { check, checkInt, TrainingDivergedError } from "../util/errors";
import { Random } from "../util/random";
import { CheckpointOptions, openCheckpoint } from "./checkpoint";
import { sha256 } from "../models/io";
import { checkFrameAngles } from "../models/inputs";
import { EpochReport, formatReport, ProgressSink, progressSink, termLabel } from "./progress";
import { variableGrads } from "./grads";
import { AdamOutcome, makeAdam } from "./native-adam";
import { LatentStandardization, standardizeLatent } from "./standardize-latent";
import { checkLearningRateSchedule, LearningRateSchedule, learningRateAt } from "./lr-schedule";

/** Linear KL warm-up: β goes from `from` (default 0) in epoch 1 to `beta` in epoch warmupEpochs + 1. */
export interface BetaWarmup {
  warmupEpochs: number;
  from?: number;
}

/** Options of `train`. */
export interface TrainOptions extends CheckpointOptions {
  epochs: number;
  /** images per step (default 128) */
  batchSize?: number;
  /** Adam learning rate (default 1e-3) */
  learningRate?: number;
  /**
   * Learning rate per epoch (default: `learningRate` throughout): `{ kind: "cosine", start?, final? }`,
   * `{ kind: "step", every, factor? }` (both scale `learningRate`), or a function (epoch, epochs) → learning rate.
   * Applied to Adam at the start of each epoch.
   */
  learningRateSchedule?: LearningRateSchedule;
  /** seeds data order and reparameterisation noise (default 0); initialisation is seeded by the model */
  seed?: number;
  /** class index per image, for conditional models */
  labels?: ArrayLike<number>;
  /** KL weight β (default 1) */
  beta?: number;
  /** β per epoch: a function of the 1-based epoch, or a linear warm-up to `beta` */
  betaSchedule?: ((epoch: number) => number) | BetaWarmup;
  /**
   * Estimate the reconstruction term from a random subset of pixels per step (the same subset for the
   * images of a step), scaled by P/m: an unbiased estimate of the ELBO at a fraction of the decoder cost.
   * A count of pixels (≥ 1) or a fraction in (0, 1). Default: all pixels.
   */
  pixelSubsample?: number;
  /**
   * Start a fresh model's shared output bias (coordinate decoders: rVAE, shift-VAE and their kin) at the logit
   * of the training images' mean intensity before the first step (default false). Applies only to a model that
   * has been neither trained nor loaded (`model.fresh`); a resumed checkpoint restores its own weights.
   * Why, and why it is not the default: docs/experiments/rvae-decoder.md, "Inverted cells".
   */
  initOutputBias?: boolean;
  /**
   * After the last epoch, move the model along an exact symmetry of its ELBO so that the aggregated posterior of z
   * over the training images has mean 0 and variance 1 per dimension (`standardizeLatent`; default false). The
   * decoded images do not change and the KL of z falls; the manifold over the prior then spans the data's clusters.
   * Why: docs/experiments/rvae-decoder.md, session 10.
   */
  standardizeLatent?: boolean;
  /**
   * Scale each step's gradients down to this global L2 norm (over all variables) when their norm exceeds it
   * (default: no clipping). Why: docs/experiments/rvae-decoder.md, session 12.
   */
  clipGradNorm?: number;
  /**
   * Per training image, an angle (radians, CCW as displayed, up to one common constant) that fixes its frame during
   * the first `initialAngleEpochs` epochs: the image is de-rotated by its angle (plus the MLP's residual of at most
   * one trial step) instead of by the frame search, whose scorer then gets no gradient: a model trained with angles
   * for all epochs encodes with `encode(images, { angles })`. E.g. `learnUprightPose(images).angle`. Needs the
   * equivariant or group pose encoder without `framePosterior`. Why: docs/experiments/rotated-digits-pose.md,
   * sessions 13–14.
   */
  initialAngles?: ArrayLike<number>;
  /** epochs (from the first) in which `initialAngles` fix the frames (default: the model's `poseWarmup`, at least 1) */
  initialAngleEpochs?: number;
  /** called after every epoch (awaited) */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** progress line: true (default) on the terminal, false for none, or a custom sink */
  progress?: boolean | ProgressSink;
  /** stops training after the current step; the history so far is returned */
  signal?: AbortSignal;
}

/**
 * What `train` returns: one report per completed epoch, and the per-term curves under the names the model
 * gave its loss terms (`terms.reconstruction`, `terms.klZ`, ...). `reconstruction`, `klZ`, `klAngle` and
 * `klOffset` are the same curves under their old names (0 for a term the model does not have).
 */
export interface TrainHistory {
  reports: EpochReport[];
  loss: number[];
  terms: Record<string, number[]>;
  reconstruction: number[];
  klZ: number[];
  klAngle: number[];
  klOffset: number[];
  /** total wall-clock seconds */
  seconds: number;
  /** true when stopped by `signal` */
  aborted: boolean;
  /** with `standardizeLatent`: the shift and scale applied to z and the KL of z before and after */
  latentStandardization?: LatentStandardization;
}

/** The gradients scaled to global norm `c` when it is larger (the inputs are disposed then); non-finite: unchanged. */
function clipByGlobalNorm(grads: tf.NamedTensorMap, c: number): tf.NamedTensorMap {
  const normT = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  if (!(Number.isFinite(norm) && norm > c)) return grads;
  const out = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, c / norm)])));
  tf.dispose(Object.values(grads));
  return out as tf.NamedTensorMap;
}

function betaFor(epoch: number, opts: TrainOptions): number {
  const beta = opts.beta ?? 1;
  const s = opts.betaSchedule;
  if (!s) return beta;
  if (typeof s === "function") return s(epoch);
  const from = s.from ?? 0;
  if (s.warmupEpochs <= 0) return beta;
  return from + (beta - from) * Math.min(1, (epoch - 1) / s.warmupEpochs);
}

/**
 * Trains a model by maximising the ELBO with Adam on seeded mini-batches. Reports each epoch's loss
 * terms (reconstruction and each KL separately) through `onEpoch` and the progress line. A non-finite
 * loss, gradient or weight stops training with `TrainingDivergedError`, and the model keeps the weights
 * of the last good step. Same seeds (model and `seed`) give the same numbers.
 */
export async function train(
  model: LatentModel,
  images: ImageStack | tf.Tensor | number[][][],
  opts: TrainOptions,
): Promise<TrainHistory> {
  const where = "train";
  check(opts != null && typeof opts === "object", where, "expected options { epochs, ... }");
  checkInt(opts.epochs, where, "epochs", 1);
  const batchSize = opts.batchSize ?? 128;
  checkInt(batchSize, where, "batchSize", 1);
  const lr = opts.learningRate ?? 1e-3;
  check(Number.isFinite(lr) && lr > 0, where, `learningRate must be a positive number, got ${lr}`);
  checkLearningRateSchedule(opts.learningRateSchedule, where);
  const beta0 = opts.beta ?? 1;
  check(Number.isFinite(beta0) && beta0 >= 0, where, `beta must be a number >= 0, got ${beta0}`);
  if (opts.betaSchedule && typeof opts.betaSchedule !== "function") {
    check(
      Number.isFinite(opts.betaSchedule.warmupEpochs) && opts.betaSchedule.warmupEpochs >= 0,
      where,
      "betaSchedule.warmupEpochs must be a number >= 0",
    );
  }
  const clip = opts.clipGradNorm;
  check(
    clip === undefined || (Number.isFinite(clip) && clip > 0),
    where,
    `clipGradNorm must be a positive number (a global gradient norm), got ${clip}`,
  );
  const stack = model.checkImages(images, where);
  const labels = model.checkLabels(opts.labels, stack.n, where);
  const n = stack.n;
  const hints = checkInitialAngles(model, opts.initialAngles, n, where);
  const hintEpochs = opts.initialAngleEpochs ?? Math.max(1, model.config.poseWarmup ?? 0);
  checkInt(hintEpochs, where, "initialAngleEpochs", 1);
  const P = stack.height * stack.width;
  const row = (stack.channels ?? 1) * P; // values per image (channel planes); pixel subsets index one plane
  let m = P;
  if (opts.pixelSubsample !== undefined) {
    const ps = opts.pixelSubsample;
    check(
      Number.isFinite(ps) && ps > 0,
      where,
      `pixelSubsample must be a pixel count >= 1 or a fraction in (0, 1), got ${ps}`,
    );
    m = ps < 1 ? Math.max(1, Math.round(ps * P)) : Math.floor(ps);
    check(m <= P, where, `pixelSubsample ${ps} exceeds the ${P} pixels of an image`);
  }
  const rng = new Random(opts.seed ?? 0);
  const sink = progressSink(opts.progress);
  const vars = model.params.vars;
  // checks gradients and new weights as it updates (no update when a gradient is not finite)
  const optimizer = makeAdam(lr);
  const history: TrainHistory = {
    reports: [],
    loss: [],
    terms: {},
    reconstruction: [],
    klZ: [],
    klAngle: [],
    klOffset: [],
    seconds: 0,
    aborted: false,
  };
  // the model's loss-term names, fixed by its first step
  let names: string[] | null = null;
  const pixelPool = new Int32Array(P).map((_, i) => i);
  const fingerprint = {
    n,
    P,
    m,
    batchSize,
    lr,
    seed: opts.seed ?? 0,
    ...(clip ? { clipGradNorm: clip } : {}),
    // the angles' sha256 (as the saved weights'): a resume with other angles would not continue the same run
    ...(hints ? { initialAngles: sha256(new Uint8Array(hints.buffer)) } : {}),
  };
  const ckpt = await openCheckpoint(model, opts, { rng, optimizer, history, pixelPool, fingerprint }).catch(
    (e: unknown) => {
      optimizer.dispose();
      throw e;
    },
  );
  // after a resume (which restores weights and clears `fresh`), before the guard's first snapshot
  if (model.fresh && opts.initOutputBias) model.initOutputBias(stack);
  model.fresh = false;
  const xBuf = new Float32Array(Math.min(batchSize, n) * row);
  const steps = Math.ceil(n / batchSize);
  let snapshot: tf.Tensor[] = vars.map((v) => tf.clone(v));
  const restore = () => vars.forEach((v, i) => v.assign(snapshot[i]));
  const t0 = Date.now();
  try {
    for (let epoch = ckpt.firstEpoch; epoch <= opts.epochs; epoch++) {
      const te = Date.now();
      const beta = betaFor(epoch, opts);
      check(
        Number.isFinite(beta) && beta >= 0,
        where,
        `betaSchedule gave β = ${beta} at epoch ${epoch}; expected a number >= 0`,
      );
      // Adam reads its learningRate field at every step (tfjs's update and the native one alike)
      (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(
        epoch,
        opts.epochs,
        lr,
        opts.learningRateSchedule,
        where,
      );
      const perm = rng.permutation(n);
      let sums: number[] = [];
      let lastUpdate = Date.now();
      for (let s = 0; s < steps; s++) {
        const start = s * batchSize;
        const B = Math.min(batchSize, n - start);
        const idx = perm.subarray(start, start + B);
        for (let k = 0; k < B; k++) xBuf.set(stack.data.subarray(idx[k] * row, (idx[k] + 1) * row), k * row);
        const noiseSeed = rng.seed();
        let pixelIndices: Int32Array | undefined;
        if (m < P) {
          for (let i = 0; i < m; i++) {
            const j = i + rng.int(P - i);
            const t = pixelPool[i];
            pixelPool[i] = pixelPool[j];
            pixelPool[j] = t;
          }
          pixelIndices = pixelPool.slice(0, m).sort();
        }
        const x = tf.tensor2d(xBuf.subarray(0, B * row), [B, row]);
        const c = labels ? model.labelBatch(Int32Array.from(idx, (i) => labels[i])) : null;
        let termsT: tf.Tensor | null = null;
        let value: tf.Scalar, grads: tf.NamedTensorMap;
        try {
          ({ value, grads } = variableGrads(() => {
            const frameHint = hints && epoch <= hintEpochs ? Float32Array.from(idx, (i) => hints[i]) : undefined;
            const t = model.lossTerms(x, c, { seed: noiseSeed, beta, pixelIndices, epoch, frameHint });
            names ??= Object.keys(t.terms);
            termsT = tf.keep(tf.stack([t.loss, ...names.map((k) => t.terms[k])]));
            return t.loss;
          }, vars));
        } finally {
          x.dispose();
          c?.dispose();
        }
        if (sums.length === 0) sums = new Array(names!.length + 1).fill(0);
        if (clip) grads = clipByGlobalNorm(grads, clip);
        const gradList = vars.map((v) => grads[v.name]);
        const terms = (termsT as unknown as tf.Tensor).dataSync() as Float32Array;
        (termsT as unknown as tf.Tensor).dispose();
        value.dispose();
        const lossOk = terms.every((v) => Number.isFinite(v));
        const outcome: AdamOutcome = lossOk ? optimizer.applyChecked(grads) : "ok";
        if (!lossOk || outcome === "gradient") {
          tf.dispose(gradList);
          restore();
          throw new TrainingDivergedError(
            `train: the ${lossOk ? "gradient" : "loss"} became non-finite at epoch ${epoch}, batch ${s + 1}/${steps} ` +
              `(loss ${terms[0]}, ${names!.map((k, i) => `${termLabel(k)} ${terms[i + 1]}`).join(", ")}); ` +
              `the model keeps the weights of the last good step. Try a smaller learningRate (was ${lr}) or ` +
              `check the data.`,
            epoch,
            s + 1,
          );
        }
        tf.dispose(gradList);
        if (outcome === "weight") {
          restore();
          throw new TrainingDivergedError(
            `train: the weights became non-finite after the Adam step at epoch ${epoch}, batch ${s + 1}/${steps}; ` +
              `the model keeps the weights of the last good step. Try a smaller learningRate (was ${lr}).`,
            epoch,
            s + 1,
          );
        }
        // clones share the variables' data, so this snapshot costs no copy
        tf.dispose(snapshot);
        snapshot = vars.map((v) => tf.clone(v));
        for (let k = 0; k < sums.length; k++) sums[k] += terms[k] * B;
        if (sink && Date.now() - lastUpdate > 1000 && s + 1 < steps) {
          lastUpdate = Date.now();
          const el = (Date.now() - te) / 1000;
          sink.update(
            `epoch ${epoch}/${opts.epochs}  batch ${s + 1}/${steps}  loss ${(sums[0] / (start + B)).toFixed(2)} ` +
              ` ${el.toFixed(1)}s`,
            false,
          );
        }
        if (opts.signal?.aborted) break;
        if (s % 8 === 7) await new Promise((r) => setImmediate(r)); // keep notebooks/widgets responsive
      }
      const seen = opts.signal?.aborted ? null : n;
      const seconds = (Date.now() - te) / 1000;
      const elapsed = (Date.now() - t0) / 1000;
      const termValues: Record<string, number> = {};
      (names ?? []).forEach((k, i) => (termValues[k] = sums[i + 1] / (seen ?? n)));
      const report: EpochReport = {
        epoch,
        epochs: opts.epochs,
        loss: sums[0] / (seen ?? n),
        terms: termValues,
        reconstruction: termValues.reconstruction ?? 0,
        klZ: termValues.klZ ?? 0,
        klAngle: termValues.klAngle ?? 0,
        klOffset: termValues.klOffset ?? 0,
        beta,
        seconds,
        etaSeconds: (elapsed / epoch) * (opts.epochs - epoch),
      };
      if (opts.signal?.aborted) {
        history.aborted = true;
        break;
      }
      history.reports.push(report);
      history.loss.push(report.loss);
      for (const [k, v] of Object.entries(report.terms)) (history.terms[k] ??= []).push(v);
      history.reconstruction.push(report.reconstruction);
      history.klZ.push(report.klZ);
      history.klAngle.push(report.klAngle);
      history.klOffset.push(report.klOffset);
      await ckpt.epochDone(epoch);
      sink?.update(formatReport(report), true);
      if (opts.onEpoch) await opts.onEpoch(report);
    }
  } finally {
    tf.dispose(snapshot);
    optimizer.dispose();
    sink?.close?.();
  }
  if (opts.standardizeLatent && !history.aborted) history.latentStandardization = standardizeLatent(model, stack, opts);
  history.seconds = (Date.now() - t0) / 1000;
  return history;
}

/** `initialAngles` checked against the images and the model: finite, one per image, a model with a frame search. */
function checkInitialAngles(model: LatentModel, a: ArrayLike<number> | undefined, n: number, where: string) {
  if (a === undefined) return null;
  const c = model.config;
  const framed = c.rotation && (c.poseEncoder === "equivariant" || c.poseEncoder === "group");
  // the rVAE's ELBO passes the hints to its encoder; other models' objectives would ignore them
  check(
    c.className === "RVAE" && framed && !c.framePosterior,
    where,
    `initialAngles replace the frame search: the model needs to be an RVAE with poseEncoder "equivariant" or "group" ` +
      `and no framePosterior, got ${c.className} with poseEncoder ${c.poseEncoder}, framePosterior ` +
      `${c.framePosterior ?? false}`,
  );
  return checkFrameAngles(a, n, where, "initialAngles");
}
