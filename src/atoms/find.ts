import { ImageStack, isImageStack } from "../data/image-stack";
import { check, checkFinite, checkInt, IvaeInputError } from "../util/errors";
import { blurNoiseFactor, localBackground, localNoise, logNoiseFactor } from "./background";
import { blobResponse, gaussianBlur, maxFilter, quantile } from "./filters";
import { estimateLatticeScale, ScaleDefaults, scaleDefaults } from "./scale";
import { asStack } from "./image-input";

export { asStack };

/** Atom (column) positions in pixels, sub-pixel: x = column, y = row; with the frame they came from. */
export interface AtomPositions {
  x: Float32Array;
  y: Float32Array;
  frame: Int32Array;
  /** peak height of the (smoothed) image at the detection; above the local background with background "local" */
  intensity?: Float32Array;
  /** LoG scale of the detection, px (blob radius ≈ σ·√2) */
  sigma?: Float32Array;
  species?: Int32Array;
}

/** Options shared by the finders. */
export interface FindOptions {
  /**
   * smallest allowed distance between two atoms, px; the weaker of two closer peaks is dropped.
   * Default 0.6 × the nearest-neighbour spacing of `scale`, or of {@link estimateLatticeScale} on the image
   * (5 px when the image shows no lattice, e.g. isolated particles)
   */
  minDistance?: number;
  /** a lattice scale (px) to derive the defaults from, e.g. from {@link estimateLatticeScale} */
  scale?: { spacing: number; period: number; columnSigma?: number };
  /**
   * detection threshold as a fraction of the bright end (99.9th percentile) of the column heights above
   * their local background ("local") or between the image median and its 99.9th percentile ("global"):
   * 0 keeps every local maximum, 1 only the brightest. Default 0.08 (the dim Fe–O columns of the
   * BiFeO3-like image sit at ~0.1–0.15 of the range)
   */
  threshold?: number;
  /**
   * use this absolute threshold instead of the relative one: on the height above the local background
   * (background "local", local maxima), on the LoG response (LoG), or on the smoothed image ("global")
   */
  absoluteThreshold?: number;
  /**
   * "local" (default): a peak must stand above its local background (a grey opening at half the spacing)
   * by the relative threshold and by `noiseFactor` × the local noise σ, so noise maxima over vacuum or a
   * thick region are rejected; "global": the former rule against the image median only
   */
  background?: "local" | "global";
  /**
   * with background "local": how many local noise σ a peak must rise above its background; default 5 (on a
   * 256² image of pure white noise the local-maxima finder then keeps ~10 of ~700 noise maxima, at 6 none)
   */
  noiseFactor?: number;
  /** search the image minus its local background (a sloped background can shift weak maxima); default false */
  subtractBackground?: boolean;
  /** pixels at the image border where peaks are ignored; an integer >= 0, default 1 */
  border?: number;
  /** frames to search (default all) */
  frames?: number[];
}

/** Options of {@link findLocalMaxima}. */
export interface LocalMaximaOptions extends FindOptions {
  /** Gaussian smoothing before the search, px; default half the column σ of the scale (1 px for 2 px columns) */
  smooth?: number;
}

/** Options of {@link findAtomsLoG}. */
export interface LoGOptions extends FindOptions {
  /** LoG scale range, px; default half to twice the column σ of the scale (1 … 4 for 2 px columns) */
  minSigma?: number;
  maxSigma?: number;
  /** number of scales between minSigma and maxSigma; default 6 */
  numSigma?: number;
}

function frameList(img: ImageStack, frames: number[] | undefined, where: string): number[] {
  const fs = frames ?? Array.from({ length: img.n }, (_, i) => i);
  for (const f of fs) check(Number.isInteger(f) && f >= 0 && f < img.n, where, `frame ${f} out of range [0, ${img.n})`);
  return fs;
}

/**
 * Keeps peaks greedily from the strongest down, dropping any within `minDistance` of a kept one (a
 * circular rather than square exclusion, using a bucket grid so it stays linear in the number of peaks).
 */
function suppress(cand: Cand[], minDistance: number, width: number, height: number): Cand[] {
  cand.sort((a, b) => b.v - a.v);
  const cell = Math.max(1, minDistance);
  const gw = Math.ceil(width / cell) + 1,
    gh = Math.ceil(height / cell) + 1;
  const grid: number[][] = new Array(gw * gh);
  const kept: Cand[] = [];
  const d2 = minDistance * minDistance;
  for (const c of cand) {
    const gx = Math.floor(c.x / cell),
      gy = Math.floor(c.y / cell);
    let ok = true;
    for (let j = Math.max(0, gy - 1); ok && j <= Math.min(gh - 1, gy + 1); j++) {
      for (let i = Math.max(0, gx - 1); ok && i <= Math.min(gw - 1, gx + 1); i++) {
        const b = grid[j * gw + i];
        if (!b) continue;
        for (const k of b)
          if ((kept[k].x - c.x) ** 2 + (kept[k].y - c.y) ** 2 < d2) {
            ok = false;
            break;
          }
      }
    }
    if (!ok) continue;
    const key = gy * gw + gx;
    (grid[key] ??= []).push(kept.length);
    kept.push(c);
  }
  return kept;
}

