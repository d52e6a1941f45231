// Issue 13, "Inverted cells": why cells of the manifold over the prior's central ±1.5 decode to a white
// background. Loads saved rVAEs (default: the results script's, out/results/models/cards3-<style>-seed<s>-rvae)
// and measures, on 400 held-out cards (seed + 1000): the posterior variances, the suits' cluster centres,
// how much of the ±1.5 square the aggregated posterior covers, which cells invert and the decoder's logits there.
// Usage: npx tsx docs/experiments/rvae-decoder/inverted.ts [style=ivae seeds=1,2,3 dir=out/results/models tag=]
import * as path from "path";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, loadModel } from "../../../src/index";
import type { LatentModel } from "../../../src/index";
import { classCentres, invertedCells } from "../../../scripts/results/scores";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const style = (args.style ?? "ivae") as "ivae" | "notebook";
const seeds = (args.seeds ?? "1,2,3").split(",").map(Number);
const dir = args.dir ?? "out/results/models";
const tag = args.tag ? `-${args.tag}` : "";
const f2 = (v: number) => +v.toFixed(2);

/** Mean of the 3-px border of image k of a stack. */
function borderMean(data: Float32Array, k: number, h: number, w: number): number {
  let s = 0,
    c = 0;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      if (i < 3 || j < 3 || i >= h - 3 || j >= w - 3) {
        s += data[k * h * w + i * w + j];
        c++;
      }
  return s / c;
}

(async () => {
  await selectBackend();
  for (const seed of seeds) {
    const model = (await loadModel(path.join(dir, `cards3-${style}-seed${seed}-rvae${tag}`))) as LatentModel;
    const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size: 48, style });
    const enc = model.encode(test.images);
    const n = enc.n;
    const suit = test.factors.suit;
    const zc = classCentres(enc, suit, 4);
    // per suit: centre, spread of the means (sd), mean posterior sd
    const perSuit = [0, 1, 2, 3].map((s) => {
      let c = 0,
        v0 = 0,
        v1 = 0,
        ps = 0;
      for (let i = 0; i < n; i++) {
        if (suit[i] !== s) continue;
        c++;
        v0 += (enc.zMean[2 * i] - zc[2 * s]) ** 2;
        v1 += (enc.zMean[2 * i + 1] - zc[2 * s + 1]) ** 2;
        ps += Math.exp(0.5 * enc.zLogVar[2 * i]) + Math.exp(0.5 * enc.zLogVar[2 * i + 1]);
      }
      return {
        centre: [f2(zc[2 * s]), f2(zc[2 * s + 1])],
        spreadSd: [+Math.sqrt(v0 / c).toFixed(3), +Math.sqrt(v1 / c).toFixed(3)],
        postSd: +(ps / (2 * c)).toFixed(3),
      };
    });
    // aggregated posterior q(z) = mean_i N(z; μ_i, σ_i²) against the prior at the 7×7 grid's cells:
    // a cell is "covered" when q(z) ≥ 0.1·p(z) there (the decoder is trained where q puts mass)
    const steps = 7,
      half = 1.5;
    const grid = Array.from({ length: steps }, (_, i) => -half + (2 * half * i) / (steps - 1));
    const man = model.manifold({ range: [-half, half], steps });
    const h = man.height,
      w = man.width;
    const rows: string[] = [];
    let covered = 0;
    const invertedQ: number[] = [];
    for (let a = steps - 1, r = 0; a >= 0; a--) {
      let line = "";
      for (let b = 0; b < steps; b++, r++) {
        const z1 = grid[b],
          z2 = grid[a];
        let q = 0;
        for (let i = 0; i < n; i++) {
          const s1 = Math.exp(enc.zLogVar[2 * i]),
            s2 = Math.exp(enc.zLogVar[2 * i + 1]);
          const d = (z1 - enc.zMean[2 * i]) ** 2 / s1 + (z2 - enc.zMean[2 * i + 1]) ** 2 / s2;
          q += Math.exp(-0.5 * d) / (2 * Math.PI * Math.sqrt(s1 * s2));
        }
        q /= n;
        const p = Math.exp(-0.5 * (z1 * z1 + z2 * z2)) / (2 * Math.PI);
        const cov = q >= 0.1 * p;
        if (cov) covered++;
        const bm = borderMean(man.data, r, h, w);
        if (bm > 0.5) invertedQ.push(q / p);
        line += bm > 0.5 ? (cov ? "X" : "#") : cov ? "o" : ".";
      }
      rows.push(line);
    }
    console.log(
      JSON.stringify({
        seed,
        style,
        tag: args.tag,
        perSuit,
        meanPostVar: f2(Array.from(enc.zLogVar).reduce((s, v) => s + Math.exp(v), 0) / enc.zLogVar.length),
        coveredCells: covered,
        inverted: invertedCells(model),
        // grid rows top (z2 = +1.5) to bottom; '#' inverted & uncovered, 'X' inverted & covered, 'o' covered
        map: rows,
      }),
    );
    model.dispose();
  }
})();
