// Does a wider rVAE, trained in the synchronised frames, give better training frames than the synchronisation itself
// (session 13)? Trains an rVAE with latentDim D (default 8) in the frames of `synchroniseAngles`, encodes the training
// digits with its own frame search, and scores both sets of angles against the applied rotation; with `second=1`
// the 2-D rVAE of the results is then trained in the wide model's frames and scored on the held-out digits.
// Usage: npx tsx docs/experiments/rvae-decoder/sync-wide.ts [seed=1] [zd=8] [second=1]
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { digits, RVAE, train, nearestCentroidAccuracy, synchroniseAngles } from "../../../src/index";
import { DIGITS_RVAE, DIGITS_SYNC } from "../../../scripts/results/config";
import { asymmetricRho } from "./angle-score";

const arg = (k: string, d: number) =>
  Number((process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1]);
const seed = arg("seed", 1),
  zd = arg("zd", 8),
  epochs = 20;
const fit = { epochs, batchSize: 64, learningRate: 1e-3, seed, progress: false as const };
async function main() {
  await selectBackend();
  const { train: tr, test: te } = digits.rotatedSplit({ n: 4000, seed, testFraction: 0.25 });
  const sync = synchroniseAngles(tr.images, DIGITS_SYNC);
  console.log(`synchronisation, training digits: ${asymmetricRho(sync.angle, tr)}`);
  const wide = new RVAE({ imageShape: [28, 28], latentDim: zd, seed, ...DIGITS_RVAE });
  await train(wide, tr.images, { ...fit, initialAngles: sync.angle, initialAngleEpochs: epochs });
  const wideAngles = wide.encode(tr.images).angle!;
  console.log(`rVAE with ${zd}-D z, its frame search on the training digits: ${asymmetricRho(wideAngles, tr)}`);
  console.log(`the same on held-out digits: ${asymmetricRho(wide.encode(te.images).angle!, te)}`);
  wide.dispose();
  if (process.argv.includes("second=1")) {
    const m = new RVAE({ imageShape: [28, 28], latentDim: 2, seed, ...DIGITS_RVAE });
    await train(m, tr.images, { ...fit, initialAngles: wideAngles, initialAngleEpochs: epochs });
    const e = m.encode(te.images);
    const acc = nearestCentroidAccuracy(e.zMean, 2, te.labels, { seed }).accuracy;
    console.log(
      `2-D rVAE in the wide model's frames, held out: |ρ| ${asymmetricRho(e.angle!, te)}, accuracy ${acc.toFixed(3)}`,
    );
  }
}
main();