interface Cand {
  x: number;
  y: number;
  v: number;
  s: number;
  f: number;
}

function collect(per: Cand[][], withSigma: boolean): AtomPositions {
  const all = per.flat();
  const out: AtomPositions = {
    x: Float32Array.from(all, (p) => p.x),
    y: Float32Array.from(all, (p) => p.y),
    frame: Int32Array.from(all, (p) => p.f),
    intensity: Float32Array.from(all, (p) => p.v),
  };
  if (withSigma) out.sigma = Float32Array.from(all, (p) => p.s);
  return out;
}

/** Validated common settings of both finders; `spacing` drives every default the caller left open. */
interface Common {
  img: ImageStack;
  md: number;
  spacing: number;
  d: ScaleDefaults;
  border: number;
  t: number;
  local: boolean;
  k: number;
  frames: number[];
}

function common(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  o: FindOptions,
  where: string,
  needScale: boolean,
): Common {
  const img = asStack(image, where);
  const frames = frameList(img, o.frames, where);
  if (o.minDistance !== undefined) {
    check(
      Number.isFinite(o.minDistance) && o.minDistance >= 1,
      where,
      `minDistance must be a number >= 1 px, got ${o.minDistance}`,
    );
  }
  // one spacing drives every default left open: the given scale, else the image's own, else minDistance's
  let spacing = o.minDistance !== undefined ? o.minDistance / 0.6 : 5 / 0.6,
    cs: number | undefined;
  if (o.scale) {
    spacing = o.scale.spacing;
    cs = o.scale.columnSigma;
  } else if (needScale) {
    try {
      const sc = estimateLatticeScale(img, { frames: frames.slice(0, 8) });
      spacing = sc.spacing;
      cs = sc.columnSigma;
    } catch (e) {
      if (!(e instanceof IvaeInputError)) throw e; // no lattice (isolated particles, a flat image): keep the fallback
    }
  }
  const md = o.minDistance ?? Math.max(1, 0.6 * spacing);
  const border = o.border ?? 1;
  checkInt(border, where, "border", 0);
  const t = o.threshold ?? 0.08;
  check(Number.isFinite(t) && t >= 0 && t <= 1, where, `threshold must be a fraction in [0, 1], got ${t}`);
  check(
    o.absoluteThreshold === undefined || Number.isFinite(o.absoluteThreshold),
    where,
    `absoluteThreshold must be a finite number, got ${o.absoluteThreshold}`,
  );
  const bgMode = o.background ?? "local";
  check(
    bgMode === "local" || bgMode === "global",
    where,
    `background must be "local" or "global", got ${JSON.stringify(bgMode)}`,
  );
  const k = o.noiseFactor ?? 5;
  check(Number.isFinite(k) && k >= 0, where, `noiseFactor must be >= 0, got ${k}`);
  const d = scaleDefaults({ spacing, period: spacing, columnSigma: cs });
  return { img, md, spacing, d, border, t, local: bgMode === "local", k, frames };
}

/** True when the frame holds no contrast at all (flat, all-zero): no peak can be an atom. */
function isFlat(a: Float32Array): boolean {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return !(hi - lo > 1e-6 * Math.max(1e-30, Math.abs(hi), Math.abs(lo)));
}

/**
 * Finds atomic columns as local maxima of the Gaussian-smoothed image, at least `minDistance` apart
 * (like AtomAI's / scikit-image's peak_local_max), that stand above their local background by the
 * threshold and by `noiseFactor` local noise σ. Every default follows the lattice scale (see
 * {@link FindOptions}). Positions are integer pixels; pass them to {@link refinePositions} for sub-pixel accuracy.
 */
