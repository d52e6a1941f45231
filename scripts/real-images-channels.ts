/**
 * The simultaneous ADF/ABF pair of SrTiO3 [110] (atomap's example data, ../shared/data/stem-real/sto_atomap_*)
 * through the 2-channel rVAE, beside the ADF-only rVAE: what the second detector adds. Runs at the end of
 * `npm run real-images` and alone: `npx tsx scripts/real-images-channels.ts [--epochs N] [--seeds 1,2,3]
 * [--data DIR] [--out DIR]`. Skips cleanly when the pair is absent (the repository never holds those files).
 *
 * Route, with no per-image parameter: loadImages([ADF, ABF]) → lattice scale of the ADF channel → LoG atoms on
 * ADF (the cation columns: Sr and Ti–O) → 2-channel patches at every atom → rVAE with `channels: 2` and, on the
 * same patches, an rVAE on the ADF channel alone and one on the (inverted) ABF channel alone (same options
 * and seed) → k-means (k = 2) on z of each.
 * What is scored, without published positions: agreement of the classes with the ADF brightness of each column
 * (2-means on the peak height; Sr, Z = 38, is brighter than the Ti–O column), and how much of the ABF channel,
 * in particular its oxygen columns, the 2-channel model reconstructs. Oxygen columns: ABF columns (found on the
 * negated ABF at the same scale) farther than 0.35 spacings from every ADF column — visible in ABF only.
 */
import "../src/native";
import * as fs from "fs";
import * as path from "path";
import { loadImages } from "../src/data/io/load";
import { encodePng, encodePngRgb } from "../src/data/io/png";
import { channelAt, ImageStack, imageStack, mergeChannels } from "../src/data/image-stack";
import { estimateLatticeScale, extractPatches, findAtomsLoG, refinePositions, scaleDefaults } from "../src/atoms";
import { colorizeMap, labelImage } from "../src/analysis/maps";
import { clusterLabels, unitPatches } from "../src/analysis/microscopy";
import { adjustedRandIndex } from "../src/analysis/metrics";
import { kmeans } from "../src/analysis/cluster/kmeans";
import { RVAE } from "../src/models";
import { train } from "../src/training";
import { selectBackend } from "../src/backend";

/** Pixel size of the pair (nm/px) from the data README: for the nm figures of the report only. */
const PIXEL_NM = 0.00933;
/** rVAE input side: the ~37 px patches are resampled to this (training cost; O columns stay ≥ 2 px wide) */
const SIDE = 32;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export interface PairOptions {
  data: string;
  out: string;
  epochs?: number;
  seeds?: number[];
}

/** Bilinear resampling of every plane (all channels) to side × side (corners kept); real-images.ts uses it too. */
export function resample(p: ImageStack, side: number): ImageStack {
  const C = p.channels ?? 1,
    { height: H, width: W } = p;
  const out = new Float32Array(p.n * C * side * side);
  for (let k = 0; k < p.n * C; k++)
    for (let i = 0; i < side; i++)
      for (let j = 0; j < side; j++) {
        const y = (i * (H - 1)) / (side - 1),
          x = (j * (W - 1)) / (side - 1);
        const y0 = Math.floor(y),
          x0 = Math.floor(x),
          y1 = Math.min(H - 1, y0 + 1),
          x1 = Math.min(W - 1, x0 + 1),
          ty = y - y0,
          tx = x - x0;
        const v = (yy: number, xx: number) => p.data[k * H * W + yy * W + xx];
        out[k * side * side + i * side + j] =
          (1 - ty) * ((1 - tx) * v(y0, x0) + tx * v(y0, x1)) + ty * ((1 - tx) * v(y1, x0) + tx * v(y1, x1));
      }
  return imageStack(out, p.n, side, side, C);
}

/** Mean of the 3 × 3 pixels around each position (the column's peak height). */
export function peakHeights(img: Float32Array, W: number, x: ArrayLike<number>, y: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: x.length }, (_, k) => {
    let s = 0;
    for (let di = -1; di <= 1; di++)
      for (let dj = -1; dj <= 1; dj++) s += img[(Math.round(y[k]) + di) * W + Math.round(x[k]) + dj];
    return s / 9;
  });
}

/** Fraction of agreement of two 2-class labellings, under the better of the two matchings. */
function agreement2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return Math.max(same, a.length - same) / a.length;
}

