// The pose scorer's frames at initialisation, before any training (issue 13, rotated-digits-pose.md session 8).
// Usage: npx tsx docs/experiments/rvae-decoder/pose-init.ts n=2000 seeds=1,2,3,4,5,6,7,8 harm=1,2
// Per digit, the offset d = (inferred − true angle) of an untrained rVAE (frameCandidates 1): R1 = |mean e^{id}|
// (1 = every member in the same frame), R2 = |mean e^{2id}| (high R2 with low R1 = members split between two frames
// 180° apart). Cheap: one encoding pass per model, no training.
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { digits } from "../../../src/data/digits";
import { RVAE } from "../../../src/models/rvae";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const [k, v] = a.split("=");
  args[k] = v;
}
const n = Number(args.n ?? 2000);
const seeds = (args.seeds ?? "1,2,3,4,5,6,7,8").split(",").map(Number);
const harms = (args.harm ?? "1,2").split(",").map(Number);

(async () => {
  await selectBackend({ verbose: false });
  const { images, labels, angle } = digits.rotated({ n, seed: 1 });
  const asym = digits.asymmetric as readonly number[];
  for (const harm of harms) {
    // per digit, R1 and R2 summed over the init seeds
    const r1 = new Map<number, number[]>(),
      r2 = new Map<number, number[]>();
    for (const seed of seeds) {
      const m = new RVAE({ imageShape: [28, 28], latentDim: 2, translation: true, seed, poseKernelHarmonics: harm });
      const enc = m.encode(images);
      for (const d of asym) {
        let c1 = 0,
          s1 = 0,
          c2 = 0,
          s2 = 0,
          k = 0;
        for (let i = 0; i < labels.length; i++) {
          if (labels[i] !== d) continue;
          const off = enc.angle![i] - angle[i];
          c1 += Math.cos(off);
          s1 += Math.sin(off);
          c2 += Math.cos(2 * off);
          s2 += Math.sin(2 * off);
          k++;
        }
        (r1.get(d) ?? r1.set(d, []).get(d)!).push(Math.hypot(c1, s1) / k);
        (r2.get(d) ?? r2.set(d, []).get(d)!).push(Math.hypot(c2, s2) / k);
      }
      m.dispose();
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const row = asym.map((d) => `${d}: ${mean(r1.get(d)!).toFixed(2)}/${mean(r2.get(d)!).toFixed(2)}`).join("  ");
    const all1 = mean(asym.map((d) => mean(r1.get(d)!))),
      all2 = mean(asym.map((d) => mean(r2.get(d)!)));
    console.log(`harm ${harm}: R1/R2 per digit ${row}  mean ${all1.toFixed(2)}/${all2.toFixed(2)}`);
  }
})();
