/**
 * Patches at the ABF-only (oxygen) columns of the SrTiO3 [110] ADF/ABF pair as their own class in the
 * 2-channel rVAE route (issue 14). Runs after the pair section of `npm run real-images` and alone:
 * `npx tsx scripts/real-images-oxygen.ts [--epochs N] [--seeds 1,2] [--data DIR] [--out DIR]`; skips cleanly
 * when the pair is absent (the repository never holds those files).
 *
 * Route, no per-image parameter: lattice scale of ADF → LoG on ADF (cation columns) and on the negated ABF
 * (every column ABF shows) → oxygen columns = ABF columns with no ADF column within a third of the spacing →
 * 2-channel patches at all cation and oxygen columns, channel 0 the inverted ABF (every patch, oxygen included,
 * has a column at its centre there: the pose encoder centres on channel 0's intensity centroid, and an ADF
 * oxygen patch has none), channel 1 ADF → one rVAE (`channels: 2`) → k-means (k = 3) on z, against the three
 * kinds the images themselves give: oxygen (ABF only), and the two ADF brightness classes (Sr bright, Ti–O dim).
 * Baseline: k-means (k = 3) on the patches' pixels (both channels).
 */
import "../src/native";
import * as fs from "fs";
import * as path from "path";
import { loadImages } from "../src/data/io/load";
import { encodePngRgb } from "../src/data/io/png";
import { channelAt, mergeChannels } from "../src/data/image-stack";
import { estimateLatticeScale, extractPatches, findAtomsLoG, refinePositions, scaleDefaults } from "../src/atoms";
import { colorizeMap, labelImage } from "../src/analysis/maps";
import { clusterLabels, unitPatches } from "../src/analysis/microscopy";
import { kmeans } from "../src/analysis/cluster/kmeans";
import {
  classMeans,
  fit,
  gridPng,
  peakHeights,
  plane,
  resample,
  rmsVsBaseline,
  runFromCommandLine,
} from "./real-images-channels";
import type { PairOptions } from "./real-images-channels";

const SIDE = 32;
const KINDS = ["O (ABF only)", "Ti–O (dim ADF)", "Sr (bright ADF)"];
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Rows kind, columns class: counts; and the agreement under the best one-to-one matching of classes to kinds. */
function confusion(kind: ArrayLike<number>, cls: ArrayLike<number>, k: number) {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < kind.length; i++) m[kind[i]][cls[i]]++;
  const perms = (a: number[]): number[][] =>
    a.length <= 1 ? [a] : a.flatMap((v, i) => perms([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [v, ...p]));
  let best = 0;
  for (const p of perms(Array.from({ length: k }, (_, i) => i)))
    best = Math.max(
      best,
      p.reduce((s, c, kd) => s + m[kd][c], 0),
    );
  return { matrix: m, agreement: r3(best / kind.length) };
}

