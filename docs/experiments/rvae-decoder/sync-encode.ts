// How the digits rVAE trained in synchronised frames should encode (session 13): the frame search of `encode` with
// the trained model's 4 candidates decoded (its configuration) against the scorer's best frame alone (1 candidate),
// on held-out digits; and the synchronisation's own |ρ| on the training digits for comparison.
// Usage: npx tsx docs/experiments/rvae-decoder/sync-encode.ts [seed=1] [n=4000] [epochs=20] [m=4,2,1] (candidates) [pose=group]
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { digits, RVAE, train, nearestCentroidAccuracy, synchroniseAngles, learnUprightPose } from "../../../src/index";
import { DIGITS_RVAE, DIGITS_SYNC } from "../../../scripts/results/config";
import { asymmetricRho } from "./angle-score";

const arg = (k: string, d: number) =>
  Number((process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1]);
const seed = arg("seed", 1),
  epochs = arg("epochs", 20);
async function main() {
  await selectBackend();
  const { train: tr, test: te } = digits.rotatedSplit({ n: arg("n", 4000), seed, testFraction: 0.25 });
  // frames=upright (session 14): the frames learned by rotation prediction (learnUprightPose) instead
  const upright = process.argv.includes("frames=upright")
    ? learnUprightPose(tr.images, { folds: 4, turns: 4, seed, progress: false })
    : null;
  const sync = upright ?? synchroniseAngles(tr.images, DIGITS_SYNC);
  // pose=group: the group-convolution scorer (session 9) learns the synchronised frames instead of the polar template
  const group = process.argv.includes("pose=group") ? { poseEncoder: "group" as const } : {};
  const model = new RVAE({ imageShape: [28, 28], latentDim: 2, seed, ...DIGITS_RVAE, ...group });
  await train(model, tr.images, {
    epochs,
    batchSize: 64,
    learningRate: 1e-3,
    seed,
    progress: false,
    initialAngles: sync.angle,
    initialAngleEpochs: epochs,
  });
  console.log(`${upright ? "upright pose" : "synchronisation"}, training digits: ${asymmetricRho(sync.angle, tr)}`);
  if (upright) console.log(`upright pose, held-out digits: ${asymmetricRho(upright.predict(te.images).angle, te)}`);
  const enc = (m: number) => {
    (model as unknown as { encoder: { frameCandidates: number } }).encoder.frameCandidates = m;
    return model.encode(te.images);
  };
  for (const m of (process.argv.find((a) => a.startsWith("m=")) ?? "m=4,2,1").slice(2).split(",").map(Number)) {
    const e = enc(m);
    const acc = nearestCentroidAccuracy(e.zMean, 2, te.labels, { seed }).accuracy;
    console.log(`encode with ${m} candidate(s): |ρ| ${asymmetricRho(e.angle!, te)}, accuracy ${acc.toFixed(3)}`);
  }
  (model as unknown as { encoder: { frameCandidates: number } }).encoder.frameCandidates = 4;
  console.log(`model on its training digits (4 candidates): ${asymmetricRho(model.encode(tr.images).angle!, tr)}`);
}
main();
