// Issue 13, session 11: the saved cards3 rVAEs of a results run (<dir>/cards3-<style>-seed<s>-rvae, both styles,
// seeds 1-3) before and after `standardizeLatent` (on the model's own 2000 training cards), scored on the 400
// held-out cards: posterior variance per dimension, the aggregated posterior's mass inside ±1.5 and variance, the
// prior grid (`priorCover`), inverted cells, and the 7×7 grid of suits (upper case r ≥ 0.95, lower case ≥ 0.8,
// "#" an inverted cell; top row z2 = +1.5).
// Usage: npx tsx docs/experiments/rvae-decoder/broad-models.ts /tmp/broad/results/models [styles] [seeds]
//   (session 12: optional comma lists, default ivae,notebook and 1,2,3)
import * as path from "path";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, loadModel, standardizeLatent } from "../../../src/index";
import type { LatentModel } from "../../../src/index";
import { invertedCells, priorCover } from "../../../scripts/results/scores";

const f3 = (v: number) => +v.toFixed(3);

function look(model: LatentModel, test: ReturnType<typeof cards.lecture>) {
  const sc = test.options.scale;
  const enc = model.encode(test.images);
  const c = priorCover(model, enc, sc);
  const postVarDim = [0, 1].map((j) => {
    let v = 0;
    for (let i = 0; i < enc.n; i++) v += Math.exp(enc.zLogVar[2 * i + j]) / enc.n;
    return f3(v);
  });
  const man = model.manifold({ range: [-1.5, 1.5], steps: 7 });
  const ms = cards.matchSuits(man, { scale: sc });
  const P = man.height * man.width;
  const grid = Array.from({ length: 7 }, (_, r) =>
    Array.from({ length: 7 }, (_, q) => {
      const k = r * 7 + q;
      let border = 0,
        cnt = 0;
      for (let i = 0; i < man.height; i++)
        for (let j = 0; j < man.width; j++)
          if (i < 3 || j < 3 || i >= man.height - 3 || j >= man.width - 3) {
            border += man.data[k * P + i * man.width + j];
            cnt++;
          }
      if (border / cnt > 0.5) return "#";
      return ms.correlation[k] >= 0.95 ? "CSHD"[ms.suit[k]] : ms.correlation[k] >= 0.8 ? "cshd"[ms.suit[k]] : ".";
    }).join(""),
  );
  return {
    postVarDim,
    mass: f3(c.massInside),
    aggVar: c.aggVariance.map(f3),
    cells: [Math.round(c.cells80 * 49), Math.round(c.cells95 * 49)],
    suits95: c.suits95,
    inverted: invertedCells(model),
    grid,
  };
}

(async () => {
  await selectBackend();
  const dir = process.argv[2];
  const styles = (process.argv[3] ?? "ivae,notebook").split(",") as ("ivae" | "notebook")[];
  const seeds = (process.argv[4] ?? "1,2,3").split(",").map(Number);
  for (const style of styles)
    for (const seed of seeds) {
      const model = (await loadModel(path.join(dir, `cards3-${style}-seed${seed}-rvae`))) as LatentModel;
      const data = cards.lecture("cards3", { n: 2000, seed, size: 48, style });
      const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size: 48, style });
      const before = look(model, test);
      const st = standardizeLatent(model, data.images);
      const after = look(model, test);
      console.log(JSON.stringify({ style, seed, before, shift: st.shift.map(f3), scale: st.scale.map(f3), after }));
      model.dispose();
    }
})();
