// Issue 13, session 11: posteriors that cover the prior's bulk, measured at the training test's budget
// (test/training/cards-rotation.test.ts: cards3, 32 px, 1600 cards of data seed 1, 12 epochs, batch 32, lr 3e-3,
// pixelSubsample 0.25) with the results' cards recipe (CARDS_RVAE, initOutputBias), WITHOUT standardizeLatent.
// Scored on 400 held-out cards (seed 1001): mean posterior variance, the aggregated posterior's mass inside ±1.5,
// the 7×7 grid over the prior's ±1.5 (cells matching a glyph at ≥ 0.8 / ≥ 0.95, suits at ≥ 0.95), held-out −ELBO,
// suit accuracy from z (nearest centroid), angle |ρ|; std=1 also prints the grid after standardizeLatent.
// Levers (key=value): lh=32[,32] (RVAEOptions.latentHidden), gain=g (latentGain), from=b warm=E (β from b at
//   epoch 1 linearly to 1 at epoch E + 1), zlv=v (the z log-variance bias of the encoder head at init), epochs=E,
//   lr=η, n=N, every=E (a probe line every E epochs); size=48 style=notebook dseed=s (data seed, default 1).
// Usage: npx tsx docs/experiments/rvae-decoder/broad.ts seed=0 [levers]
// Session 12 (diag.ts, a copy of broad.ts): pfrom=E probes every epoch from E on (with the per-suit frame share),
//   prints every step whose loss is over 1.3× its epoch's median from epoch pfrom on, and keeps a checkpoint copy
//   of every epoch from pfrom on in ck=DIR/ep-<epoch> (train's own checkpoint, resumable with resume=DIR/ep-<e>).
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import {
  angleRecovery as ar2,
  cards,
  RVAE,
  train,
  angleRecovery,
  nearestCentroidAccuracy,
  standardizeLatent,
} from "../../../src/index";
import { CARDS_RVAE } from "../../../scripts/results/config";
import { heldOutNegElbo, invertedCells, priorCover, suitScores } from "../../../scripts/results/scores";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const seed = num("seed", 0),
  epochs = num("epochs", 12),
  every = num("every", 0),
  size = num("size", 32),
  style = (args.style ?? "ivae") as "ivae" | "notebook";
const f3 = (v: number) => +v.toFixed(3);

/** The 7×7 grid, top row z2 = +1.5: upper case a suit at r ≥ 0.95 (Clubs, Spades, Hearts, Diamonds), lower ≥ 0.8. */
function grid(model: RVAE, scale: number): string[] {
  const ms = cards.matchSuits(model.manifold({ range: [-1.5, 1.5], steps: 7 }), { scale });
  return Array.from({ length: 7 }, (_, r) =>
    Array.from({ length: 7 }, (_, q) => {
      const k = r * 7 + q;
      return ms.correlation[k] >= 0.95 ? "CSHD"[ms.suit[k]] : ms.correlation[k] >= 0.8 ? "cshd"[ms.suit[k]] : ".";
    }).join(""),
  );
}

