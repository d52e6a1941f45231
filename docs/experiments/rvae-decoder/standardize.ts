// Issue 13, session 10: `standardizeLatent` on trained models. Loads the results script's saved cards3 rVAEs
// (<dir>/cards3-<style>-seed<s>-rvae, both styles, seeds 1-3), standardises z on the model's own 2000 training cards
// and prints, on the 400 held-out cards, before → after: the shift and scale, the KL of z, the held-out −ELBO, the
// largest change of a reconstruction, the prior-grid figure (`priorCover`) and the 7×7 grid of suits
// (upper case r ≥ 0.95, lower case ≥ 0.8; top row z2 = +1.5).
// Usage: npx tsx docs/experiments/rvae-decoder/standardize.ts out/results/models
import * as path from "path";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, loadModel, standardizeLatent } from "../../../src/index";
import type { LatentModel } from "../../../src/index";
import { heldOutNegElbo, priorCover, suitScores } from "../../../scripts/results/scores";
const f3 = (v: number) => +v.toFixed(3);
(async () => {
  await selectBackend();
  const dir = process.argv[2];
  for (const style of ["ivae", "notebook"] as const)
    for (const seed of [1, 2, 3]) {
      const model = (await loadModel(path.join(dir, `cards3-${style}-seed${seed}-rvae`))) as LatentModel;
      const data = cards.lecture("cards3", { n: 2000, seed, size: 48, style });
      const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size: 48, style });
      const sc = test.options.scale;
      const before = (() => {
        const enc = model.encode(test.images);
        const c = priorCover(model, enc, sc);
        const rec = model.decode(enc.zMean, { angle: 0 });
        return { c, elbo: heldOutNegElbo(model, test.images), rec };
      })();
      const st = standardizeLatent(model, data.images);
      const enc = model.encode(test.images);
      const c = priorCover(model, enc, sc);
      const rec = model.decode(enc.zMean, { angle: 0 });
      let maxd = 0;
      for (let i = 0; i < rec.data.length; i++) maxd = Math.max(maxd, Math.abs(rec.data[i] - before.rec.data[i]));
      const s = suitScores(model, enc, test.factors.suit, sc, true);
      const ms = cards.matchSuits(model.manifold({ range: [-1.5, 1.5], steps: 7 }), { scale: sc });
      const grid = Array.from({ length: 7 }, (_, r) =>
        Array.from({ length: 7 }, (_, q) => {
          const k = r * 7 + q;
          return ms.correlation[k] >= 0.95 ? "CSHD"[ms.suit[k]] : ms.correlation[k] >= 0.8 ? "cshd"[ms.suit[k]] : ".";
        }).join(""),
      );
      console.log(
        JSON.stringify({
          style,
          seed,
          shift: st.shift.map(f3),
          scale: st.scale.map(f3),
          kl: [f3(st.klBefore), f3(st.klAfter)],
          elbo: [f3(before.elbo), f3(heldOutNegElbo(model, test.images))],
          maxRecDiff: maxd,
          cells80: [f3(before.c.cells80), f3(c.cells80)],
          cells95: [f3(before.c.cells95), f3(c.cells95)],
          suits95: [before.c.suits95, c.suits95],
          mass: [f3(before.c.massInside), f3(c.massInside)],
          aggVar: c.aggVariance.map(f3),
          postVar: f3(c.postVariance),
          own: s.ownCorrelation.map(f3),
          right: s.nearestRight.every(Boolean),
          recon: s.reconToSuit,
          grid,
        }),
      );
      model.dispose();
    }
})();
