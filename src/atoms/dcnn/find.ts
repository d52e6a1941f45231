import * as tf from "@tensorflow/tfjs";
import { ImageStack } from "../../data/image-stack";
import { check, IvaeInputError } from "../../util/errors";
import { columnPolarity } from "../background";
import { maxFilter } from "../filters";
import { asStack } from "../image-input";
import { AtomPositions } from "../find";
import { refinePositions } from "../refine";
import { estimateLatticeScale, scaleDefaults } from "../scale";
import { CANONICAL_SPACING } from "./augment";
import { onBump, sampleMap } from "./bump";
import { ATOM_NET_STRIDE, atomNetLogits, AtomNetParams, TARGET_SIGMA } from "./net";
import { normalizeForNet, resampleImage } from "./resample";
import { loadAtomNet } from "./weights";

/** Options of {@link findAtomsDCNN}. */
export interface DCNNOptions {
  /** the lattice scale (px); default {@link estimateLatticeScale} of the image (its `spacing` sets the resize) */
  scale?: { spacing: number; period?: number; columnSigma?: number };
  /**
   * probability a peak of the net's map must reach; default 0.55: the lowest threshold whose pooled precision on
   * the validation seeds 4–5 of the generators stays >= 0.98 with the bump check (0.55: recall 0.991, precision
   * 0.982; 0.6: 0.991, 0.985; 0.7: 0.982, 0.991). Without the bump check 0.55 took phantom columns in the dark
   * gaps of square lattices (precision 0.877) and the default was 0.7, which lost dim columns (ABF oxygen)
   */
  threshold?: number;
  /**
   * distance between two finds below which the weaker is dropped unless the net's map separates them, in
   * canonical spacings; default 0.4 (dim sublattices can sit 0.6 apart)
   */
  minDistance?: number;
  /**
   * closer peaks are both kept when the map between them falls to `pairDip` × the lower peak (the net drew two
   * columns: a dumbbell's pair, 0.25–0.45 spacings apart when the scale is the dumbbell lattice's) and they are
   * at least 2 × the target map's σ (2.4 canonical px) apart; default 0.9 (0.8 lost 13 % of the columns of a
   * synthetic dumbbell lattice with the pair 0.35 estimated spacings apart, 0.9 2 %, with no extra finds on the
   * held-out images); 0 keeps only `minDistance`
   */
  pairDip?: number;
  /** "bright" (HAADF, default), "dark" (ABF: the image is negated), "auto" ({@link columnPolarity}) */
  polarity?: "bright" | "dark" | "auto";
  /**
   * keep only peaks on a bright bump of the image (its Laplacian of Gaussian at the column scale), so an empty
   * cell centre, which the net can take for a dim column, is dropped; default true
   */
  bump?: boolean;
  /** refine the positions on the original image ({@link refinePositions}, centroid); default true */
  refine?: boolean;
  /** frames to search (default all) */
  frames?: number[];
  /** other weights than the shipped ones (e.g. from `npm run train-atom-net -- --out f.json` and loadAtomNet) */
  weights?: AtomNetParams;
  /** tile side at the canonical scale, px (multiple of 4); default 256 */
  tile?: number;
}

/** Runs the net over an image at the canonical scale in overlapping tiles; returns the probability map. */
export function atomProbabilityMap(
  p: AtomNetParams,
  img: Float32Array,
  H: number,
  W: number,
  tile = 256,
): Float32Array {
  check(
    tile % ATOM_NET_STRIDE === 0 && tile >= 32,
    "atomProbabilityMap",
    `tile must be a multiple of 4 >= 32, got ${tile}`,
  );
  const m = 20; // context margin: the receptive field reaches ±18 px, so the outer 20 px of a tile are discarded
  const out = new Float32Array(H * W);
  const core = tile - 2 * m;
  for (let ty = 0; ty < H; ty += core) {
    for (let tx = 0; tx < W; tx += core) {
      const buf = new Float32Array(tile * tile);
      for (let i = 0; i < tile; i++)
        for (let j = 0; j < tile; j++) {
          // mirrored edges, so columns at the border see a plausible neighbourhood
          let y = ty - m + i,
            x = tx - m + j;
          y = y < 0 ? -y : y >= H ? Math.max(0, 2 * H - 2 - y) : y;
          x = x < 0 ? -x : x >= W ? Math.max(0, 2 * W - 2 - x) : x;
          buf[i * tile + j] = img[Math.min(H - 1, y) * W + Math.min(W - 1, x)];
        }
      const t = tf.tidy(() => tf.sigmoid(atomNetLogits(p, tf.tensor4d(buf, [1, tile, tile, 1]))));
      const prob = t.dataSync();
      t.dispose();
      for (let i = 0; i < core && ty + i < H; i++)
        for (let j = 0; j < core && tx + j < W; j++) out[(ty + i) * W + tx + j] = prob[(m + i) * tile + m + j];
    }
  }
  return out;
}

