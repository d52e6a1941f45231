/**
 * `npm run real-images` (after `npx tsc`): the whole route on every real image in ../shared/data/stem-real
 * with no per-image parameter: load (.npy) → lattice scale → atoms (LoG, local background; and the DCNN finder
 * beside it, scored the same way) → patches →
 * rVAE → maps (angle, offsets, z) and classes (k-means on z) as PNG under out/real-images/ (px), the maps also as
 * NAME_maps_nm.svg/png with axes in nm and offsets in pm (pixel size from the microscope's file where
 * ../shared/data/formats has it, else the data README: scripts/real-images-calibrated.ts), scores where
 * published positions exist, a printed table and out/real-images/summary.json. Skips cleanly when the
 * folder is absent (the repository never holds those files).
 * Options: --data DIR, --out DIR, --only a,b (image names), --no-rvae, --epochs N (default 30),
 * --patches N (training subsample, default 400), --pair-epochs N and --pair-seeds 1,2,3 for the last section:
 * the simultaneous ADF/ABF pair through the 2-channel rVAE beside the ADF-only one (scripts/real-images-channels.ts;
 * `--only sto_pair` runs it alone, `--no-pair` skips it), then the oxygen columns as their own class
 * (scripts/real-images-oxygen.ts).
 */
import "../src/native";
import * as fs from "fs";
import * as path from "path";
import { decodeNpy } from "../src/data/io/npy";
import { encodePng, encodePngRgb } from "../src/data/io/png";
import { ImageStack } from "../src/data/image-stack";
import {
  columnPolarity,
  estimateLatticeScale,
  extractPatches,
  findAtomsDCNN,
  findAtomsLoG,
  LatticeScale,
  PatchSet,
  quantile,
  refinePositions,
  scaleDefaults,
  scoreAtoms,
} from "../src/atoms";
import { colorizeMap, labelImage, rasterizeMap } from "../src/analysis/maps";
import { clusterLabels, rvaePatchClasses, unitPatches } from "../src/analysis/microscopy";
import { selectBackend } from "../src/backend";
import { Random } from "../src/util/random";
import { resample, runPair } from "./real-images-channels";
import { runOxygen } from "./real-images-oxygen";
import { calibratedMaps, calibrationOf } from "./real-images-calibrated";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const DATA = arg("data") ?? path.join("..", "shared", "data", "stem-real");
const OUT = arg("out") ?? path.join("out", "real-images");
const ONLY = arg("only")?.split(",");
const RVAE = !process.argv.includes("--no-rvae");
const EPOCHS = Number(arg("epochs") ?? 30),
  NTRAIN = Number(arg("patches") ?? 400);
/** rVAE input side: patches are cut at the lattice's own size and resampled to this (training cost) */
const SIDE = 24;

