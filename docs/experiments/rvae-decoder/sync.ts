// Angular synchronisation of rotated digits without a model (session 13; src/analysis/angle-sync.ts). Scores the
// synchronised angle against the true rotation per digit: |ρ| and the offset histogram (8 bins of 45° from 0°), and
// the neighbours' label purity. Usage: npx tsx docs/experiments/rvae-decoder/sync.ts [n=4000] [seed=1] [k=10] [cand=50]
import { digits } from "../../../src/data/digits";
import { synchroniseAngles } from "../../../src/analysis/angle-sync";
import { circularCorrelation } from "../../../src/analysis/metrics";

const arg = (k: string, d: number) =>
  Number((process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1]);
const ASYM = [2, 3, 4, 5, 6, 7, 9];
const { train } = digits.rotatedSplit({ n: arg("n", 4000), seed: arg("seed", 1), testFraction: 0.25 });
const n = train.images.n,
  k = arg("k", 10);
const t0 = Date.now();
const s = synchroniseAngles(train.images, {
  neighbours: k,
  candidates: arg("cand", 50),

  weight: process.argv.includes("similarity") ? "similarity" : "margin",
  iterations: arg("iters", 200),
});
let same = 0;
for (let i = 0; i < n * k; i++) same += train.labels[Math.floor(i / k)] === train.labels[s.neighbours[i]] ? 1 : 0;
const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(
  `n ${n}, k ${k}: purity ${(same / (n * k)).toFixed(3)}, consistency ${s.consistency.toFixed(3)}, ${secs} s`,
);
const rhos: number[] = [];
for (const d of [0, 1, ...ASYM, 8]) {
  const idx = [...Array(n).keys()].filter((i) => train.labels[i] === d);
  const a = idx.map((i) => s.angle[i]),
    t = idx.map((i) => train.angle[i]);
  const rho = Math.abs(circularCorrelation(a, t));
  const h = new Array(8).fill(0);
  for (let q = 0; q < idx.length; q++) {
    const off = (((a[q] - t[q]) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    h[Math.floor((off / (2 * Math.PI)) * 8 + 0.5) % 8]++;
  }
  if (ASYM.includes(d)) rhos.push(rho);
  console.log(`digit ${d}: |ρ| ${rho.toFixed(3)}  offsets ${h.join(",")}`);
}
console.log(`mean |ρ| asym ${(rhos.reduce((x, y) => x + y, 0) / rhos.length).toFixed(3)}`);