/** Lowest value of the map on the segment between two points (steps of ≤ 0.5 px). */
function saddle(m: Float32Array, H: number, W: number, a: { x: number; y: number }, b: { x: number; y: number }) {
  const n = Math.max(2, Math.ceil(2 * Math.hypot(b.x - a.x, b.y - a.y)));
  let lo = Infinity;
  for (let k = 1; k < n; k++)
    lo = Math.min(lo, sampleMap(m, H, W, a.x + ((b.x - a.x) * k) / n, a.y + ((b.y - a.y) * k) / n));
  return lo;
}

/**
 * Peaks of a probability map ≥ threshold with a 3×3 weighted centre, greedily thinned (highest first). Two peaks
 * closer than `md` px are both kept only when they are at least `floor` px apart and the map dips between them
 * to `dip` × the lower peak or less: the net then drew two columns (a dumbbell's pair), not one column twice.
 */
function peaks(
  prob: Float32Array,
  H: number,
  W: number,
  thr: number,
  md: number,
  floor: number,
  dip: number,
): { x: number; y: number; v: number }[] {
  const mx = maxFilter(prob, H, W, 1);
  const c: { x: number; y: number; v: number }[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = prob[y * W + x];
      if (v < thr || v !== mx[y * W + x]) continue;
      let sw = 0,
        sx = 0,
        sy = 0;
      for (let i = -1; i <= 1; i++)
        for (let j = -1; j <= 1; j++) {
          const yy = y + i,
            xx = x + j;
          if (yy < 0 || xx < 0 || yy >= H || xx >= W) continue;
          const w = prob[yy * W + xx];
          sw += w;
          sx += w * xx;
          sy += w * yy;
        }
      c.push({ x: sx / sw, y: sy / sw, v });
    }
  c.sort((a, b) => b.v - a.v);
  const kept: typeof c = [];
  const cell = Math.max(1, md),
    gw = Math.ceil(W / cell) + 1;
  const grid = new Map<number, number[]>();
  for (const p of c) {
    const gx = Math.floor(p.x / cell),
      gy = Math.floor(p.y / cell);
    let ok = true;
    for (let a = -1; a <= 1 && ok; a++)
      for (let b = -1; b <= 1 && ok; b++)
        for (const k of grid.get((gy + a) * gw + gx + b) ?? []) {
          const q = kept[k],
            d2 = (q.x - p.x) ** 2 + (q.y - p.y) ** 2;
          if (d2 >= md * md) continue;
          if (d2 < floor * floor || saddle(prob, H, W, p, q) > dip * Math.min(p.v, q.v)) ok = false;
        }
    if (!ok) continue;
    const key = gy * gw + gx;
    grid.set(key, [...(grid.get(key) ?? []), kept.length]);
    kept.push(p);
  }
  return kept;
}

/**
 * Refines each find with a radius of at most 0.45 × the distance to its nearest other find (and at least
 * 1 px), so that the two columns of a dumbbell are not pulled onto their common centre by a radius sized for
 * the lattice (the scale's column σ is that of the merged pair).
 */
function refineSeparated(img: ImageStack, found: AtomPositions, radius: number): AtomPositions {
  const n = found.x.length,
    fr = found.frame ?? new Int32Array(n);
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let nn = Infinity;
    for (let j = 0; j < n; j++)
      if (j !== i && fr[j] === fr[i]) nn = Math.min(nn, Math.hypot(found.x[j] - found.x[i], found.y[j] - found.y[i]));
    r[i] = Math.max(1, Math.min(radius, Math.floor(0.45 * nn)));
  }
  const x = Float32Array.from(found.x),
    y = Float32Array.from(found.y);
  for (const R of new Set(r)) {
    const idx = Array.from(r.keys()).filter((i) => r[i] === R);
    const sub = {
      x: Float32Array.from(idx, (i) => found.x[i]),
      y: Float32Array.from(idx, (i) => found.y[i]),
      frame: Int32Array.from(idx, (i) => fr[i]),
    };
    const out = refinePositions(img, sub, { radius: R });
    idx.forEach((i, k) => ((x[i] = out.x[k]), (y[i] = out.y[k])));
  }
  return { ...found, x, y };
}

