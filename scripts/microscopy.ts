/**
 * Regenerates the microscopy scores and figures: `node dist/scripts/microscopy.js [--fast] [--out DIR]`.
 * Synthetic NiO|LSMO interface and BiFeO3-like domain images → atom finding (scored against the ground
 * truth) → atom-centred patches → rVAE → maps (angle, offsets, latents) over the image and GMM classes,
 * compared with PCA + k-means on the same patches (adjusted Rand index); sliding windows with VAE vs
 * shift-VAE; the movie; PCA/NMF/k-means/GMM on a spectral image. Writes DIR/scores.json and PNGs.
 */
import * as fs from "fs";
import * as path from "path";
import { stemDomains, stemInterface, stemSpectral, stemTimeSeries, SyntheticStem } from "../src/data/stem";
import { encodePng, encodePngRgb } from "../src/data/io/png";
import { extractPatches, findAtomsLoG, refinePositions, scoreAtoms, slidingWindows, PatchSet } from "../src/atoms";
import { baselineClasses } from "../src/analysis/baselines";
import { colorizeMap, labelImage, rasterizeMap, valueDensity2d, valueHistogram } from "../src/analysis/maps";
import { adjustedRandIndex, bestMatchAccuracy } from "../src/analysis/metrics";
import { gmm } from "../src/analysis/cluster";
import { RVAE, ShiftVAE, VAE } from "../src/models";
import { train } from "../src/training";
import { ImageStack } from "../src/data/image-stack";
import { selectBackend } from "../src/backend";

const fast = process.argv.includes("--fast");
const outArg = process.argv.indexOf("--out");
const OUT = outArg > 0 ? process.argv[outArg + 1] : "out/microscopy";
fs.mkdirSync(OUT, { recursive: true });
const scores: Record<string, unknown> = { fast, generated: new Date().toISOString() };
const SIZE = fast ? 256 : 384, PATCH = fast ? 24 : 32, EPOCHS = fast ? 6 : 40;

function save(name: string, buf: Buffer): void { fs.writeFileSync(path.join(OUT, name), buf); }
function r4(x: number): number { return Math.round(x * 1e4) / 1e4; }

/** Scales patches to [0, 1] by the 99.9th percentile of all patches (the rVAE's Bernoulli likelihood wants [0, 1]). */
function unitPatches(p: ImageStack): ImageStack {
  const s = Float32Array.from(p.data).sort();
  const lo = s[Math.floor(0.001 * (s.length - 1))], hi = s[Math.floor(0.999 * (s.length - 1))];
  return { ...p, data: p.data.map((v) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)))) };
}

/** Many-to-one mapping of clusters to classes by majority: the accuracy a user gets by naming each cluster. */
function majorityAccuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < pred.length; i++) {
    const m = votes.get(pred[i]) ?? votes.set(pred[i], new Map()).get(pred[i])!;
    m.set(truth[i], (m.get(truth[i]) ?? 0) + 1);
  }
  let ok = 0;
  for (const m of votes.values()) ok += Math.max(...m.values());
  return ok / pred.length;
}

function atomsOf(s: SyntheticStem, name: string) {
  const t0 = Date.now();
  const found = refinePositions(s.image, findAtomsLoG(s.image, { minDistance: s.minSpacing }));
  const ms = Date.now() - t0;
  const m = 3, region = { x0: m, y0: m, x1: s.image.width - m, y1: s.image.height - m };
  const sc = scoreAtoms(found, s.truth, { tolerance: s.minSpacing / 2, region });
  scores[`${name}.atomFinding`] = { method: "LoG + centroid refinement", precision: r4(sc.precision), recall: r4(sc.recall),
    meanErrorPx: r4(sc.meanError), rmsErrorPx: r4(sc.rmsError), found: found.x.length, ms };
  console.log(`${name}: atoms precision ${sc.precision.toFixed(3)} recall ${sc.recall.toFixed(3)} error ${sc.meanError.toFixed(3)} px (${ms} ms)`);
  // truth labels of the found atoms (matched; unmatched get the nearest true atom's labels)
  const idx = Int32Array.from(sc.match, (j, i) => {
    if (j >= 0) return j;
    let best = 0, bd = Infinity;
    for (let k = 0; k < s.truth.x.length; k++) { const d = (s.truth.x[k] - found.x[i]) ** 2 + (s.truth.y[k] - found.y[i]) ** 2; if (d < bd) { bd = d; best = k; } }
    return best;
  });
  return { found, idx };
}