/** Runs the oxygen-class section; returns its summary, or undefined when the pair is not in `data`. */
export async function runOxygen(o: PairOptions): Promise<Record<string, unknown> | undefined> {
  const files = ["sto_atomap_ADF.npy", "sto_atomap_ABF.npy"].map((f) => path.join(o.data, f));
  if (!files.every((f) => fs.existsSync(f))) {
    console.log(`real-images (oxygen class): ${files.join(", ")} not found; skipped`);
    return undefined;
  }
  const epochs = o.epochs ?? 100,
    seeds = o.seeds ?? [1];
  fs.mkdirSync(o.out, { recursive: true });
  const pair = loadImages(files, { mode: "none" });
  const { height: H, width: W } = pair;
  const adf = channelAt(pair, 0),
    abf = channelAt(pair, 1);
  const scale = estimateLatticeScale(adf);
  const d = scaleDefaults(scale);
  const cat = refinePositions(adf, findAtomsLoG(adf, { scale }), { radius: d.refineRadius });
  const abfNeg = { ...abf, data: abf.data.map((v) => -v) };
  const all = refinePositions(abfNeg, findAtomsLoG(abfNeg, { scale }), { radius: d.refineRadius });
  const ox: number[] = [],
    oy: number[] = [];
  for (let j = 0; j < all.x.length; j++) {
    let near = Infinity;
    for (let i = 0; i < cat.x.length; i++) near = Math.min(near, Math.hypot(all.x[j] - cat.x[i], all.y[j] - cat.y[i]));
    if (near > scale.spacing / 3) (ox.push(all.x[j]), oy.push(all.y[j]));
  }
  // kinds: cations by 2-means on the ADF peak height, then oxygen
  const h = peakHeights(adf.data, W, cat.x, cat.y);
  const km = kmeans(h, 1, 2, { seed: 1, restarts: 8 });
  const brightLabel = km.centers[0] > km.centers[1] ? 0 : 1;
  const xs = [...Array.from(cat.x), ...ox],
    ys = [...Array.from(cat.y), ...oy];
  const kindOf = [...Array.from(km.labels, (l) => (l === brightLabel ? 2 : 1)), ...ox.map(() => 0)];
  const p = extractPatches(pair, { x: xs, y: ys }, { size: d.patchSize });
  const kind = Int32Array.from(p.source, (s) => kindOf[s]);
  const small = resample(p.images, SIDE);
  const abfUnit = unitPatches(channelAt(small, 1));
  const X = mergeChannels([{ ...abfUnit, data: abfUnit.data.map((v) => 1 - v) }, unitPatches(channelAt(small, 0))]);
  const counts = [0, 1, 2].map((k) => kind.filter((v) => v === k).length);
  const pixel = kmeans(X.data, X.data.length / X.n, 3, { seed: 1, restarts: 8 });
  const base = confusion(kind, pixel.labels, 3);
  const dots = (v: ArrayLike<number>) =>
    encodePngRgb(
      colorizeMap(
        { data: labelImage({ x: p.x, y: p.y }, v, { height: H, width: W, radius: Math.max(2, 0.15 * scale.spacing) }) },
        { colormap: "labels", under: abf.data, alpha: 0.9 },
      ),
      W,
      H,
    );
  const save = (name: string, buf: Buffer) => fs.writeFileSync(path.join(o.out, `sto_oxygen_${name}.png`), buf);
  save("kinds", dots(kind));
  const runs: Record<string, unknown>[] = [];
  for (const seed of seeds) {
    const t0 = Date.now();
    const model = await fit(X, seed, epochs);
    const enc = model.encode(X);
    const cls = clusterLabels({ data: enc.zMean, dim: 2 }, 3, { seed });
    const rec = model.reconstruct(X);
    const c = confusion(kind, cls, 3);
    const zMean = [0, 1, 2].map((k) => {
      const idx = Array.from(kind.keys()).filter((i) => kind[i] === k);
      return [0, 1].map((q) => r3(idx.reduce((s, i) => s + enc.zMean[2 * i + q], 0) / idx.length));
    });
    const row = {
      seed,
      agreement: c.agreement,
      confusion: c.matrix,
      zMeanPerKind: zMean,
      reconABFinv: rmsVsBaseline(X, rec, 0),
      reconADF: rmsVsBaseline(X, rec, 1),
      seconds: r3((Date.now() - t0) / 1000),
    };
    runs.push(row);
    console.log(JSON.stringify(row));
    if (seed === seeds[0]) {
      save("class", dots(cls));
      // per kind (rows O, Ti–O, Sr): mean input and mean reconstruction, inverted ABF then ADF
      const mx = classMeans(X, kind, 3),
        mr = classMeans(rec, kind, 3);
      save(
        "kind_means",
        gridPng(
          [0, 1, 2].map((k) => [plane(mx, k, 0), plane(mr, k, 0), plane(mx, k, 1), plane(mr, k, 1)]),
          SIDE,
        ),
      );
    }
    model.dispose();
  }
  const summary = {
    spacingPx: r3(scale.spacing),
    cationColumns: cat.x.length,
    abfColumns: all.x.length,
    oxygenColumns: ox.length,
    patches: p.images.n,
    kinds: Object.fromEntries(KINDS.map((k, i) => [k, counts[i]])),
    pixelKmeans: base,
    epochs,
    runs,
  };
  fs.writeFileSync(path.join(o.out, "sto_oxygen_summary.json"), JSON.stringify(summary, null, 1));
  return summary;
}

if (require.main === module) runFromCommandLine(runOxygen);
