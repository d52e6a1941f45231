// Issue 13, "Inverted cells": trains the results script's rVAE (scripts/results/cards.ts recipe: cards3, 48 px,
// 2000 cards, 15 epochs, lr 3e-3, batch 32, pixelSubsample 0.25) with one lever changed and follows, per epoch,
// where the z posteriors sit and how many cells of the prior's ±1.5 grid invert. Levers (key=value):
//   beta=β (KL weight), warmup=E (linear KL warm-up over E epochs), epochs=E, wz=k (decoder.0.Wz × k at init),
//   bout=b (decoder.out.b at init), noinit=1 (output bias starts at 0, the library's default), floor=f (z posterior
//   log-variance ≥ f, patched in), and any numeric RVAE option as opt.<name>=v (e.g. opt.fourierScale=15).
// Usage: npx tsx docs/experiments/rvae-decoder/inverted-train.ts seed=1 style=ivae [levers] [every=5]
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, RVAE, train, angleRecovery } from "../../../src/index";
import type { RVAEOptions } from "../../../src/index";
import type { Posterior } from "../../../src/models/parts/latents";
import { classCentres, heldOutNegElbo, invertedCells, suitScores } from "../../../scripts/results/scores";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const seed = num("seed", 1),
  epochs = num("epochs", 15),
  every = num("every", 5);
const style = (args.style ?? "ivae") as "ivae" | "notebook";
const opts: Record<string, number> = {};
for (const [k, v] of Object.entries(args)) if (k.startsWith("opt.")) opts[k.slice(4)] = Number(v);
const f2 = (v: number) => +v.toFixed(2);

(async () => {
  await selectBackend();
  const data = cards.lecture("cards3", { n: 2000, seed, size: 48, style });
  const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size: 48, style });
  const model = new RVAE({ imageShape: [48, 48], latentDim: 2, seed, ...(opts as Partial<RVAEOptions>) });
  if (args.wz) {
    const v = model.params.get("decoder.0.Wz");
    v.assign(tf.tidy(() => tf.mul(v, Number(args.wz))));
  }
  if (args.floor) {
    // posterior variance floor on z: log σ² ≥ floor (prototype; the encoder is protected, so patched here)
    const enc = (model as unknown as { encoder: { posterior: (x: tf.Tensor2D, c: tf.Tensor2D | null) => Posterior } })
      .encoder;
    const inner = enc.posterior.bind(enc);
    enc.posterior = (x, c) => {
      const q = inner(x, c);
      return { ...q, z: { mean: q.z.mean, logVar: tf.maximum(q.z.logVar, Number(args.floor)) as tf.Tensor2D } };
    };
  }
  if (args.bout) model.params.get("decoder.out.b").assign(tf.fill([1], Number(args.bout)));
  // where the posteriors sit: mean |centre| of the suits, mean posterior sd, inverted cells
  const probe = () => {
    const enc = model.encode(test.images);
    const zc = classCentres(enc, test.factors.suit, 4);
    let r = 0;
    for (let s = 0; s < 4; s++) r += Math.hypot(zc[2 * s], zc[2 * s + 1]) / 4;
    let sd = 0;
    for (const v of enc.zLogVar) sd += Math.exp(0.5 * v) / enc.zLogVar.length;
    return { radius: f2(r), postSd: +sd.toFixed(3), inverted: invertedCells(model), enc };
  };
  const t0 = Date.now();
  const h = await train(model, data.images, {
    epochs,
    batchSize: 32,
    learningRate: 3e-3,
    seed,
    progress: false,
    pixelSubsample: 0.25,
    // as the results script: the output bias starts at the data's mean logit; bout= sets it by hand, noinit=1 keeps 0
    initOutputBias: !args.bout && !args.noinit,
    beta: args.beta !== undefined ? Number(args.beta) : undefined,
    betaSchedule: args.warmup ? { warmupEpochs: Number(args.warmup) } : undefined,
    onEpoch: (e) => {
      if (e.epoch % every !== 0 && e.epoch !== 1) return;
      const { enc, ...p } = probe();
      void enc;
      console.log(JSON.stringify({ epoch: e.epoch, loss: f2(e.loss), klZ: f2(e.terms.klZ ?? 0), ...p }));
    },
  });
  const secs = (Date.now() - t0) / 1000;
  const { enc, ...p } = probe();
  const s = suitScores(model, enc, test.factors.suit, test.options.scale!, true);
  console.log(
    JSON.stringify({
      seed,
      style,
      levers: Object.fromEntries(Object.entries(args).filter(([k]) => !["seed", "style", "every"].includes(k))),
      negElbo: f2(heldOutNegElbo(model, test.images)),
      ...p,
      own: s.ownCorrelation.map((v) => +v.toFixed(3)),
      right: s.nearestRight.every((b) => b),
      recon: s.reconToSuit,
      rho: +angleRecovery(enc.angle!, test.factors.angle, {
        groups: test.factors.suit,
        symmetry: test.symmetry,
      }).meanAbsRho.toFixed(3),
      trainS: Math.round(h.seconds),
      s: Math.round(secs),
    }),
  );
  model.dispose();
})();