function drawMaps(prefix: string, s: SyntheticStem, p: PatchSet, values: Record<string, Float32Array | Int32Array>, frame = 0): void {
  const H = s.image.height, W = s.image.width;
  const under = s.image.data.subarray(frame * H * W, (frame + 1) * H * W);
  save(`${prefix}_image.png`, encodePng(under, W, H));
  for (const [k, v] of Object.entries(values)) {
    const opts = { height: H, width: W, frame, radius: s.minSpacing * 0.6 };
    const rgb = k === "class"
      ? colorizeMap({ data: labelImage(p, v, opts) }, { colormap: "labels", under })
      : colorizeMap(rasterizeMap(p, v, opts), { colormap: k === "angle" ? "twilight" : "viridis", under });
    save(`${prefix}_${k}.png`, encodePngRgb(rgb, W, H));
  }
}

async function rvaeOnPatches(name: string, s: SyntheticStem, k: number, truthClass: Int32Array, truthPhase: Int32Array) {
  const { found, idx } = atomsOf(s, name);
  const p = extractPatches(s.image, found, { size: PATCH, edge: "drop" });
  const imgs = unitPatches(p.images);
  const cls = Int32Array.from(p.source, (i) => truthClass[idx[i]]);
  const phs = Int32Array.from(p.source, (i) => truthPhase[idx[i]]);
  const model = new RVAE({ imageShape: [PATCH, PATCH], latentDim: 2, seed: 1 });
  const t0 = Date.now();
  await train(model, imgs, { epochs: EPOCHS, batchSize: 64, learningRate: 1e-3, seed: 1, progress: false });
  const enc = model.encode(imgs);
  const z1 = new Float32Array(enc.n), z2 = new Float32Array(enc.n);
  for (let i = 0; i < enc.n; i++) { z1[i] = enc.zMean[2 * i]; z2[i] = enc.zMean[2 * i + 1]; }
  const g = gmm(enc.zMean, 2, k, { seed: 0, nInit: 4 });
  const base = baselineClasses(imgs, { k, method: "pca-kmeans", components: 3, seed: 0 });
  const nmfb = baselineClasses(imgs, { k, method: "nmf-kmeans", components: 3, seed: 0 });
  const res = {
    patches: p.images.n, patchSize: PATCH, epochs: EPOCHS, trainSeconds: Math.round((Date.now() - t0) / 1000), k,
    rvaeGmm: { ariClass: r4(adjustedRandIndex(g.labels, cls)), accClass: r4(bestMatchAccuracy(g.labels, cls).accuracy), phaseAccuracy: r4(majorityAccuracy(g.labels, phs)), ariPhase: r4(adjustedRandIndex(g.labels, phs)) },
    pcaKmeans: { ariClass: r4(adjustedRandIndex(base.labels, cls)), accClass: r4(bestMatchAccuracy(base.labels, cls).accuracy), phaseAccuracy: r4(majorityAccuracy(base.labels, phs)), ariPhase: r4(adjustedRandIndex(base.labels, phs)) },
    nmfKmeans: { ariClass: r4(adjustedRandIndex(nmfb.labels, cls)), phaseAccuracy: r4(majorityAccuracy(nmfb.labels, phs)) },
  };
  scores[`${name}.classes`] = res;
  console.log(`${name}: rVAE+GMM ARI ${res.rvaeGmm.ariClass} vs PCA+k-means ${res.pcaKmeans.ariClass}`);
  drawMaps(name, s, p, { angle: enc.angle ?? new Float32Array(enc.n), dx: enc.dx ?? new Float32Array(enc.n), dy: enc.dy ?? new Float32Array(enc.n), z1, z2, class: g.labels, pcaClass: base.labels });
  const dens = valueDensity2d(z1, z2, { bins: 64, smooth: 1 });
  save(`${name}_latent_density.png`, encodePng(dens.counts.map((v) => Math.sqrt(v)), 64, 64));
  fs.writeFileSync(path.join(OUT, `${name}_distributions.json`), JSON.stringify({
    angleDeg: valueHistogram(Array.from(enc.angle ?? [], (a) => (a * 180) / Math.PI), 40), z1: valueHistogram(z1, 40), z2: valueHistogram(z2, 40),
  }));
  return { model, p, enc, labels: g.labels };
}