function save(name: string, buf: Buffer): void {
  fs.writeFileSync(path.join(OUT, name), buf);
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * B sites of a perovskite from published A sites: the centre of every complete A cell (four A sites
 * about one period apart), so that precision can be judged on A + B when only A is published.
 */
function cellCentres(ax: Float32Array, ay: Float32Array, period: number): { x: Float32Array; y: Float32Array } {
  const near = (x: number, y: number) => {
    for (let j = 0; j < ax.length; j++) if (Math.hypot(ax[j] - x, ay[j] - y) < 0.3 * period) return j;
    return -1;
  };
  const bx: number[] = [],
    by: number[] = [];
  for (let i = 0; i < ax.length; i++) {
    // the right, lower and diagonal neighbours along the image axes (the lattice is aligned in these images)
    let r = -1,
      d = -1;
    for (let j = 0; j < ax.length; j++) {
      const dx = ax[j] - ax[i],
        dy = ay[j] - ay[i];
      if (Math.abs(dy) < 0.3 * period && Math.abs(dx - period) < 0.3 * period) r = j;
      if (Math.abs(dx) < 0.3 * period && Math.abs(dy - period) < 0.3 * period) d = j;
    }
    if (r < 0 || d < 0) continue;
    const g = near(ax[r] + ax[d] - ax[i], ay[r] + ay[d] - ay[i]);
    if (g < 0) continue;
    bx.push((ax[i] + ax[r] + ax[d] + ax[g]) / 4);
    by.push((ay[i] + ay[r] + ay[d] + ay[g]) / 4);
  }
  return { x: Float32Array.from(bx), y: Float32Array.from(by) };
}

/**
 * What the finds say about the structure, with no truth: the median nearest-neighbour distance of the finds
 * (in spacings; a honeycomb's two sublattices give 1/√3 of the metal lattice), and the fraction of finds
 * (5 % border excluded) in mutual nearest-neighbour pairs closer than half the spacing (dumbbells), with the
 * median pair distance (px) and its direction (degrees from the x axis, folded to (−90, 90]).
 */
function neighbourStats(f: { x: Float32Array; y: Float32Array }, H: number, W: number, spacing: number) {
  const n = f.x.length,
    m = 0.05 * Math.min(H, W);
  const nn = new Float64Array(n).fill(Infinity),
    at = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(f.x[i] - f.x[j], f.y[i] - f.y[j]);
      if (d < nn[i]) ((nn[i] = d), (at[i] = j));
      if (d < nn[j]) ((nn[j] = d), (at[j] = i));
    }
  const inner = Array.from(nn.keys()).filter((i) => f.x[i] > m && f.y[i] > m && f.x[i] < W - m && f.y[i] < H - m);
  const pairs = inner.filter((i) => at[at[i]] === i && nn[i] < 0.5 * spacing);
  const angle = (i: number) => {
    const t = (Math.atan2(f.y[at[i]] - f.y[i], f.x[at[i]] - f.x[i]) * 180) / Math.PI;
    const u = ((t % 180) + 180) % 180;
    return u > 90 ? u - 180 : u;
  };
  const median = (v: number[]) => (v.length ? quantile(v, 0.5) : NaN);
  return {
    nnSpacings: r3(median(inner.map((i) => nn[i])) / spacing),
    pairedFraction: r3(pairs.length / Math.max(1, inner.length)),
    pairPx: r3(median(pairs.map((i) => nn[i]))),
    pairAngleDeg: Math.round(median(pairs.map(angle))),
  };
}

function drawMaps(
  name: string,
  img: Float32Array,
  H: number,
  W: number,
  p: PatchSet,
  values: Record<string, ArrayLike<number>>,
  radius: number,
): void {
  for (const [k, v] of Object.entries(values)) {
    const o = { height: H, width: W, frame: 0, radius };
    const range = v.length > 10 ? { min: quantile(v, 0.02), max: quantile(v, 0.98) } : {};
    const rgb =
      k === "class"
        ? colorizeMap({ data: labelImage(p, v, o) }, { colormap: "labels", under: img })
        : colorizeMap(rasterizeMap(p, v, o), {
            colormap: k === "angle" ? "twilight" : "viridis",
            under: img,
            ...(k === "angle" ? {} : range),
          });
    save(`${name}_${k}.png`, encodePngRgb(rgb, W, H));
  }
}

interface Row {
  image: string;
  size: string;
  polarity: string;
  spacingPx: number;
  periodPx: number;
  periodNm?: number;
  /** where the pixel size came from: the microscope's file, the data README, or none */
  calibration: string;
  columnSigmaPx: number;
  seconds: number;
  atoms: number;
  dcnnAtoms: number;
  /** neighbourStats of the LoG and the DCNN finds */
  structure: Record<"log" | "dcnn", ReturnType<typeof neighbourStats>>;
  patchSize: number;
  score?: Record<string, number | string>;
  dcnnScore?: Record<string, number | string>;
  rvae?: Record<string, number | string>;
}

