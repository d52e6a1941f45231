// Session 12 (docs/experiments/scale-latent.md): can a scale-invariant shape descriptor (Hu moment invariants of
// the raw card) tell the suits apart without seeing the size? Fits log r_g on them by least squares (linear,
// quadratic) and scores s = r_g / r_ref(descriptor) on held-out cards.
// Run: npx tsx docs/experiments/scale-latent-moments.ts
import { cards } from "../../src/data";
import { channelCentroids } from "../../src/models/channel-images";
import { logGyrationRadii } from "../../src/models/parts/scale-search";
import { pearson } from "../../src/analysis/metrics";

const S = 24;
function feats(x: Float32Array, n: number) {
  const c = channelCentroids(x, n, 1, S, S);
  const lrg = logGyrationRadii(x, n, S, S, c);
  const F: number[][] = [];
  for (let b = 0; b < n; b++) {
    const mu: Record<string, number> = {};
    for (let p = 0; p <= 3; p++) for (let q = 0; q <= 3 - p; q++) mu[`${p}${q}`] = 0;
    for (let i = 0; i < S; i++)
      for (let j = 0; j < S; j++) {
        const v = Math.max(0, x[b * S * S + i * S + j]);
        const dy = i - c[2 * b],
          dx = j - c[2 * b + 1];
        for (let p = 0; p <= 3; p++) for (let q = 0; q <= 3 - p; q++) mu[`${p}${q}`] += v * dx ** p * dy ** q;
      }
    const e = (p: number, q: number) => mu[`${p}${q}`] / mu["00"] ** (1 + (p + q) / 2);
    const n20 = e(2, 0),
      n02 = e(0, 2),
      n11 = e(1, 1),
      n30 = e(3, 0),
      n03 = e(0, 3),
      n21 = e(2, 1),
      n12 = e(1, 2);
    const h1 = n20 + n02;
    const h2 = (n20 - n02) ** 2 + 4 * n11 ** 2;
    const h3 = (n30 - 3 * n12) ** 2 + (3 * n21 - n03) ** 2;
    const h4 = (n30 + n12) ** 2 + (n21 + n03) ** 2;
    F.push([Math.log(h1), Math.log(h2 + 1e-12), Math.log(h3 + 1e-12), Math.log(h4 + 1e-12)]);
  }
  return { F, lrg };
}
function solve(A: number[][], y: number[]): number[] {
  const d = A[0].length;
  const M = Array.from({ length: d }, () => new Array(d + 1).fill(0));
  for (let k = 0; k < A.length; k++)
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) M[i][j] += A[k][i] * A[k][j];
      M[i][d] += A[k][i] * y[k];
    }
  for (let i = 0; i < d; i++) M[i][i] += 1e-6;
  for (let i = 0; i < d; i++) {
    let p = i;
    for (let r = i + 1; r < d; r++) if (Math.abs(M[r][i]) > Math.abs(M[p][i])) p = r;
    [M[i], M[p]] = [M[p], M[i]];
    for (let r = 0; r < d; r++)
      if (r !== i) {
        const f = M[r][i] / M[i][i];
        for (let j = i; j <= d; j++) M[r][j] -= f * M[i][j];
      }
  }
  return M.map((row, i) => row[d] / row[i]);
}
const expand = (f: number[], quad: boolean) => {
  const o = [1, ...f];
  if (quad) for (let i = 0; i < f.length; i++) for (let j = i; j < f.length; j++) o.push(f[i] * f[j]);
  return o;
};
for (const variant of ["cards3", "cards1"] as const)
  for (const seed of [1, 4]) {
    const tr = cards.lecture(variant, { n: 1000, seed, size: S, scaleJitter: 0.2 });
    const te = cards.lecture(variant, { n: 1000, seed: 1000 + seed, size: S, scaleJitter: 0.2 });
    const a = feats(tr.images.data, 1000),
      b = feats(te.images.data, 1000);
    for (const quad of [false, true]) {
      const w = solve(
        a.F.map((f) => expand(f, quad)),
        Array.from(a.lrg),
      );
      const s = b.F.map((f, i) => Math.exp(b.lrg[i] - expand(f, quad).reduce((t, v, k) => t + v * w[k], 0)));
      const means = [0, 1, 2, 3].map((k) => {
        const idx = s.map((_, i) => i).filter((i) => te.factors.suit[i] === k);
        return (idx.reduce((t, i) => t + s[i], 0) / idx.length).toFixed(3);
      });
      const within = [0, 1, 2, 3].map((k) => {
        const idx = s.map((_, i) => i).filter((i) => te.factors.suit[i] === k);
        return pearson(
          idx.map((i) => s[i]),
          idx.map((i) => te.factors.scale[i]),
        ).toFixed(3);
      });
      console.log(
        variant,
        seed,
        quad ? "quad" : "lin",
        "r",
        pearson(s, te.factors.scale).toFixed(3),
        "means",
        means.join(" "),
        "within",
        within.join(" "),
      );
    }
    // raw r_g
    console.log(variant, seed, "raw r_g r", pearson(Array.from(b.lrg), te.factors.scale).toFixed(3));
  }