async function main(): Promise<void> {
  scores.backend = await selectBackend({ verbose: true });
  // 1. interface: classes vs the three column kinds (NiO, LSMO A, LSMO B) and the two phases
  const itf = stemInterface({ height: SIZE, width: SIZE, seed: 7 });
  const siteClass = Int32Array.from(itf.truth.species, (sp, i) => (itf.truth.phase[i] === 0 ? 0 : sp === 2 || sp === 5 ? 2 : 1));
  await rvaeOnPatches("interface", itf, 3, siteClass, itf.truth.phase);
  // 2. BFO-like domains: classes vs domain × site
  const dom = stemDomains({ height: SIZE, width: SIZE, seed: 7 });
  const domSite = Int32Array.from(dom.truth.species, (sp, i) => 2 * dom.truth.phase[i] + (sp === 4 || sp === 5 ? 1 : 0));
  await rvaeOnPatches("domains", dom, 4, domSite, dom.truth.phase);
  // 3. without atom finding: VAE vs shift-VAE on sliding windows of the interface image
  const win = slidingWindows(itf.image, { size: PATCH, stride: fast ? 8 : 6 });
  const wimgs = unitPatches(win.images);
  const wPhase = Int32Array.from(win.x, (x, i) => {
    let best = 0, bd = Infinity;
    for (let k = 0; k < itf.truth.x.length; k++) { const d = (itf.truth.x[k] - x) ** 2 + (itf.truth.y[k] - win.y[i]) ** 2; if (d < bd) { bd = d; best = k; } }
    return itf.truth.phase[best];
  });
  const windows: Record<string, unknown> = { windows: win.images.n };
  for (const [nm, model] of [["vae", new VAE({ imageShape: [PATCH, PATCH], latentDim: 2, seed: 2 })], ["shiftVae", new ShiftVAE({ imageShape: [PATCH, PATCH], latentDim: 2, seed: 2 })]] as const) {
    await train(model, wimgs, { epochs: EPOCHS, batchSize: 64, seed: 2, progress: false });
    const enc = model.encode(wimgs);
    const g = gmm(enc.zMean, 2, 2, { seed: 0, nInit: 4 });
    windows[nm] = { ariPhase: r4(adjustedRandIndex(g.labels, wPhase)), phaseAccuracy: r4(bestMatchAccuracy(g.labels, wPhase).accuracy) };
    const z1 = Float32Array.from({ length: enc.n }, (_, i) => enc.zMean[2 * i]);
    drawMaps(`windows_${nm}`, itf, win, { z1, class: g.labels });
  }
  scores["interface.slidingWindows"] = windows;
  console.log("sliding windows", JSON.stringify(windows));
  // 4. movie: classes per frame and the LSMO fraction found vs true
  const mov = stemTimeSeries({ height: fast ? 160 : 256, width: fast ? 160 : 256, frames: fast ? 3 : 6, seed: 7 });
  const mfound = refinePositions(mov.image, findAtomsLoG(mov.image, { minDistance: mov.minSpacing }));
  const msc = scoreAtoms(mfound, mov.truth, { tolerance: mov.minSpacing / 2 });
  scores["movie.atomFinding"] = { precision: r4(msc.precision), recall: r4(msc.recall), meanErrorPx: r4(msc.meanError) };
  const trueFrac = Array.from({ length: mov.image.n }, (_, f) => { let a = 0, b = 0; for (let i = 0; i < mov.truth.x.length; i++) if (mov.truth.frame[i] === f) { a++; b += mov.truth.phase[i]; } return r4(b / a); });
  scores["movie.lsmoFractionTrue"] = trueFrac;
  // 5. spectral image: classical descriptors on per-pixel spectra
  const sp = stemSpectral({ height: 48, width: 48, channels: 64, seed: 7 });
  const spec: Record<string, number> = {};
  for (const m of ["kmeans", "gmm", "pca-kmeans", "pca-gmm", "nmf-kmeans"] as const) {
    spec[m] = r4(adjustedRandIndex(baselineClasses({ data: sp.data, n: 48 * 48, d: 64 }, { k: 3, method: m, components: 3 }).labels, sp.labels));
  }
  scores["spectral.ari"] = spec;
  fs.writeFileSync(path.join(OUT, "scores.json"), JSON.stringify(scores, null, 2));
  console.log(`wrote ${OUT}/scores.json`);
}

main().catch((e) => { console.error(e); process.exit(1); });