async function one(file: string): Promise<Row> {
  const name = path.basename(file, ".npy");
  const a = decodeNpy(new Uint8Array(fs.readFileSync(file)));
  const [H, W] = a.shape.slice(-2);
  const t0 = Date.now();
  const raw = { data: a.data.subarray(0, H * W), height: H, width: W };
  const cal = await calibrationOf(name, path.dirname(file));
  const scale: LatticeScale = estimateLatticeScale(raw, { pixelSize: cal.pixelSize?.value, unit: "nm" });
  // ABF shows the columns dark: the finders look for bright peaks, so such an image is negated (decided by
  // the image's own skewness, not by its name)
  const pol = columnPolarity(raw.data, H, W, scale.spacing);
  const img = pol.polarity === "dark" ? { ...raw, data: raw.data.map((v) => -v) } : raw;
  const d = scaleDefaults(scale);
  const atoms = refinePositions(img, findAtomsLoG(img, { scale }), { radius: d.refineRadius });
  // the DCNN finder on the same (polarity-corrected) image at the same scale
  const dAtoms = findAtomsDCNN(img, { scale });
  const row: Row = {
    image: name,
    size: `${H}x${W}`,
    spacingPx: r3(scale.spacing),
    periodPx: r3(scale.period),
    periodNm: scale.periodPhysical && r3(scale.periodPhysical),
    calibration: cal.source,
    columnSigmaPx: r3(scale.columnSigma),
    polarity: pol.polarity,
    seconds: 0,
    atoms: atoms.x.length,
    dcnnAtoms: dAtoms.x.length,
    structure: { log: neighbourStats(atoms, H, W, scale.spacing), dcnn: neighbourStats(dAtoms, H, W, scale.spacing) },
    patchSize: d.patchSize,
  };
  save(`${name}_image.png`, encodePng(img.data, W, H));
  // the found atoms as dots over the image, to judge the finders by eye
  for (const [suffix, found] of [
    ["atoms", atoms],
    ["atoms_dcnn", dAtoms],
  ] as const) {
    const dots = labelImage({ x: found.x, y: found.y, frame: found.frame }, new Int32Array(found.x.length).fill(1), {
      height: H,
      width: W,
      radius: Math.max(1.5, 0.12 * scale.spacing),
    });
    save(
      `${name}_${suffix}.png`,
      encodePngRgb(colorizeMap({ data: dots }, { colormap: "labels", under: img.data, alpha: 0.9 }), W, H),
    );
  }
  const gt = path.join(path.dirname(file), `${name}_GT_PbSr_positions_xy.npy`);
  if (fs.existsSync(gt)) {
    const g = decodeNpy(new Uint8Array(fs.readFileSync(gt)));
    const n = g.shape[0],
      gx = new Float32Array(n),
      gy = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      gx[i] = g.data[2 * i];
      gy[i] = g.data[2 * i + 1];
    }
    const tol = scale.period / 4;
    // precision on A + B inside the published field (B = centres of complete published A cells)
    const b = cellCentres(gx, gy, scale.period);
    const region = {
      x0: Math.min(...gx) - tol,
      y0: Math.min(...gy) - tol,
      x1: Math.max(...gx) + tol,
      y1: Math.max(...gy) + tol,
    };
    const scored = (found: { x: Float32Array; y: Float32Array }) => {
      const aScore = scoreAtoms(found, { x: gx, y: gy }, { tolerance: tol });
      const ab = scoreAtoms(
        found,
        { x: Float32Array.from([...gx, ...b.x]), y: Float32Array.from([...gy, ...b.y]) },
        { tolerance: tol, region },
      );
      return {
        truth: `${n} published A sites (+${b.x.length} B = cell centres)`,
        tolerancePx: r3(tol),
        recallA: r3(aScore.recall),
        precisionAB: r3(ab.precision),
        recallAB: r3(ab.recall),
        meanErrorA: r3(aScore.meanError),
      };
    };
    row.score = scored(atoms);
    row.dcnnScore = scored(dAtoms);
  }
  if (RVAE) {
    const p = extractPatches(img, atoms, { size: d.patchSize });
    const small = unitPatches(resample(p.images, SIDE));
    const rng = new Random(1);
    const pick = rng
      .permutation(small.n)
      .slice(0, Math.min(NTRAIN, small.n))
      .sort((x, y) => x - y);
    const train: ImageStack = {
      data: new Float32Array(pick.length * SIDE * SIDE),
      n: pick.length,
      height: SIDE,
      width: SIDE,
    };
    pick.forEach((k, o) =>
      train.data.set(small.data.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE), o * SIDE * SIDE),
    );
    const res = await rvaePatchClasses(train, { k: 2, epochs: EPOCHS, seed: 1 });
    const enc = res.model.encode(small);
    const z1 = Float32Array.from({ length: enc.n }, (_, i) => enc.zMean[2 * i]),
      z2 = Float32Array.from({ length: enc.n }, (_, i) => enc.zMean[2 * i + 1]);
    const cls = clusterLabels({ data: enc.zMean, dim: 2 }, 2, { seed: 1 });
    // offsets back in px of the image (the patch was resampled from patchSize to SIDE)
    const f = d.patchSize / SIDE;
    drawMaps(
      name,
      img.data,
      H,
      W,
      p,
      {
        angle: enc.angle!,
        dx: enc.dx!.map((v) => v * f),
        dy: enc.dy!.map((v) => v * f),
        z1,
        z2,
        class: cls,
      },
      0.45 * scale.spacing,
    );
    // the same maps with axes in nm and offsets in pm (the notebook's figure), from the calibration above
    const phys = await calibratedMaps(OUT, name, img, p, enc, f, cal, cls);
    res.model.dispose();
    row.rvae = {
      ...phys,
      patches: p.images.n,
      trained: pick.length,
      epochs: EPOCHS,
      trainSeconds: r3(res.trainSeconds),
      loss: r3(res.final.loss),
      class0: cls.filter((c) => c === 0).length,
      class1: cls.filter((c) => c === 1).length,
    };
  }
  row.seconds = r3((Date.now() - t0) / 1000);
  return row;
}

