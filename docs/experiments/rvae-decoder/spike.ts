// Session 12: what happens in the steps of one epoch, resumed from a checkpoint kept by diag.ts (ck=DIR/ep-E): per step the
// loss and its terms, the global gradient norm, the variables with the largest gradient norm and the largest relative
// weight change of the Adam step, and the Adam second moment's smallest entries of those variables.
// Usage: npx tsx docs/experiments/rvae-decoder/spike.ts ck=/tmp/cover/ck2/ep-44 epoch=45 [diag.ts's model levers]
//   [clip=c] (global gradient-norm clipping to c, train's clipGradNorm) [steps=a-b] (print only those steps)
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, RVAE, train } from "../../../src/index";
import { NativeAdam } from "../../../src/training/native-adam";
import { CARDS_RVAE } from "../../../scripts/results/config";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const size = num("size", 48),
  seed = num("seed", 2),
  style = (args.style ?? "notebook") as "ivae" | "notebook";
const [s0, s1] = (args.steps ?? "0-999").split("-").map(Number);

(async () => {
  await selectBackend();
  const data = cards.lecture("cards3", { n: num("n", 2000), seed: num("dseed", 2), size, style });
  const model = new RVAE({
    imageShape: [size, size],
    latentDim: 2,
    seed,
    ...CARDS_RVAE,
    latentHidden: (args.lh ?? "32").split(",").map(Number),
    latentGain: num("gain", 3),
  });
  const dir = `/tmp/cover/spike-${process.pid}`;
  fs.cpSync(args.ck, dir, { recursive: true });
  if (args.clip) {
    // the checkpoint was made without clipping: its fingerprint is told the new setting so that it resumes
    const j = JSON.parse(fs.readFileSync(`${dir}/checkpoint.json`, "utf8"));
    j.fingerprint.clipGradNorm = Number(args.clip);
    fs.writeFileSync(`${dir}/checkpoint.json`, JSON.stringify(j));
  }
  let step = 0;
  let lossRow: number[] = [];
  const orig = model.lossTerms.bind(model);
  model.lossTerms = (x, c, o) => {
    const t = orig(x, c, o);
    lossRow = Array.from(tf.tidy(() => tf.stack([t.loss, ...Object.values(t.terms)])).dataSync());
    return t;
  };
  const origApply = NativeAdam.prototype.applyChecked;
  NativeAdam.prototype.applyChecked = function (grads) {
    const names = Object.keys(grads);
    const before = names.map((n) => tf.engine().registeredVariables[n].dataSync().slice());
    const gn = names.map((n) => Math.sqrt(tf.tidy(() => tf.sum(tf.square(grads[n]))).dataSync()[0]));
    const out = origApply.call(this, grads);
    step++;
    if (step >= s0 && step <= s1) {
      const rel = names.map((n, i) => {
        const a = tf.engine().registeredVariables[n].dataSync();
        let d = 0,
          w = 0;
        for (let k = 0; k < a.length; k++) {
          d += (a[k] - before[i][k]) ** 2;
          w += before[i][k] ** 2;
        }
        return Math.sqrt(d / (w + 1e-12));
      });
      const top = (v: number[]) =>
        names
          .map((n, i) => [n, v[i]] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([n, x]) => `${n} ${x.toPrecision(2)}`);
      const global = Math.sqrt(gn.reduce((s, g) => s + g * g, 0));
      console.log(
        JSON.stringify({
          step,
          loss: lossRow.map((v) => +v.toFixed(1)),
          gradNorm: +global.toPrecision(3),
          topGrad: top(gn),
          topChange: top(rel),
        }),
      );
    }
    return out;
  };
  const h = await train(model, data.images, {
    epochs: num("epoch", 45),
    batchSize: 32,
    learningRate: 3e-3,
    seed,
    progress: false,
    pixelSubsample: 0.25,
    initOutputBias: true,
    betaSchedule: { warmupEpochs: num("warm", 6), from: num("from", 4) },
    checkpoint: { dir },
    resume: true,
    ...(args.clip ? { clipGradNorm: Number(args.clip) } : {}),
  });
  console.log(JSON.stringify({ loss: h.loss.map((v) => +v.toFixed(2)) }));
  fs.rmSync(dir, { recursive: true });
})();