export function findLocalMaxima(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  opts: LocalMaximaOptions = {},
): AtomPositions {
  const where = "findLocalMaxima";
  const c = common(image, opts, where, opts.minDistance === undefined || opts.smooth === undefined);
  const { img, md, border } = c;
  const smooth = opts.smooth ?? c.d.smooth;
  check(Number.isFinite(smooth) && smooth >= 0, where, `smooth must be a number >= 0 px, got ${smooth}`);
  const { height: H, width: W } = img;
  const per = c.frames.map((f) => {
    const raw = img.data.subarray(f * H * W, (f + 1) * H * W);
    if (isFlat(raw)) return [];
    const sm = gaussianBlur(raw, H, W, smooth);
    let score = sm,
      thr: (x: number, y: number) => number;
    if (c.local) {
      const bg = localBackground(sm, H, W, c.spacing / 2);
      const prom = sm.map((v, i) => v - bg[i]);
      const noise = localNoise(raw, H, W, 2 * c.spacing),
        nf = c.k * blurNoiseFactor(smooth);
      const rel = opts.absoluteThreshold ?? c.t * quantile(prom, 0.999);
      if (opts.subtractBackground) score = prom;
      thr = (x, y) => Math.max(rel, nf * noise(x, y));
      const mx = maxFilter(score, H, W, Math.max(1, Math.floor(md / 2)));
      const cand: Cand[] = [];
      for (let y = border; y < H - border; y++) {
        for (let x = border; x < W - border; x++) {
          const i = y * W + x,
            p = prom[i];
          if (score[i] !== mx[i] || !(p > 0) || p < thr(x, y)) continue;
          cand.push({ x, y, v: opts.subtractBackground ? p : sm[i], s: 0, f });
        }
      }
      return suppress(cand, md, W, H);
    }
    const lo = quantile(sm, 0.5),
      hi = quantile(sm, 0.999);
    const g = opts.absoluteThreshold ?? lo + c.t * (hi - lo);
    const mx = maxFilter(sm, H, W, Math.max(1, Math.floor(md / 2)));
    const cand: Cand[] = [];
    for (let y = border; y < H - border; y++) {
      for (let x = border; x < W - border; x++) {
        const v = sm[y * W + x];
        if (v >= g && v > lo && v === mx[y * W + x]) cand.push({ x, y, v, s: 0, f });
      }
    }
    return suppress(cand, md, W, H);
  });
  return collect(per, false);
}

/**
 * Laplacian-of-Gaussian blob detection across scales (as skimage.feature.blob_log, used by the
 * lecture/AtomAI): the scale-normalised response −σ²∇²(G_σ * I) is computed for `numSigma` scales
 * between minSigma and maxSigma; detections are maxima over space and scale above the threshold,
 * then thinned to `minDistance`. The LoG is blind to a smooth background, so "local" here means the
 * threshold is relative to zero response and a peak must beat `noiseFactor` × the LoG response of the
 * local noise at its scale. The returned `sigma` is the best-matching scale (≈ column width).
 */
export function findAtomsLoG(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  opts: LoGOptions = {},
): AtomPositions {
  const where = "findAtomsLoG";
  const open = opts.minDistance === undefined || opts.minSigma === undefined || opts.maxSigma === undefined;
  const c = common(image, opts, where, open);
  const { img, md, border } = c;
  const s0 = opts.minSigma ?? c.d.minSigma,
    s1 = opts.maxSigma ?? Math.max(s0, c.d.maxSigma),
    ns = opts.numSigma ?? 6;
  check(s0 > 0 && s1 >= s0, where, `need 0 < minSigma <= maxSigma, got ${s0}, ${s1}`);
  check(Number.isInteger(ns) && ns >= 1, where, `numSigma must be an integer >= 1, got ${ns}`);
  const { height: H, width: W } = img;
  const sigmas = Array.from({ length: ns }, (_, i) => (ns === 1 ? s0 : s0 + ((s1 - s0) * i) / (ns - 1)));
  const per = c.frames.map((f) => {
    const src = img.data.subarray(f * H * W, (f + 1) * H * W);
    if (isFlat(src)) return [];
    const resp = sigmas.map((s) => blobResponse(src, H, W, s));
    // the threshold is taken on the strongest scale's response, so it is relative like in findLocalMaxima
    const best = new Float32Array(H * W);
    for (const r of resp) for (let i = 0; i < best.length; i++) if (r[i] > best[i]) best[i] = r[i];
    const lo = c.local ? 0 : Math.max(0, quantile(best, 0.5)),
      hi = quantile(best, 0.999);
    const rel = opts.absoluteThreshold ?? lo + c.t * (hi - lo);
    const noise = c.local ? localNoise(src, H, W, 2 * c.spacing) : () => 0;
    const mx = maxFilter(best, H, W, Math.max(1, Math.floor(md / 2)));
    const cand: Cand[] = [];
    for (let y = border; y < H - border; y++) {
      for (let x = border; x < W - border; x++) {
        const i = y * W + x,
          v = best[i];
        if (v < rel || !(v > 0) || v !== mx[i]) continue;
        let k = 0;
        for (let j = 1; j < resp.length; j++) if (resp[j][i] > resp[k][i]) k = j;
        // 0.6: the maxima over scales of pure noise stay below ~3 σ of the continuous formula (measured on a
        // 256² white-noise image: 17 of them above 3, none above 4), so k = 5 asks for 3 such σ
        if (c.local && v < 0.6 * c.k * noise(x, y) * logNoiseFactor(sigmas[k])) continue;
        cand.push({ x, y, v, s: sigmas[k], f });
      }
    }
    return suppress(cand, md, W, H);
  });
  return collect(per, true);
}