/** Mean image per class (all channels), classes in order 0..k−1. */
export function classMeans(X: ImageStack, labels: ArrayLike<number>, k: number): ImageStack {
  const size = X.data.length / X.n;
  const out = new Float32Array(k * size),
    count = new Float32Array(k);
  for (let i = 0; i < X.n; i++) {
    count[labels[i]]++;
    for (let p = 0; p < size; p++) out[labels[i] * size + p] += X.data[i * size + p];
  }
  for (let c = 0; c < k; c++) for (let p = 0; p < size; p++) out[c * size + p] /= Math.max(1, count[c]);
  return imageStack(out, k, X.height, X.width, X.channels ?? 1);
}

/** Planes (rows of images) tiled into one grey PNG, each plane scaled to its own [min, max], 2-px gaps. */
export function gridPng(rows: Float32Array[][], side: number, scale = 3): Buffer {
  const cols = Math.max(...rows.map((r) => r.length)),
    s = side * scale,
    gap = 2;
  const W = cols * (s + gap),
    H = rows.length * (s + gap);
  const img = new Float32Array(W * H).fill(1);
  rows.forEach((row, r) =>
    row.forEach((plane, c) => {
      let lo = Infinity,
        hi = -Infinity;
      for (const v of plane) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
      for (let i = 0; i < s; i++)
        for (let j = 0; j < s; j++) {
          const v = plane[Math.floor(i / scale) * side + Math.floor(j / scale)];
          img[(r * (s + gap) + i) * W + c * (s + gap) + j] = (v - lo) / (hi - lo || 1);
        }
    }),
  );
  return encodePng(img, W, H);
}

export const plane = (X: ImageStack, i: number, k: number): Float32Array => {
  const P = X.height * X.width,
    C = X.channels ?? 1;
  return X.data.slice((i * C + k) * P, (i * C + k + 1) * P);
};

/** rms over the patches of one channel: reconstruction − input, and the mean patch − input (the baseline). */
export function rmsVsBaseline(X: ImageStack, R: ImageStack, k: number): { rms: number; baseline: number } {
  const P = X.height * X.width,
    mean = new Float32Array(P);
  for (let i = 0; i < X.n; i++) plane(X, i, k).forEach((v, p) => (mean[p] += v / X.n));
  let e = 0,
    b = 0;
  for (let i = 0; i < X.n; i++) {
    const x = plane(X, i, k),
      r = plane(R, i, k);
    for (let p = 0; p < P; p++) ((e += (r[p] - x[p]) ** 2), (b += (mean[p] - x[p]) ** 2));
  }
  return { rms: r3(Math.sqrt(e / (X.n * P))), baseline: r3(Math.sqrt(b / (X.n * P))) };
}

/**
 * Whether reconstructions keep what tells the two column kinds apart in channel k: the difference of the
 * per-kind mean reconstruction against the difference of the per-kind mean input (correlation over the
 * pixels, and the amplitude ratio ‖Δrecon‖/‖Δinput‖; 1 and 1 when the model draws each kind's own pattern).
 */
function kindContrast(X: ImageStack, R: ImageStack, kind: ArrayLike<number>, k: number) {
  const mx = classMeans(X, kind, 2),
    mr = classMeans(R, kind, 2);
  const dx = plane(mx, 1, k).map((v, p) => v - plane(mx, 0, k)[p]),
    dr = plane(mr, 1, k).map((v, p) => v - plane(mr, 0, k)[p]);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  const ax = dx.reduce((a, v) => a + v, 0) / dx.length,
    ay = dr.reduce((a, v) => a + v, 0) / dr.length;
  for (let p = 0; p < dx.length; p++)
    ((sxy += (dx[p] - ax) * (dr[p] - ay)), (sxx += (dx[p] - ax) ** 2), (syy += (dr[p] - ay) ** 2));
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return { correlation: r3(sxy / Math.sqrt(sxx * syy || 1)), amplitude: r3(norm(dr) / (norm(dx) || 1)) };
}

/** Mahalanobis distance between the two kinds' mean z (pooled covariance): how far apart z puts them. */
function zSeparation(z: Float32Array, kind: ArrayLike<number>): number {
  const m = [
      [0, 0],
      [0, 0],
    ],
    n = [0, 0];
  for (let i = 0; i < kind.length; i++) ((m[kind[i]][0] += z[2 * i]), (m[kind[i]][1] += z[2 * i + 1]), n[kind[i]]++);
  m.forEach((v, c) => ((v[0] /= n[c]), (v[1] /= n[c])));
  let a = 0,
    b = 0,
    d = 0;
  for (let i = 0; i < kind.length; i++) {
    const u = z[2 * i] - m[kind[i]][0],
      v = z[2 * i + 1] - m[kind[i]][1];
    ((a += u * u), (b += u * v), (d += v * v));
  }
  const N = kind.length - 2;
  ((a /= N), (b /= N), (d /= N));
  const det = a * d - b * b,
    e0 = m[1][0] - m[0][0],
    e1 = m[1][1] - m[0][1];
  return r3(Math.sqrt((d * e0 * e0 - 2 * b * e0 * e1 + a * e1 * e1) / det));
}