/**
 * Finds atomic columns with the shipped DCNN (AtomAI's Segmentor idea: a fully convolutional net that
 * maps the image to a column-probability map): each frame is resized so the lattice spacing (from
 * {@link estimateLatticeScale} unless given) becomes the net's canonical 10 px, normalised (1st → 99.8th
 * percentile), run through the net in tiles, and the peaks of the map ≥ `threshold` (0.55) that sit on a bright
 * bump of the image (`bump`, bump.ts) are mapped back and refined on the original image. Peaks closer than
 * `minDistance` are both kept where the map dips between them (`pairDip`): the two columns of a dumbbell, which
 * the scale (the dumbbell lattice's) cannot separate.
 * No per-image parameter: the scale sets everything. `intensity` is the net's probability at the peak.
 */
export function findAtomsDCNN(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  opts: DCNNOptions = {},
): AtomPositions {
  const where = "findAtomsDCNN";
  const img = asStack(image, where);
  const { height: H, width: W } = img;
  check(Math.min(H, W) >= 16, where, `the image is ${H}x${W}; expected at least 16 px on each side`);
  const thr = opts.threshold ?? 0.55,
    mdf = opts.minDistance ?? 0.4;
  check(Number.isFinite(thr) && thr > 0 && thr < 1, where, `threshold must be a probability in (0, 1), got ${thr}`);
  check(Number.isFinite(mdf) && mdf > 0 && mdf <= 2, where, `minDistance must be in (0, 2] spacings, got ${mdf}`);
  const dip = opts.pairDip ?? 0.9;
  check(Number.isFinite(dip) && dip >= 0 && dip < 1, where, `pairDip must be in [0, 1), got ${dip}`);
  const pol = opts.polarity ?? "bright";
  if (pol !== "bright" && pol !== "dark" && pol !== "auto")
    throw new IvaeInputError(`${where}: polarity must be "bright", "dark" or "auto", got ${JSON.stringify(pol)}`);
  const frames = opts.frames ?? Array.from({ length: img.n }, (_, i) => i);
  for (const f of frames)
    check(Number.isInteger(f) && f >= 0 && f < img.n, where, `frame ${f} out of range [0, ${img.n})`);
  const scale = opts.scale ?? estimateLatticeScale(img, { frames: frames.slice(0, 8) });
  check(
    Number.isFinite(scale.spacing) && scale.spacing >= 2,
    where,
    `scale.spacing must be a number >= 2 px, got ${scale.spacing}`,
  );
  const params = opts.weights ?? loadAtomNet();
  const f = CANONICAL_SPACING / scale.spacing;
  // the column σ at the canonical scale (spacing/5 when unknown), kept between 1 px and 0.3 spacings
  const bumpSigma = Math.min(0.3 * CANONICAL_SPACING, Math.max(1, (scale.columnSigma ?? scale.spacing / 5) * f));
  const xs: number[] = [],
    ys: number[] = [],
    fs: number[] = [],
    vs: number[] = [];
  // one polarity for the stack, judged on its first searched frame
  const f0 = img.data.subarray(frames[0] * H * W, (frames[0] + 1) * H * W);
  const dark = pol === "dark" || (pol === "auto" && columnPolarity(f0, H, W, scale.spacing).polarity === "dark");
  for (const fr of frames) {
    let raw = img.data.subarray(fr * H * W, (fr + 1) * H * W);
    if (dark) raw = raw.map((v) => -v);
    let lo = Infinity,
      hi = -Infinity;
    for (const v of raw) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
    if (!(hi - lo > 1e-6 * Math.max(1e-30, Math.abs(hi), Math.abs(lo)))) continue; // a flat frame has no columns
    const r = resampleImage(raw, H, W, f);
    const input = normalizeForNet(r.data);
    const prob = atomProbabilityMap(params, input, r.height, r.width, opts.tile ?? 256);
    let found = peaks(prob, r.height, r.width, thr, mdf * CANONICAL_SPACING, 2 * TARGET_SIGMA, dip);
    if (opts.bump !== false) found = onBump(found, input, r.height, r.width, bumpSigma);
    for (const p of found) {
      xs.push((p.x + 0.5) * (W / r.width) - 0.5);
      ys.push((p.y + 0.5) * (H / r.height) - 0.5);
      fs.push(fr);
      vs.push(p.v);
    }
  }
  const found: AtomPositions = {
    x: Float32Array.from(xs),
    y: Float32Array.from(ys),
    frame: Int32Array.from(fs),
    intensity: Float32Array.from(vs),
  };
  if (opts.refine === false || found.x.length === 0) return found;
  const period = Math.max(scale.spacing, scale.period ?? scale.spacing);
  const radius = scaleDefaults({ spacing: scale.spacing, period, columnSigma: scale.columnSigma }).refineRadius;
  const src = dark ? { ...img, data: img.data.map((v) => -v) } : img;
  return refineSeparated(src, found, radius);
}
