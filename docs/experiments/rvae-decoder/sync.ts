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
// filter=blur [sigma=1.5]: a Gaussian low-pass of the digits first (session 14);
// filter=grad: the synchronisation reads each digit's gradient magnitude (stroke edges) instead of its ink;
// filter=mix: ink and gradient side by side (a 2-plane image is refused, so they are averaged: ink + g·|∇|)
const filter = (process.argv.find((a) => a.startsWith("filter=")) ?? "filter=none").slice(7);
function filtered(x: Float32Array, n: number): Float32Array {
  if (filter === "none") return x;
  if (filter === "blur") {
    // separable Gaussian low-pass of sd `sigma` px (cryo-EM aligns low-passed images)
    const sg = arg("sigma", 1.5),
      r = Math.ceil(3 * sg);
    const ker = Array.from({ length: 2 * r + 1 }, (_, q) => Math.exp(-((q - r) ** 2) / (2 * sg * sg)));
    const tmp = new Float32Array(x.length),
      out = new Float32Array(x.length);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < 28; i++)
        for (let j = 0; j < 28; j++) {
          let a = 0;
          for (let q = -r; q <= r; q++) if (j + q >= 0 && j + q < 28) a += ker[q + r] * x[b * 784 + i * 28 + j + q];
          tmp[b * 784 + i * 28 + j] = a;
        }
    for (let b = 0; b < n; b++)
      for (let i = 0; i < 28; i++)
        for (let j = 0; j < 28; j++) {
          let a = 0;
          for (let q = -r; q <= r; q++) if (i + q >= 0 && i + q < 28) a += ker[q + r] * tmp[b * 784 + (i + q) * 28 + j];
          out[b * 784 + i * 28 + j] = a;
        }
    return out;
  }
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < 28; i++)
      for (let j = 0; j < 28; j++) {
        const at = (u: number, v: number) => (u < 0 || v < 0 || u > 27 || v > 27 ? 0 : x[b * 784 + u * 28 + v]);
        const gx = at(i, j + 1) - at(i, j - 1),
          gy = at(i + 1, j) - at(i - 1, j);
        const g = Math.hypot(gx, gy);
        out[b * 784 + i * 28 + j] = filter === "grad" ? g : x[b * 784 + i * 28 + j] + arg("g", 1) * g;
      }
  return out;
}
const s = synchroniseAngles(
  { ...train.images, data: filtered(train.images.data, train.images.n) },
  {
    neighbours: k,
    candidates: arg("cand", 50),

    weight: process.argv.includes("similarity") ? "similarity" : "margin",
    iterations: arg("iters", 200),
  },
);
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