export async function fit(X: ImageStack, seed: number, epochs: number): Promise<RVAE> {
  const model = new RVAE({
    imageShape: [X.height, X.width],
    latentDim: 2,
    seed,
    likelihood: "gaussian",
    decoderSigma: 0.1,
    rotationPrior: 0.3,
    translationPrior: 0.05,
    encoderHidden: [128, 128],
    decoderHidden: [64, 64],
    ...(X.channels && X.channels > 1 ? { channels: X.channels } : {}),
  });
  await train(model, X, { epochs, batchSize: 32, learningRate: 2e-3, seed, progress: false });
  return model;
}

/** Runs the pair section; returns its summary, or undefined when the pair is not in `data`. */
export async function runPair(o: PairOptions): Promise<Record<string, unknown> | undefined> {
  const files = ["sto_atomap_ADF.npy", "sto_atomap_ABF.npy"].map((f) => path.join(o.data, f));
  if (!files.every((f) => fs.existsSync(f))) {
    console.log(`real-images (ADF+ABF pair): ${files.join(", ")} not found; skipped`);
    return undefined;
  }
  const epochs = o.epochs ?? 100,
    seeds = o.seeds ?? [1, 2, 3];
  fs.mkdirSync(o.out, { recursive: true });
  const save = (name: string, buf: Buffer) => fs.writeFileSync(path.join(o.out, `sto_pair_${name}.png`), buf);
  const pair = loadImages(files, { mode: "none" }); // [1, 2, h, w]: ADF, ABF raw
  const { height: H, width: W } = pair;
  const adf = channelAt(pair, 0),
    abf = channelAt(pair, 1);
  const scale = estimateLatticeScale(adf, { pixelSize: PIXEL_NM, unit: "nm" });
  const d = scaleDefaults(scale);
  const atoms = refinePositions(adf, findAtomsLoG(adf, { scale }), { radius: d.refineRadius });
  // oxygen columns: dark in ABF, absent in ADF (ABF finds on the negated image, away from every ADF column)
  const abfBright = { ...abf, data: abf.data.map((v) => -v) };
  const abfAtoms = refinePositions(abfBright, findAtomsLoG(abfBright, { scale }), { radius: d.refineRadius });
  const oIdx: number[] = [];
  for (let j = 0; j < abfAtoms.x.length; j++) {
    let near = Infinity;
    for (let i = 0; i < atoms.x.length; i++)
      near = Math.min(near, Math.hypot(abfAtoms.x[j] - atoms.x[i], abfAtoms.y[j] - atoms.y[i]));
    if (near > 0.35 * scale.spacing) oIdx.push(j);
  }
  const ox = oIdx.map((j) => abfAtoms.x[j]),
    oy = oIdx.map((j) => abfAtoms.y[j]);
  // patches with both channels at the ADF columns; each channel scaled to [0, 1] on its own
  const p = extractPatches(pair, atoms, { size: d.patchSize });
  const small = resample(p.images, SIDE);
  const X2 = mergeChannels([unitPatches(channelAt(small, 0)), unitPatches(channelAt(small, 1))]);
  const X1 = channelAt(X2, 0);
  // ABF alone, inverted (columns bright), since the pose encoder centres on a channel's intensity centroid
  const abfOnly = channelAt(X2, 1);
  const Xabf = { ...abfOnly, data: abfOnly.data.map((v) => 1 - v) };
  // the brightness label (Sr vs Ti–O): 2-means on the ADF peak height of each kept column
  const heights = peakHeights(adf.data, W, p.x, p.y);
  const km = kmeans(heights, 1, 2, { seed: 1, restarts: 8 });
  const bright = km.centers[0] > km.centers[1] ? 0 : 1;
  const isSr = Int32Array.from(km.labels, (l) => (l === bright ? 1 : 0));
  const dots = (x: ArrayLike<number>, y: ArrayLike<number>, v: ArrayLike<number>, under: Float32Array) =>
    encodePngRgb(
      colorizeMap(
        { data: labelImage({ x, y }, v, { height: H, width: W, radius: Math.max(2, 0.15 * scale.spacing) }) },
        { colormap: "labels", under, alpha: 0.9 },
      ),
      W,
      H,
    );
  save("brightness", dots(p.x, p.y, isSr, adf.data));
  const cat = [...Array.from(atoms.x), ...ox],
    caty = [...Array.from(atoms.y), ...oy];
  const kind = [...Array.from(atoms.x, () => 0), ...ox.map(() => 1)];
  save("oxygen", dots(cat, caty, kind, abf.data));
  const runs: Record<string, unknown>[] = [];
  for (const seed of seeds) {
    const row: Record<string, unknown> = { seed };
    for (const [tag, X] of [
      ["adf", X1],
      ["abf", Xabf],
      ["adf+abf", X2],
    ] as const) {
      const t0 = Date.now();
      const model = await fit(X, seed, epochs);
      const enc = model.encode(X);
      const cls = clusterLabels({ data: enc.zMean, dim: 2 }, 2, { seed });
      const rec = model.reconstruct(X);
      const q: Record<string, unknown> = {
        agreementWithBrightness: r3(agreement2(cls, isSr)),
        ari: r3(adjustedRandIndex(cls, isSr)),
        classSizes: [0, 1].map((c) => cls.filter((v) => v === c).length),
        zSeparation: zSeparation(enc.zMean, isSr),
        seconds: r3((Date.now() - t0) / 1000),
      };
      // per channel the model reads (the "abf" model reads the inverted ABF: rms and contrast are unchanged)
      const names = tag === "adf+abf" ? ["ADF", "ABF"] : [tag.toUpperCase()];
      names.forEach((nm, k) => {
        q[`recon${nm}`] = rmsVsBaseline(X, rec, k);
        q[`kindContrast${nm}`] = kindContrast(X, rec, isSr, k);
      });
      row[tag] = q;
      const fig = tag === "adf+abf" ? "both" : tag;
      if (seed === seeds[0]) {
        save(`class_${fig}`, dots(p.x, p.y, cls, adf.data));
        // per-class mean patches: input ADF, input ABF (each model's classes shown in both channels)
        const m = classMeans(X2, cls, 2);
        save(
          `means_${fig}`,
          gridPng(
            [0, 1].map((c) => [plane(m, c, 0), plane(m, c, 1)]),
            SIDE,
          ),
        );
        if (tag === "adf+abf") {
          // per brightness kind (row 0 Ti–O, row 1 Sr): mean input and mean reconstruction, ADF then ABF
          const mx = classMeans(X, isSr, 2),
            mr = classMeans(rec, isSr, 2);
          save(
            "kind_means",
            gridPng(
              [0, 1].map((c) => [plane(mx, c, 0), plane(mr, c, 0), plane(mx, c, 1), plane(mr, c, 1)]),
              SIDE,
            ),
          );
          // reconstructions of 4 patches of each brightness kind: input ADF, recon ADF, input ABF, recon ABF
          const pick = [
            ...Array.from(isSr.keys())
              .filter((i) => isSr[i] === 1)
              .slice(0, 4),
            ...Array.from(isSr.keys())
              .filter((i) => isSr[i] === 0)
              .slice(0, 4),
          ];
          save(
            "recon",
            gridPng(
              pick.map((i) => [plane(X, i, 0), plane(rec, i, 0), plane(X, i, 1), plane(rec, i, 1)]),
              SIDE,
            ),
          );
        }
      }
      model.dispose();
    }
    runs.push(row);
    console.log(JSON.stringify(row));
  }
  const summary = {
    image: "sto_atomap_ADF + sto_atomap_ABF",
    spacingPx: r3(scale.spacing),
    periodPx: r3(scale.period),
    patchSize: d.patchSize,
    side: SIDE,
    adfColumns: atoms.x.length,
    patches: p.images.n,
    bright: Array.from(isSr).filter((v) => v === 1).length,
    abfColumns: abfAtoms.x.length,
    oxygenColumns: ox.length,
    epochs,
    runs,
  };
  fs.writeFileSync(path.join(o.out, "sto_pair_summary.json"), JSON.stringify(summary, null, 1));
  return summary;
}

/**
 * The command-line entry of the pair scripts (this one and real-images-oxygen.ts): --data, --out, --epochs and
 * --seeds into PairOptions, the backend selected, `run`, its summary printed without the per-run rows.
 */
export function runFromCommandLine(run: (o: PairOptions) => Promise<Record<string, unknown> | undefined>): void {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  (async () => {
    await selectBackend({});
    const s = await run({
      data: arg("data") ?? path.join("..", "shared", "data", "stem-real"),
      out: arg("out") ?? path.join("out", "real-images"),
      epochs: arg("epochs") ? Number(arg("epochs")) : undefined,
      seeds: arg("seeds")?.split(",").map(Number),
    });
    if (s) console.log(JSON.stringify({ ...s, runs: undefined }));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

if (require.main === module) runFromCommandLine(runPair);
