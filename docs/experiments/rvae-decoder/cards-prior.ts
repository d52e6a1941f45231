// Session 10 (docs/experiments/rotated-digits-pose.md): does the rotation prior over frames keep cards3's angles?
// The training test's budget (test/training/cards-rotation.test.ts: cards3, 32 px, 1600 cards, 12 epochs, batch 32,
// lr 3e-3, pixelSubsample 0.25), frameCandidates fc (default 2, CARDS_RVAE), with fp=1 framePosterior, flip=1
// oppositeFrames, choice=elbo frameChoice, fprior=rot framePrior "rotation", rp = rotationPrior (rad);
// fprior=learned framePrior "learned", hz=1 halfTurnInvariantZ (session 12).
// Usage: npx tsx docs/experiments/rvae-decoder/cards-prior.ts fc=2 fp=1 flip=1 fprior=rot rp=0.8 seed=0
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, RVAE, train, angleRecovery, nearestCentroidAccuracy } from "../../../src/index";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const [k, v] = a.split("=");
  args[k] = v;
}
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);

(async () => {
  await selectBackend();
  const size = 32,
    seed = num("seed", 0);
  const data = cards.lecture("cards3", { n: 1600, seed: 1, size });
  const rvae = new RVAE({
    imageShape: [size, size],
    latentDim: 2,
    seed,
    frameCandidates: num("fc", 2),
    framePosterior: args.fp === "1",
    oppositeFrames: args.flip === "1",
    frameChoice: args.choice === "elbo" ? "elbo" : "reconstruction",
    rotationPrior: num("rp", Math.PI / 2),
    ...(args.fprior === "rot" ? { framePrior: "rotation" as const } : {}),
    ...(args.fprior === "learned" ? { framePrior: "learned" as const } : {}),
    ...(args.hz === "1" ? { halfTurnInvariantZ: true } : {}),
  });
  const t0 = Date.now();
  const h = await train(rvae, data.images, {
    epochs: 12,
    batchSize: 32,
    learningRate: 3e-3,
    seed,
    progress: false,
    pixelSubsample: 0.25,
  });
  const enc = rvae.encode(data.images);
  const rec = angleRecovery(enc.angle, data.factors.angle, { groups: data.factors.suit, symmetry: data.symmetry });
  const acc = nearestCentroidAccuracy(enc.zMean, 2, data.factors.suit, { seed }).accuracy;
  console.log(
    JSON.stringify({
      args,
      secs: (Date.now() - t0) / 1000,
      loss: +h.loss[h.loss.length - 1].toFixed(1),
      meanAbsRho: +rec.meanAbsRho.toFixed(3),
      perSuit: rec.groups.map((g) => `${data.suitNames[g.group]}:${g.absRho.toFixed(3)}`).join(" "),
      suitAccuracy: +acc.toFixed(3),
    }),
  );
})();
