// Session 14: each digit's pose learned by rotation prediction (src/analysis/upright-pose.ts), against the applied
// rotation: the training digits' cross-fitted angles and the held-out digits' (all fold nets), and the
// synchronisation's for comparison. Usage: npx tsx docs/experiments/rvae-decoder/upright.ts [seed=1] [n=4000]
// [epochs=30] [folds=2] [turns=1] [hidden=256,256] [bins=36] [sync=1] (the script's defaults are session 14's first
// settings; the library's are folds=4 turns=4)
import { selectBackend } from "../../../src/backend";
import { digits, learnUprightPose, synchroniseAngles } from "../../../src/index";
import { DIGITS_SYNC } from "../../../scripts/results/config";
import { asymmetricRho } from "./angle-score";

const arg = (k: string, d: number) =>
  Number((process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1]);
const list = (k: string, d: string) =>
  (process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1].split(",").map(Number);
async function main() {
  await selectBackend();
  const seed = arg("seed", 1);
  const { train: tr, test: te } = digits.rotatedSplit({ n: arg("n", 4000), seed, testFraction: 0.25 });
  if (arg("sync", 0))
    console.log(
      `synchronisation, training digits: ${asymmetricRho(synchroniseAngles(tr.images, DIGITS_SYNC).angle, tr)}`,
    );
  const t0 = Date.now();
  const pose = learnUprightPose(tr.images, {
    epochs: arg("epochs", 30),
    hidden: list("hidden", "256,256"),
    bins: arg("bins", 36),
    folds: arg("folds", 2),
    turns: arg("turns", 1),
    seed,
    progress: false,
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const mean = (a: Float32Array) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(3);
  console.log(
    `upright pose (${secs} s), training digits (cross-fitted): ${asymmetricRho(pose.angle, tr)}, strength ${mean(pose.strength)}`,
  );
  const held = pose.predict(te.images);
  console.log(`upright pose, held-out digits: ${asymmetricRho(held.angle, te)}, strength ${mean(held.strength)}`);
  pose.dispose();
}
main();