(async () => {
  await selectBackend();
  // dseed: the data's seed (1: the test's; with size=48 n=2000 epochs=15 dseed=s seed=s, the results' seed s)
  const dseed = num("dseed", 1);
  const data = cards.lecture("cards3", { n: num("n", 1600), seed: dseed, size, style });
  const test = cards.lecture("cards3", { n: 400, seed: dseed + 1000, size, style });
  const scale = test.options.scale;
  const model = new RVAE({
    imageShape: [size, size],
    latentDim: 2,
    seed,
    ...CARDS_RVAE,
    ...(args.lh ? { latentHidden: args.lh.split(",").map(Number) } : {}),
    ...(args.gain ? { latentGain: Number(args.gain) } : {}),
  });
  if (args.zlv) {
    // the head's columns are the means of all latents, then their log-variances; z's come first in each half
    const b = model.params.get("encoder.head.b");
    const vals = b.dataSync().slice();
    vals[vals.length / 2] = vals[vals.length / 2 + 1] = Number(args.zlv);
    tf.tidy(() => b.assign(tf.tensor1d(vals)));
  }
  const probe = () => {
    const enc = model.encode(test.images);
    const c = priorCover(model, enc, scale);
    return {
      postVar: +c.postVariance.toPrecision(2),
      // per dimension: a dimension the decoder ignores has posterior variance ≈ 1 and inflates the mean
      postVarDim: [0, 1].map((j) => {
        let v = 0;
        for (let i = 0; i < enc.n; i++) v += Math.exp(enc.zLogVar[2 * i + j]) / enc.n;
        return +v.toPrecision(2);
      }),
      // the posterior variance in the units standardizeLatent would give (÷ the aggregated variance): scale-free
      stdVar: [0, 1].map((j) => {
        let v = 0;
        for (let i = 0; i < enc.n; i++) v += Math.exp(enc.zLogVar[2 * i + j]) / enc.n;
        return +(v / c.aggVariance[j]).toPrecision(2);
      }),
      mass: f3(c.massInside),
      aggVar: c.aggVariance.map(f3),
      cells: [Math.round(c.cells80 * 49), Math.round(c.cells95 * 49)],
      suits95: c.suits95,
      enc,
    };
  };
  const from = args.from !== undefined ? Number(args.from) : undefined;
  const pfrom = num("pfrom", 1e9);
  // per suit: the share of the largest 15° bin of the angle error (modulo 360°/symmetry): one frame → 1
  const frameShare = (enc: ReturnType<typeof model.encode>) => {
    void ar2;
    return test.suitNames.map((_, s) => {
      const period = 360 / test.symmetry[s];
      const bins = new Map<number, number>();
      let total = 0;
      for (let i = 0; i < test.images.n; i++) {
        if (test.factors.suit[i] !== s) continue;
        const e = (((enc.angle![i] - test.factors.angle[i]) * 180) / Math.PI) % period;
        const b = (Math.round((((e % period) + period) % period) / 15) * 15) % period;
        bins.set(b, (bins.get(b) ?? 0) + 1);
        total++;
      }
      const top = [...bins.entries()].sort((a, b) => b[1] - a[1])[0];
      return `${top[0]}°:${(top[1] / total).toFixed(2)}`;
    });
  };
  let curEpoch = 1;
  const kept: tf.Tensor[] = [];
  const orig = model.lossTerms.bind(model);
  model.lossTerms = (x, c, o) => {
    curEpoch = o.epoch ?? curEpoch;
    const t = orig(x, c, o);
    if (curEpoch >= pfrom) kept.push(tf.keep(tf.stack([t.loss, ...Object.values(t.terms)])));
    return t;
  };
  const ck = args.ck;
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
    ...(ck ? { checkpoint: { dir: args.resume ?? `${ck}/run`, every: 1 } } : {}),
    ...(args.resume ? { resume: true } : {}),
    onEpoch: (e) => {
      if (kept.length) {
        const rows = kept.map((t) => Array.from(t.dataSync()));
        tf.dispose(kept.splice(0));
        const med = rows.map((r) => r[0]).sort((a, b) => a - b)[rows.length >> 1];
        const high = rows.map((r, i) => [i, ...r.map((v) => +v.toFixed(1))]).filter((r) => r[1] > 1.3 * med);
        console.log(JSON.stringify({ epoch: e.epoch, median: +med.toFixed(2), high }));
      }
      if (ck && e.epoch >= pfrom) fs.cpSync(args.resume ?? `${ck}/run`, `${ck}/ep-${e.epoch}`, { recursive: true });
      const terms = Object.fromEntries(Object.entries(e.terms).map(([k, v]) => [k, +v.toFixed(2)]));
      if (e.epoch >= pfrom) {
        const { enc, ...p } = probe();
        console.log(JSON.stringify({ epoch: e.epoch, loss: +e.loss.toFixed(2), terms, frames: frameShare(enc), ...p }));
        return;
      }
      if (!every || e.epoch % every !== 0) return;
      const { enc, ...p } = probe();
      void enc;
      console.log(JSON.stringify({ epoch: e.epoch, beta: +e.beta.toFixed(2), loss: +e.loss.toFixed(2), ...p }));
    },
  });
  const trainS = Math.round((Date.now() - t0) / 1000);
  const { enc, ...p } = probe();
  const rho = angleRecovery(enc.angle!, test.factors.angle, { groups: test.factors.suit, symmetry: test.symmetry });
  const s = suitScores(model, enc, test.factors.suit, scale, true);
  const out: Record<string, unknown> = {
    seed,
    levers: Object.fromEntries(
      Object.entries(args).filter(([k]) => !["seed", "every", "std", "pfrom", "ck"].includes(k)),
    ),
    negElbo: +heldOutNegElbo(model, test.images).toFixed(2),
    ...p,
    suitAcc: f3(nearestCentroidAccuracy(enc.zMean, 2, test.factors.suit, { seed: 0 }).accuracy),
    rho: f3(rho.meanAbsRho),
    own: s.ownCorrelation.map(f3),
    right: s.nearestRight.every(Boolean),
    recon: f3(s.reconToSuit),
    inverted: invertedCells(model),
    grid: grid(model, scale),
    trainS,
  };
  if (args.std === "1") {
    standardizeLatent(model, data.images);
    const c = priorCover(model, model.encode(test.images), scale);
    out.std = {
      cells: [Math.round(c.cells80 * 49), Math.round(c.cells95 * 49)],
      suits95: c.suits95,
      grid: grid(model, scale),
    };
  }
  console.log(JSON.stringify(out));
  if (args.save) await model.save(args.save);
  model.dispose();
})();
