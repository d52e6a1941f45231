/** The helpers of `npm run results` (scripts/results/): statistics over seeds and the decoded-image scores. */
import { strict as assert } from "assert";
import { meanSd, fmt, linearR2 } from "../../scripts/results/stats";
import { classCentres, coversPrior, invertedCells, priorCover } from "../../scripts/results/scores";
import {
  cardsGroups,
  lectureBudgetVerdict,
  posteriorCoverVerdict,
  priorCoverVerdict,
} from "../../scripts/results/markdown";
import { parseConfig } from "../../scripts/results/config";
import { cards, imageStack, Random } from "../../src/index";
import type { Encoding, LatentModel } from "../../src/index";
import type { CardsRun } from "../../scripts/results/cards";

describe("scripts/results helpers", () => {
  it("meanSd: mean and sample sd over seeds, non-finite values left out; fmt writes m ± sd", () => {
    const s = meanSd([1, 2, 3, NaN]);
    assert.equal(s.n, 3);
    assert.equal(s.mean, 2);
    assert.equal(s.sd, 1);
    assert.equal(fmt(s, 2), "2.00 ± 1.00");
    assert.equal(fmt(meanSd([0.5]), 1), "0.5");
    assert.equal(fmt(meanSd([NaN])), "–");
  });

  it("linearR2: 1 for an exact linear target, near 0 for a target independent of z", () => {
    const rng = new Random(3);
    const n = 500;
    const z = Float32Array.from({ length: 2 * n }, () => rng.normal());
    const exact = Array.from({ length: n }, (_, i) => [2 * z[2 * i] - z[2 * i + 1] + 1]);
    assert.ok(Math.abs(linearR2(z, 2, exact) - 1) < 1e-6);
    const noise = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
    assert.ok(Math.abs(linearR2(z, 2, noise)) < 0.03, `R² ${linearR2(z, 2, noise)}`);
  });

  it("classCentres: the mean z of each class", () => {
    const enc = { n: 4, latentDim: 2, zMean: Float32Array.from([0, 0, 2, 2, 10, 0, 10, 4]) } as unknown as Encoding;
    assert.deepEqual(Array.from(classCentres(enc, [0, 0, 1, 1], 2)), [1, 1, 10, 2]);
  });

  it("invertedCells: counts grid cells whose 3-px border is bright", () => {
    const side = 12;
    const cells = (bright: (k: number) => boolean) =>
      ({
        manifold: ({ steps = 7 }: { steps?: number }) => {
          const m = steps * steps;
          const data = new Float32Array(m * side * side);
          for (let k = 0; k < m; k++) if (bright(k)) data.fill(0.9, k * side * side, (k + 1) * side * side);
          return imageStack(data, m, side, side);
        },
      }) as unknown as LatentModel;
    assert.equal(invertedCells(cells(() => false)), 0);
    assert.equal(invertedCells(cells((k) => k % 7 === 0)), 7);
  });

  it("priorCover: grid cells that draw a suit (not a blob), the suits among them, the aggregated posterior", () => {
    const side = 48,
      px = side * side;
    const glyphs = cards.glyphs({ size: side }); // clubs, spades, hearts, diamonds, upright
    // cells 0–19 draw the four suits in turn, 20–48 a hard disc of radius 9 px (a blob: < 0.95 with every glyph)
    const model = (suits: number) =>
      ({
        manifold: ({ steps = 7, range }: { steps?: number; range?: [number, number] }) => {
          assert.deepEqual(range, [-1.5, 1.5]);
          const data = new Float32Array(steps * steps * px);
          for (let k = 0; k < steps * steps; k++)
            if (k < 20) data.set(glyphs.data.subarray((k % suits) * px, ((k % suits) + 1) * px), k * px);
            else
              for (let p = 0; p < px; p++)
                if (Math.hypot((p % side) - 23.5, Math.floor(p / side) - 23.5) <= 9) data[k * px + p] = 1;
          return imageStack(data, steps * steps, side, side);
        },
      }) as unknown as LatentModel;
    // posteriors: half N((0, 0), I), half N((10, −10), 0.01 I): mass inside ±1.5 = 0.75 / 2
    const n = 200;
    const zMean = new Float32Array(2 * n),
      zLogVar = new Float32Array(2 * n);
    for (let i = n / 2; i < n; i++) {
      zMean[2 * i] = 10;
      zMean[2 * i + 1] = -10;
      zLogVar[2 * i] = zLogVar[2 * i + 1] = Math.log(0.01);
    }
    const enc = { n, latentDim: 2, zMean, zLogVar } as unknown as Encoding;
    const c = priorCover(model(4), enc, 0.45);
    assert.equal(c.cells95, 20 / 49);
    assert.equal(c.suits95, 4);
    assert.ok(c.cells80 >= c.cells95);
    assert.ok(Math.abs(c.massInside - 0.7506 / 2) < 1e-3, `mass ${c.massInside}`);
    // mixture variance per dim: variance of the means (25) + mean posterior variance ((1 + 0.01) / 2)
    c.aggVariance.forEach((v) => assert.ok(Math.abs(v - 25.505) < 1e-3, `variance ${v}`));
    assert.ok(Math.abs(c.postVariance - 0.505) < 1e-6);
    const one = priorCover(model(1), enc, 0.45);
    assert.equal(one.suits95, 1);
    // the verdict: every seed needs half the cells at ≥ 0.8 and all four suits at ≥ 0.95
    const run = (cover: typeof c) => ({ rvae: { priorCover: cover } }) as unknown as CardsRun;
    const full = { ...c, cells80: 40 / 49 };
    assert.match(priorCoverVerdict([run(full), run(full)])!, /\*\*passes\*\*/);
    assert.match(priorCoverVerdict([run(full), run({ ...full, suits95: 3 })])!, /\*\*fails\*\*/);
    assert.match(priorCoverVerdict([run(full), run({ ...full, cells80: 20 / 49 })])!, /\*\*fails\*\*.*fewest 20/);
    assert.equal(priorCoverVerdict([{ rvae: {} } as unknown as CardsRun]), undefined);
    // per dimension: the mean posterior variance, (1 + 0.01) / 2 in each
    c.postVarianceDim.forEach((v) => assert.ok(Math.abs(v - 0.505) < 1e-6, `posterior variance ${v}`));
  });

  it("coversPrior / posteriorCoverVerdict: mass inside ±1.5 near the prior's, posteriors not dots (session 12)", () => {
    const base = { cells80: 1, cells95: 1, suits80: 4, suits95: 4, postVariance: 0.1 };
    const cover = (massInside: number, postVarianceDim: number[], aggVariance = [1, 1]) => ({
      ...base,
      massInside,
      postVarianceDim,
      aggVariance,
    });
    assert.ok(coversPrior(cover(0.7, [0.06, 0.1])));
    assert.ok(!coversPrior(cover(0.64, [0.06, 0.1])), "mass more than 0.1 below the prior's 0.75");
    assert.ok(!coversPrior(cover(0.86, [0.06, 0.1])), "mass more than 0.1 above");
    assert.ok(!coversPrior(cover(0.7, [0.06, 0.04])), "one dimension's posteriors are dots");
    assert.ok(!coversPrior(cover(0.7, [0.06, 0.1], [1, 3])), "0.1 of an aggregated variance of 3 is a dot");
    const run = (c: ReturnType<typeof cover>) => ({ rvae: { priorCover: c } }) as unknown as CardsRun;
    const ok = run(cover(0.7, [0.06, 0.1]));
    assert.match(posteriorCoverVerdict([ok, ok], false)!, /\*\*passes\*\*/);
    assert.match(posteriorCoverVerdict([ok, run(cover(0.5, [0.06, 0.1]))], false)!, /\*\*fails\*\*.*mass 0\.70, 0\.50/);
    assert.match(posteriorCoverVerdict([ok], true)!, /after `standardizeLatent`/);
    // runs stored before the per-dimension variance existed: no verdict
    const old = run({ ...cover(0.7, [0.06, 0.1]), postVarianceDim: undefined as unknown as number[] });
    assert.equal(posteriorCoverVerdict([old], false), undefined);
  });

  it("cardsGroups: runs grouped by variant and style in first-seen order", () => {
    const run = (variant: string, style: string, seed: number) => ({ variant, style, seed }) as unknown as CardsRun;
    const g = cardsGroups([run("cards3", "ivae", 1), run("cards3", "notebook", 1), run("cards3", "ivae", 2)]);
    assert.deepEqual(
      g.map((x) => x.map((r) => `${r.style}${r.seed}`)),
      [["ivae1", "ivae2"], ["notebook1"]],
    );
  });

  it("lectureBudgetVerdict: ≤ 90 nats on every notebook-style cards3 seed, at a budget within the lecture's", () => {
    const run = (style: string, negElbo: number) =>
      ({ variant: "cards3", style, seed: 1, rvae: { negElboTest: negElbo } }) as unknown as CardsRun;
    const cfg = parseConfig(["node", "results"]).cards; // 2000 cards, 15 epochs, batch 32
    assert.equal(lectureBudgetVerdict(cfg, [run("ivae", 60)]), undefined);
    const ok = lectureBudgetVerdict(cfg, [run("notebook", 78), run("notebook", 80), run("ivae", 200)])!;
    assert.match(
      ok,
      /\*\*passes\*\* \(highest 80\.0, 79\.0 ± 1\.4 over 2 seeds, at 2,000 cards, 15 epochs, batch 32: 945 steps\)/,
    );
    assert.match(
      lectureBudgetVerdict(cfg, [run("notebook", 78), run("notebook", 91)])!,
      /\*\*fails\*\* \(highest 91\.0/,
    );
    // a budget above the lecture's does not count, however low the −ELBO
    const big = { ...cfg, n: 12000, epochs: 120, batchSize: 50 };
    assert.match(lectureBudgetVerdict(big, [run("notebook", 70)])!, /\*\*fails\*\*.*more than the lecture's budget/);
  });
});
