/**
 * Section (a) of `npm run results`: plain VAE and rVAE on held-out cards of both styles, one run per seed
 * (the seed sets the training cards, the model's initial weights and the batch order; the test cards come
 * from seed + 1000, so they are never trained on).
 */
import * as fs from "fs";
import * as path from "path";
import {
  cards,
  RVAE,
  VAE,
  train,
  angleRecovery,
  nearestCentroidAccuracy,
  imageGridPng,
  concatImages,
} from "../../src/index";
import type { LatentModel, CardsDataSet } from "../../src/index";
import { CARDS_RVAE, CARDS_TRAIN, type ResultsConfig, type Style, type Variant } from "./config";
import { classCentres, heldOutNegElbo, invertedCells, priorCover, suitScores, type PriorCover } from "./scores";

/** The figures of merit of one model on one seed's held-out cards. */
export interface CardsModelRun {
  negElboTest: number;
  trainLoss: number;
  trainSeconds: number;
  suitAccuracy: number;
  angleRho?: number;
  ownCorrelation: number[];
  nearestRight: boolean[];
  reconToSuit: number;
  invertedCells: number;
  /** the manifold over the prior's ±1.5 (7 × 7) against the glyphs, and the aggregated posterior (session 10) */
  priorCover?: PriorCover;
}

/** One seed of one variant and style: both models. */
export interface CardsRun {
  variant: Variant;
  style: Style;
  seed: number;
  vae: CardsModelRun;
  rvae: CardsModelRun;
}

function score(
  model: LatentModel,
  test: CardsDataSet,
  rotates: boolean,
): Omit<CardsModelRun, "trainLoss" | "trainSeconds"> {
  const enc = model.encode(test.images);
  const suit = test.factors.suit;
  const s = suitScores(model, enc, suit, test.options.scale, rotates);
  return {
    negElboTest: heldOutNegElbo(model, test.images),
    suitAccuracy: nearestCentroidAccuracy(enc.zMean, enc.latentDim, suit, { seed: 0 }).accuracy,
    angleRho: enc.angle
      ? angleRecovery(enc.angle, test.factors.angle, { groups: suit, symmetry: test.symmetry }).meanAbsRho
      : undefined,
    ...s,
    invertedCells: invertedCells(model),
    priorCover: priorCover(model, enc, test.options.scale),
  };
}

/**
 * Keeps what a reader needs to check the scores by eye: the model (<out>/models/) and a PNG (<out>/figures/),
 * four columns: row 1 the suits' cluster centres decoded in the canonical pose (clubs, spades, hearts,
 * diamonds), rows 2–3 eight held-out cards, rows 4–5 their z decoded in the canonical pose.
 */
async function keep(cfg: ResultsConfig, name: string, model: LatentModel, test: CardsDataSet, rotates: boolean) {
  const dir = cfg.fast ? path.join(cfg.out, "fast") : cfg.out;
  await model.save(path.join(dir, "models", name));
  const enc = model.encode(test.images);
  const opts = rotates ? { angle: 0 } : {};
  const centres = model.decode(classCentres(enc, test.factors.suit, 4), opts);
  const recon = model.decode(enc.zMean.slice(0, 8 * enc.latentDim), opts);
  const cardsShown = {
    ...test.images,
    n: 8,
    data: test.images.data.slice(0, 8 * test.images.height * test.images.width),
  };
  fs.mkdirSync(path.join(dir, "figures"), { recursive: true });
  const png = imageGridPng(concatImages([centres, cardsShown, recon]), { cols: 4 });
  fs.writeFileSync(path.join(dir, "figures", `${name}.png`), png.png);
}

/** Trains and scores VAE and rVAE on one variant, style and seed. */
export async function cardsRun(cfg: ResultsConfig, variant: Variant, style: Style, seed: number): Promise<CardsRun> {
  const c = cfg.cards;
  const data = cards.lecture(variant, { n: c.n, seed, size: c.size, style });
  const test = cards.lecture(variant, { n: c.nTest, seed: seed + 1000, size: c.size, style });
  const shape: [number, number] = [c.size, c.size];
  const common = { batchSize: c.batchSize, learningRate: c.learningRate, seed, progress: false };
  const out: Partial<CardsRun> = { variant, style, seed };
  for (const key of ["vae", "rvae"] as const) {
    const model: LatentModel =
      key === "vae"
        ? new VAE({ imageShape: shape, latentDim: 2, seed })
        : new RVAE({ imageShape: shape, latentDim: 2, seed, ...CARDS_RVAE });
    const h = await train(model, data.images, {
      ...common,
      epochs: key === "vae" ? c.vaeEpochs : c.epochs,
      pixelSubsample: key === "rvae" && c.pixelSubsample < 1 ? c.pixelSubsample : undefined,
      // the rVAE's training options (config.ts CARDS_TRAIN: output bias at the data's mean logit, z standardised
      // after training); the VAE keeps the library's defaults
      ...(key === "rvae" ? CARDS_TRAIN : {}),
    });
    out[key] = {
      ...score(model, test, key === "rvae"),
      trainLoss: h.loss[h.loss.length - 1],
      trainSeconds: h.seconds,
    };
    await keep(cfg, `${variant}-${style}-seed${seed}-${key}`, model, test, key === "rvae");
    model.dispose();
  }
  const r = out as CardsRun;
  console.log(
    JSON.stringify({
      variant,
      style,
      seed,
      negElbo: [r.vae.negElboTest, r.rvae.negElboTest].map((v) => +v.toFixed(1)),
      rho: r.rvae.angleRho && +r.rvae.angleRho.toFixed(3),
      own: r.rvae.ownCorrelation.map((v) => +v.toFixed(3)),
      right: r.rvae.nearestRight,
      recon: r.rvae.reconToSuit,
      inverted: r.rvae.invertedCells,
      cover: r.rvae.priorCover && {
        cells80: +r.rvae.priorCover.cells80.toFixed(3),
        suits95: r.rvae.priorCover.suits95,
        mass: +r.rvae.priorCover.massInside.toFixed(3),
        postVar: r.rvae.priorCover.postVarianceDim.map((v) => +v.toPrecision(2)),
      },
      s: [r.vae.trainSeconds, r.rvae.trainSeconds].map((v) => +v.toFixed(0)),
    }),
  );
  return r;
}
