// Issue 13, session 10: does the manifold over the prior show the four suits? Trains the results script's cards
// rVAE (scripts/results/cards.ts recipe: cards3, 48 px, 2000 cards, 15 epochs, lr 3e-3, batch 32, pixelSubsample
// 0.25, initOutputBias, CARDS_RVAE) with one lever changed and prints, every `every` epochs, the figure of merit
// `priorCover` (scripts/results/scores.ts): the 7×7 cells of the prior's ±1.5 grid that decode to a suit glyph
// (correlation ≥ 0.8 / ≥ 0.95), the suits among them, the aggregated posterior's mass inside ±1.5 and spread.
// Levers (key=value): from=b warm=E (β from b at epoch 1 linearly to 1 at epoch E + 1: from > 1 is a warm-down),
//   epochs=E, lr=η, wz=k (decoder.0.Wz × k at init), zlv=v (the z log-variance bias of the encoder head at init),
//   opt.<numeric RVAE option>=v.
// Usage: npx tsx docs/experiments/rvae-decoder/cover.ts seed=1 style=ivae [levers] [every=3]
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, RVAE, train, angleRecovery } from "../../../src/index";
import type { RVAEOptions } from "../../../src/index";
import { CARDS_RVAE } from "../../../scripts/results/config";
import { classCentres, heldOutNegElbo, invertedCells, priorCover, suitScores } from "../../../scripts/results/scores";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const seed = num("seed", 1),
  epochs = num("epochs", 15),
  every = num("every", 3),
  n = num("n", 2000);
const style = (args.style ?? "ivae") as "ivae" | "notebook";
const opts: Record<string, number> = {};
for (const [k, v] of Object.entries(args)) if (k.startsWith("opt.")) opts[k.slice(4)] = Number(v);
const f2 = (v: number) => +v.toFixed(2);
const f3 = (v: number) => +v.toFixed(3);

(async () => {
  await selectBackend();
  const variant = (args.variant ?? "cards3") as "cards1" | "cards2" | "cards3" | "cards4";
  const data = cards.lecture(variant, { n, seed, size: 48, style });
  const test = cards.lecture(variant, { n: 400, seed: seed + 1000, size: 48, style });
  const model = new RVAE({
    imageShape: [48, 48],
    latentDim: 2,
    seed,
    ...CARDS_RVAE,
    ...(opts as Partial<RVAEOptions>),
  });
  if (args.wz) {
    const v = model.params.get("decoder.0.Wz");
    v.assign(tf.tidy(() => tf.mul(v, Number(args.wz))));
  }
  if (args.zlv) {
    // the head's columns are the means of all latents, then their log-variances; z's come first in each half
    const b = model.params.get("encoder.head.b");
    const vals = b.dataSync().slice();
    vals[vals.length / 2] = vals[vals.length / 2 + 1] = Number(args.zlv);
    b.assign(tf.tensor1d(vals));
  }
  const probe = () => {
    const enc = model.encode(test.images);
    const zc = classCentres(enc, test.factors.suit, 4);
    let r = 0;
    for (let s = 0; s < 4; s++) r += Math.hypot(zc[2 * s], zc[2 * s + 1]) / 4;
    const c = priorCover(model, enc, test.options.scale);
    const sc = suitScores(model, enc, test.factors.suit, test.options.scale, true);
    return {
      drawn: sc.nearestRight.filter(Boolean).length,
      minOwn: f3(Math.min(...sc.ownCorrelation)),
      rho: f3(
        angleRecovery(enc.angle!, test.factors.angle, { groups: test.factors.suit, symmetry: test.symmetry })
          .meanAbsRho,
      ),
      radius: f2(r),
      cells80: f3(c.cells80),
      cells95: f3(c.cells95),
      suits: [c.suits80, c.suits95],
      mass: f3(c.massInside),
      aggVar: c.aggVariance.map(f2),
      postVar: +c.postVariance.toPrecision(2),
      inverted: invertedCells(model),
      enc,
    };
  };
  const from = args.from !== undefined ? Number(args.from) : undefined;
  const t0 = Date.now();
  const h = await train(model, data.images, {
    epochs,
    batchSize: 32,
    learningRate: num("lr", 3e-3),
    seed,
    progress: false,
    pixelSubsample: 0.25,
    initOutputBias: true,
    betaSchedule: args.warm ? { warmupEpochs: Number(args.warm), from } : undefined,
    onEpoch: (e) => {
      if (e.epoch % every !== 0 && e.epoch !== 1) return;
      const { enc, ...p } = probe();
      void enc;
      console.log(JSON.stringify({ epoch: e.epoch, beta: f2(e.beta), loss: f2(e.loss), klZ: f2(e.terms.klZ), ...p }));
    },
  });
  const { enc, ...p } = probe();
  // the 7×7 grid, top row z2 = +1.5: upper case a suit drawn at r ≥ 0.95 (Clubs, Spades, Hearts, Diamonds),
  // lower case at r ≥ 0.8, "." neither
  const ms = cards.matchSuits(model.manifold({ range: [-1.5, 1.5], steps: 7 }), { scale: test.options.scale });
  const grid = Array.from({ length: 7 }, (_, r) =>
    Array.from({ length: 7 }, (_, q) => {
      const k = r * 7 + q;
      return ms.correlation[k] >= 0.95 ? "CSHD"[ms.suit[k]] : ms.correlation[k] >= 0.8 ? "cshd"[ms.suit[k]] : ".";
    }).join(""),
  );
  const s = suitScores(model, enc, test.factors.suit, test.options.scale, true);
  console.log(
    JSON.stringify({
      seed,
      style,
      levers: Object.fromEntries(Object.entries(args).filter(([k]) => !["seed", "style", "every"].includes(k))),
      negElbo: f2(heldOutNegElbo(model, test.images)),
      ...p,
      own: s.ownCorrelation.map(f3),
      right: s.nearestRight.every((b) => b),
      recon: s.reconToSuit,
      grid,
      trainS: Math.round(h.seconds),
      s: Math.round((Date.now() - t0) / 1000),
    }),
  );
  if (args.save) await model.save(args.save);
  model.dispose();
})();