async function main(): Promise<void> {
  if (!fs.existsSync(DATA)) {
    console.log(`real-images: ${DATA} not found; nothing to do (the real images are not part of the repository)`);
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  await selectBackend({});
  const files = fs
    .readdirSync(DATA)
    .filter((f) => f.endsWith(".npy") && !f.includes("_GT_"))
    .sort()
    .filter((f) => !ONLY || ONLY.includes(path.basename(f, ".npy")));
  const rows: Row[] = [];
  for (const f of files) {
    const row = await one(path.join(DATA, f));
    rows.push(row);
    const s = row.score
      ? ` LoG recallA ${row.score.recallA} precisionAB ${row.score.precisionAB}` +
        ` | DCNN recallA ${row.dcnnScore!.recallA} precisionAB ${row.dcnnScore!.precisionAB}`
      : "";
    console.log(
      `${row.image.padEnd(26)} ${row.size.padEnd(10)} spacing ${row.spacingPx.toFixed(1).padStart(5)} px  period ` +
        `${row.periodPx.toFixed(1).padStart(5)} px` +
        ` (${row.periodNm ?? "?"} nm, pixel size: ${row.calibration})` +
        `  σ ${row.columnSigmaPx.toFixed(1)} ${row.polarity}  atoms ` +
        `${String(row.atoms).padStart(5)} (DCNN ${row.dcnnAtoms})  patch ${row.patchSize}${s}  ${row.seconds}s`,
    );
    const st = (k: "log" | "dcnn") => {
      const v = row.structure[k];
      const pair = v.pairedFraction > 0 ? ` (pair ${v.pairPx} px at ${v.pairAngleDeg}°)` : "";
      return `NN ${v.nnSpacings} spacings, paired ${v.pairedFraction}${pair}`;
    };
    console.log(`${"".padEnd(26)} LoG: ${st("log")} | DCNN: ${st("dcnn")}`);
  }
  fs.writeFileSync(path.join(OUT, "summary.json"), JSON.stringify(rows, null, 1));
  console.log(`wrote ${path.join(OUT, "summary.json")} and the maps`);
  if (RVAE && !process.argv.includes("--no-pair") && (!ONLY || ONLY.includes("sto_pair"))) {
    const pairEpochs = arg("pair-epochs"),
      pairSeeds = arg("pair-seeds");
    const pair = await runPair({
      data: DATA,
      out: OUT,
      epochs: pairEpochs ? Number(pairEpochs) : undefined,
      seeds: pairSeeds?.split(",").map(Number),
    });
    if (pair) console.log(`wrote ${path.join(OUT, "sto_pair_summary.json")} and the sto_pair_*.png figures`);
    // the oxygen (ABF-only) columns as their own class (scripts/real-images-oxygen.ts)
    const ox = await runOxygen({ data: DATA, out: OUT, epochs: pairEpochs ? Number(pairEpochs) : undefined });
    if (ox) console.log(`wrote ${path.join(OUT, "sto_oxygen_summary.json")} and the sto_oxygen_*.png figures`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
