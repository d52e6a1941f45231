// Issue 13, session 9: which suit leaves its frame and when. Trains the results script's rVAE (scripts/results/cards.ts
// recipe: cards3, 48 px, 2000 cards, 15 epochs, lr 3e-3, batch 32, pixelSubsample 0.25, initOutputBias) and prints,
// after every `every` epochs, each suit's split between frames on the 400 held-out cards: the angle error
// (inferred − true, modulo 360°/symmetry) in 15° bins, the share of the largest bin, and |ρ| per suit.
// Usage: npx tsx docs/experiments/rvae-decoder/frames.ts seed=2 style=notebook [size=48 n=2000 epochs=15 every=1]
//        [modelSeed=seed trainSeed=seed] (the cards-rotation test's scale: size=32 n=1600 epochs=12 seed=1 trainSeed=0
//        style=ivae modelSeed=0…3)
//        [noinit=1] [opt.<numeric RVAE option>=v] [sopt.<string RVAE option>=v] [bopt.<boolean RVAE option>=1]
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, RVAE, train, angleRecovery } from "../../../src/index";
import type { RVAEOptions, CardsDataSet, Encoding } from "../../../src/index";
import { heldOutNegElbo, suitScores } from "../../../scripts/results/scores";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const seed = num("seed", 1),
  modelSeed = num("modelSeed", seed),
  trainSeed = num("trainSeed", seed),
  epochs = num("epochs", 15),
  every = num("every", 1),
  size = num("size", 48),
  n = num("n", 2000);
const style = (args.style ?? "notebook") as "ivae" | "notebook";
const opts: Record<string, unknown> = {};
for (const [k, v] of Object.entries(args)) {
  if (k.startsWith("opt.")) opts[k.slice(4)] = Number(v);
  if (k.startsWith("sopt.")) opts[k.slice(5)] = v;
  if (k.startsWith("bopt.")) opts[k.slice(5)] = v === "1";
}

/** Per suit: the angle error's 15° bins (count), the largest bin's share and |ρ|. */
function frames(enc: Encoding, test: CardsDataSet) {
  const rec = angleRecovery(enc.angle!, test.factors.angle, { groups: test.factors.suit, symmetry: test.symmetry });
  return test.suitNames.map((name, s) => {
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
    const top = Math.max(...bins.values()) / total;
    const rho = rec.groups.find((g) => g.group === s)!.absRho;
    const hist = [...bins.entries()].sort((a, b) => b[1] - a[1]).map(([b, c]) => `${b}°:${c}`);
    return `${name} ${top.toFixed(2)} |ρ| ${rho.toFixed(3)} [${hist.join(" ")}]`;
  });
}

(async () => {
  await selectBackend();
  const data = cards.lecture("cards3", { n, seed, size, style });
  const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size, style });
  const model = new RVAE({
    imageShape: [size, size],
    latentDim: 2,
    seed: modelSeed,
    ...(opts as Partial<RVAEOptions>),
  });
  const h = await train(model, data.images, {
    epochs,
    batchSize: num("batch", 32),
    learningRate: 3e-3,
    seed: trainSeed,
    progress: false,
    pixelSubsample: 0.25,
    initOutputBias: !args.noinit,
    onEpoch: (e) => {
      if (e.epoch % every !== 0 && e.epoch !== epochs) return;
      console.log(`epoch ${e.epoch} loss ${e.loss.toFixed(1)}: ${frames(model.encode(test.images), test).join("; ")}`);
    },
  });
  const enc = model.encode(test.images);
  const s = suitScores(model, enc, test.factors.suit, test.options.scale!, true);
  const rho = angleRecovery(enc.angle!, test.factors.angle, { groups: test.factors.suit, symmetry: test.symmetry });
  console.log(
    JSON.stringify({
      seed,
      modelSeed,
      trainSeed,
      style,
      size,
      levers: Object.fromEntries(Object.entries(args).filter(([k]) => !["seed", "style", "every"].includes(k))),
      negElbo: +heldOutNegElbo(model, test.images).toFixed(1),
      own: s.ownCorrelation.map((v) => +v.toFixed(3)),
      right: s.nearestRight.every((b) => b),
      recon: s.reconToSuit,
      rho: +rho.meanAbsRho.toFixed(3),
      trainS: Math.round(h.seconds),
    }),
  );
  model.dispose();
})();
