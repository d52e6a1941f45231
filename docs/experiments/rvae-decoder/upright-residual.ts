// Session 14: the rVAE in learned frames (learnUprightPose) with a wider residual on the given angle: under given
// frames nothing is searched, so `rotationSteps` only sets the MLP residual's reach (2π/steps: ±5.6° at the default
// 64, ±11° at 32, ±22.5° at 16). Does a residual that can take the slant recover the −ELBO, and what does it cost in |ρ|?
// Usage: npx tsx docs/experiments/rvae-decoder/upright-residual.ts [seed=1] [steps=16]
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { digits, RVAE, train, nearestCentroidAccuracy, learnUprightPose } from "../../../src/index";
import { DIGITS_RVAE, DIGITS_UPRIGHT } from "../../../scripts/results/config";
import { heldOutNegElbo } from "../../../scripts/results/scores";
import { asymmetricRho } from "./angle-score";

const arg = (k: string, d: number) =>
  Number((process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1]);
async function main() {
  await selectBackend();
  const seed = arg("seed", 1),
    steps = arg("steps", 16);
  const { train: tr, test: te } = digits.rotatedSplit({ n: 4000, seed, testFraction: 0.25 });
  const pose = learnUprightPose(tr.images, { ...DIGITS_UPRIGHT, seed, progress: false });
  const frames = pose.predict(te.images).angle;
  const model = new RVAE({ imageShape: [28, 28], latentDim: 2, seed, ...DIGITS_RVAE, rotationSteps: steps });
  await train(model, tr.images, {
    epochs: 20,
    batchSize: 64,
    learningRate: 1e-3,
    seed,
    progress: false,
    initialAngles: pose.angle,
    initialAngleEpochs: 20,
  });
  const enc = model.encode(te.images, { angles: frames });
  const acc = nearestCentroidAccuracy(enc.zMean, 2, te.labels, { seed }).accuracy;
  const elbo = heldOutNegElbo(model, te.images, 5, 100, frames);
  console.log(
    `steps ${steps}: |ρ| ${asymmetricRho(enc.angle!, te)}, accuracy ${acc.toFixed(3)}, −ELBO ${elbo.toFixed(1)}, ` +
      `frames alone ${asymmetricRho(frames, te)}`,
  );
  pose.dispose();
  model.dispose();
  console.log(`tensors left ${tf.memory().numTensors}`);
}
main();
