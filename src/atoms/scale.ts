import { ImageStack } from "../data/image-stack";
import { check } from "../util/errors";
import { fft2d, nextPow2 } from "./fft";
import { asStack } from "./image-input";

/** One peak of the image autocorrelation: a translation that maps columns onto columns. */
export interface LatticePeak {
  /** the translation, px (+dx to the right, +dy downward) */
  dx: number;
  dy: number;
  /** its length, px */
  distance: number;
  /** autocorrelation at the peak relative to the strongest non-zero translation (1 = strongest) */
  strength: number;
}

/** The lattice scale of an image, from its autocorrelation. */
export interface LatticeScale {
  /** nearest-neighbour column distance, px: what sets the atom finder's minDistance */
  spacing: number;
  /**
   * lattice period, px: mean length of the shortest strong translations (autocorrelation peaks of at least
   * `periodFraction` of the strongest, within 1.25× the nearest of them)
   */
  period: number;
  /** Gaussian σ of a column, px, from the width of the autocorrelation's central peak (σ_ac = σ√2) */
  columnSigma: number;
  /** the autocorrelation peaks found (one per ± pair), nearest first */
  peaks: LatticePeak[];
  /** number of tiles the spacing was also measured on (0: the image is too small for tiles) */
  tiles: number;
  /** strongest peak over the noise of the autocorrelation away from peaks (≫ 1: a clear lattice) */
  contrast: number;
  /** given pixel size and its unit (e.g. 0.01001, "nm"), and the two distances in that unit */
  pixelSize?: number;
  unit?: string;
  spacingPhysical?: number;
  periodPhysical?: number;
}

/** Options of {@link estimateLatticeScale}. */
export interface LatticeScaleOptions {
  /** frames to average the autocorrelation over; default all (at most 8, evenly spread) */
  frames?: number[];
  /** largest translation searched, px; default a quarter of the shorter image side */
  maxLag?: number;
  /** smallest translation searched, px; default 3 (closer columns cannot be resolved as columns) */
  minLag?: number;
  /** a peak counts as a lattice translation (period) when at least this fraction of the strongest; default 0.85 */
  periodFraction?: number;
  /** a peak counts as a column neighbour (spacing) when at least this fraction of the strongest; default 0.2 */
  neighbourFraction?: number;
  /** pixel size in `unit` per px, to report the distances in physical units */
  pixelSize?: number;
  unit?: string;
}

/**
 * Autocorrelation of one frame at translations |dx|, |dy| <= L, from the power spectrum (Wiener–Khinchin),
 * zero-padded so translations do not wrap, divided by the number of overlapping pixels (unbiased), after a
 * Gaussian high-pass of width L/2 that removes thickness, vacuum/particle steps and slow intensity drift.
 * Returns a (2L+1)² array, index (dy + L)(2L+1) + dx + L.
 */
function autocorrelation(src: Float32Array, H: number, W: number, L: number): Float64Array {
  const P = nextPow2(H + L + 1),
    Q = nextPow2(W + L + 1);
  const re = new Float64Array(P * Q),
    im = new Float64Array(P * Q);
  let mean = 0;
  for (let i = 0; i < src.length; i++) mean += src[i];
  mean /= src.length;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) re[y * Q + x] = src[y * W + x] - mean;
  fft2d(re, im, P, Q);
  const sb = L / 2,
    c = 2 * Math.PI * Math.PI * sb * sb;
  for (let y = 0; y < P; y++) {
    const fy = (y <= P / 2 ? y : y - P) / P;
    for (let x = 0; x < Q; x++) {
      const fx = (x <= Q / 2 ? x : x - Q) / Q,
        i = y * Q + x;
      const hp = 1 - Math.exp(-c * (fx * fx + fy * fy));
      re[i] = (re[i] * re[i] + im[i] * im[i]) * hp * hp;
      im[i] = 0;
    }
  }
  fft2d(re, im, P, Q, true);
  const S = 2 * L + 1,
    out = new Float64Array(S * S);
  for (let dy = -L; dy <= L; dy++) {
    for (let dx = -L; dx <= L; dx++) {
      const v = re[((dy + P) % P) * Q + ((dx + Q) % Q)];
      out[(dy + L) * S + dx + L] = v / ((H - Math.abs(dy)) * (W - Math.abs(dx)));
    }
  }
  return out;
}

/** Frames to use: the given ones, or up to 8 spread over the stack. */
function pickFrames(n: number, frames: number[] | undefined): number[] {
  if (frames) {
    for (const f of frames) {
      check(Number.isInteger(f) && f >= 0 && f < n, "estimateLatticeScale", `frame ${f} out of range [0, ${n})`);
    }
    check(frames.length > 0, "estimateLatticeScale", "frames must name at least one frame");
    return frames;
  }
  const k = Math.min(n, 8);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

/**
 * Peaks of the autocorrelation averaged over `srcs` (each H × W), translations in [rMin, L); null when
 * there is none. `contrast` = strongest peak / median |autocorrelation| on the outer ring (the noise).
 */
function acPeaks(
  srcs: Float32Array[],
  H: number,
  W: number,
  L: number,
  rMin: number,
): { peaks: LatticePeak[]; contrast: number; columnSigma: number } | null {
  const S = 2 * L + 1;
  const ac = new Float64Array(S * S);
  for (const src of srcs) {
    const a = autocorrelation(src, H, W, L);
    for (let i = 0; i < ac.length; i++) ac[i] += a[i] / srcs.length;
  }
  const at = (dx: number, dy: number) => ac[(dy + L) * S + dx + L];
  const bilinear = (x: number, y: number) => {
    const x0 = Math.floor(x),
      y0 = Math.floor(y),
      tx = x - x0,
      ty = y - y0;
    return (
      (1 - ty) * ((1 - tx) * at(x0, y0) + tx * at(x0 + 1, y0)) +
      ty * ((1 - tx) * at(x0, y0 + 1) + tx * at(x0 + 1, y0 + 1))
    );
  };
  // local maxima over the half plane (the autocorrelation is symmetric), not touching the search border
  const raw: { dx: number; dy: number; v: number; prom: number }[] = [];
  for (let dy = 0; dy < L; dy++) {
    for (let dx = -L + 1; dx < L; dx++) {
      if (dy === 0 && dx <= 0) continue;
      const r2 = dx * dx + dy * dy;
      if (r2 < rMin * rMin || r2 > (L - 1) * (L - 1)) continue;
      const v = at(dx, dy);
      if (!(v > 0)) continue;
      let isMax = true;
      for (let j = -1; j <= 1 && isMax; j++) {
        for (let i = -1; i <= 1; i++)
          if ((i || j) && at(dx + i, dy + j) > v) {
            isMax = false;
            break;
          }
      }
      if (!isMax) continue;
      // sub-pixel position from a parabola through the 3 values along each axis
      const ox = (0.5 * (at(dx - 1, dy) - at(dx + 1, dy))) / (at(dx - 1, dy) - 2 * v + at(dx + 1, dy) || 1);
      const oy = (0.5 * (at(dx, dy - 1) - at(dx, dy + 1))) / (at(dx, dy - 1) - 2 * v + at(dx, dy + 1) || 1);
      const px = dx + Math.max(-0.5, Math.min(0.5, ox)),
        py = dy + Math.max(-0.5, Math.min(0.5, oy));
      // prominence over the trough half-way to the origin: a column neighbour has a gap before it,
      // a ripple on the tail of the origin peak does not
      raw.push({ dx: px, dy: py, v, prom: v - bilinear(px / 2, py / 2) });
    }
  }
  const vmax = raw.reduce((m, p) => Math.max(m, p.v), 0);
  if (!(vmax > 0)) return null;
  const ring: number[] = [];
  for (let dy = -L + 1; dy < L; dy++)
    for (let dx = -L + 1; dx < L; dx++) {
      const r = Math.hypot(dx, dy);
      if (r > 0.75 * L && r < L) ring.push(Math.abs(at(dx, dy)));
    }
  ring.sort((a, b) => a - b);
  const noise = ring[Math.floor(ring.length / 2)] || 1e-30;
  const peaks = raw
    .filter((p) => p.prom > 0.1 * p.v && p.v >= 0.05 * vmax)
    .map((p) => ({ dx: p.dx, dy: p.dy, distance: Math.hypot(p.dx, p.dy), strength: p.v / vmax }))
    .sort((a, b) => a.distance - b.distance);
  // column width from the fall of the central peak between lags r and 2r (both axes, both signs; lag 0
  // holds the white-noise spike and is skipped): a Gaussian column of σ has an autocorrelation of σ√2
  const mean = (r: number) => (at(r, 0) + at(-r, 0) + at(0, r) + at(0, -r)) / 4;
  const near = peaks.length ? peaks[0].distance : L;
  const r1 = Math.max(1, Math.round(near / 12)),
    a1 = mean(r1),
    a2 = mean(2 * r1);
  const sAc = a1 > a2 && a2 > 0 ? Math.sqrt((3 * r1 * r1) / (2 * Math.log(a1 / a2))) : NaN;
  return peaks.length ? { peaks, contrast: vmax / noise, columnSigma: sAc / Math.SQRT2 } : null;
}

/** The nearest peak at least `f` of the strongest (peaks are sorted nearest first). */
function nearestAbove(peaks: LatticePeak[], f: number): LatticePeak {
  return peaks.find((p) => p.strength >= f) ?? peaks[0];
}

/**
 * Estimates the lattice scale of an atomic-resolution image without any parameter: the nearest-neighbour
 * column distance (`spacing`) and the shortest lattice translation (`period`), both in px, from the peaks
 * of the image autocorrelation (the pair correlation behind atomap's separation guess, but over the whole
 * image, so noise averages out and no atom positions are needed first).
 * Why the autocorrelation: a translation that maps the whole crystal onto itself correlates every column
 * with its own kind (f_A² + f_B²), which beats any translation that maps A onto B (2 f_A f_B), so the
 * strongest peak is a lattice translation even with two column kinds; the nearest peak that is still
 * clearly above the noise is the nearest-neighbour distance (e.g. A–B at a/√2 in a perovskite).
 * With two phases or a vacuum region the spacing is also measured on tiles, and the smaller spacing wins
 * (the finder needs the smallest spacing present).
 */
export function estimateLatticeScale(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  opts: LatticeScaleOptions = {},
): LatticeScale {
  const where = "estimateLatticeScale";
  const img = asStack(image, where);
  const { height: H, width: W } = img;
  check(Math.min(H, W) >= 16, where, `the image is ${H}x${W}; expected at least 16 px on each side`);
  const L = Math.floor(opts.maxLag ?? Math.min(H, W) / 4);
  const rMin = opts.minLag ?? 3;
  check(
    Number.isFinite(L) && L >= 4 && L <= Math.min(H, W) / 2,
    where,
    `maxLag must be in [4, ${Math.min(H, W) / 2}] px (half the shorter side), got ${opts.maxLag}`,
  );
  check(Number.isFinite(rMin) && rMin >= 1 && rMin < L - 1, where, `minLag must be in [1, maxLag - 1), got ${rMin}`);
  const fPer = opts.periodFraction ?? 0.85,
    fNb = opts.neighbourFraction ?? 0.2;
  check(fPer > 0 && fPer <= 1 && fNb > 0 && fNb <= 1, where, "periodFraction and neighbourFraction must be in (0, 1]");
  const frames = pickFrames(img.n, opts.frames);
  const global = acPeaks(
    frames.map((f) => img.data.subarray(f * H * W, (f + 1) * H * W)),
    H,
    W,
    L,
    rMin,
  );
  check(
    global,
    where,
    "found no periodic structure (the image autocorrelation has no peak); expected an atomic-resolution image",
  );
  // the first shell of strong peaks: the lattice translations; their mean length is the period (with scan
  // drift the lattice vectors differ in length, e.g. 17.2, 17.4 and 19.5 px on the real MoS2 image)
  const p0 = nearestAbove(global.peaks, fPer).distance;
  const shell = global.peaks.filter((p) => p.strength >= fPer && p.distance <= 1.25 * p0);
  const period = shell.length ? shell.reduce((a, p) => a + p.distance, 0) / shell.length : p0;
  let spacing = Math.min(p0, nearestAbove(global.peaks, fNb).distance);
  // two phases or a vacuum region: the weaker lattice can vanish from the whole-image autocorrelation,
  // so the nearest-neighbour distance is also measured on half-overlapping tiles of ~6 periods
  const T = Math.min(H, W, Math.max(64, Math.ceil(6 * p0))),
    tl = Math.floor(T / 4);
  const tiles: { spacing: number; contrast: number }[] = [];
  if (T < Math.max(H, W) && tl > rMin + 1) {
    // tile origins evenly spread, at most half a tile apart and at least two per axis where the image allows
    const origins = (n: number) => {
      const k = n === T ? 1 : Math.max(2, Math.ceil((n - T) / (T / 2)) + 1);
      return Array.from({ length: k }, (_, i) => (k === 1 ? 0 : Math.round((i * (n - T)) / (k - 1))));
    };
    for (const y0 of origins(H)) {
      for (const x0 of origins(W)) {
        const srcs = frames.map((f) => {
          const b = new Float32Array(T * T),
            o = f * H * W + y0 * W + x0;
          for (let y = 0; y < T; y++) b.set(img.data.subarray(o + y * W, o + y * W + T), y * T);
          return b;
        });
        const t = acPeaks(srcs, T, T, tl, rMin);
        if (t) tiles.push({ spacing: nearestAbove(t.peaks, fNb).distance, contrast: t.contrast });
      }
    }
  }
  if (tiles.length >= 4) {
    const cs = tiles.map((t) => t.contrast).sort((a, b) => a - b),
      cMed = cs[Math.floor(cs.length / 2)];
    // tiles of vacuum or amorphous material show no lattice: their contrast is far below the median tile's;
    // a low quantile (not the minimum) of the rest keeps one odd tile from setting the scale
    const good = tiles
      .filter((t) => t.contrast >= 0.5 * cMed)
      .map((t) => t.spacing)
      .sort((a, b) => a - b);
    if (good.length) spacing = Math.min(spacing, good[Math.floor(0.15 * (good.length - 1))]);
  }
  // a column cannot be wider than a third of the spacing nor narrower than half a pixel
  const cs = Number.isFinite(global.columnSigma) ? global.columnSigma : spacing / 5;
  const columnSigma = Math.min(spacing / 3, Math.max(0.5, cs));
  const out: LatticeScale = {
    spacing,
    period,
    columnSigma,
    peaks: global.peaks,
    tiles: tiles.length,
    contrast: global.contrast,
  };
  if (opts.pixelSize !== undefined) {
    check(Number.isFinite(opts.pixelSize) && opts.pixelSize > 0, where, `pixelSize must be > 0, got ${opts.pixelSize}`);
    out.pixelSize = opts.pixelSize;
    out.unit = opts.unit ?? "nm";
    out.spacingPhysical = spacing * opts.pixelSize;
    out.periodPhysical = period * opts.pixelSize;
  }
  return out;
}

/** Finder, patch and window settings derived from a lattice scale (every one can be overridden). */
export interface ScaleDefaults {
  /** 0.6 × spacing: below every nearest-neighbour distance even when the dim columns were not seen */
  minDistance: number;
  /** LoG scale range, columnSigma/2 … 2·columnSigma (spacing/5 when the width is unknown) */
  minSigma: number;
  maxSigma: number;
  /** smoothing of the local-maxima finder, columnSigma/2 px (1 px for the synthetic 2 px columns) */
  smooth: number;
  /** centroid refinement radius, 1.5 column σ */
  refineRadius: number;
  /** atom-centred patch side, even, ≈ 1.25 periods (one cell plus its neighbours' edges) */
  patchSize: number;
  /** sliding-window side, even, ≈ 2.5 periods (a few cells, so every window holds whole columns) */
  windowSize: number;
}

/** Default finder, patch and window settings for a lattice of the given scale (px). */
export function scaleDefaults(scale: { spacing: number; period: number; columnSigma?: number }): ScaleDefaults {
  const { spacing, period } = scale;
  const cs = scale.columnSigma ?? spacing / 5;
  check(
    Number.isFinite(spacing) && spacing > 0 && Number.isFinite(period) && period >= spacing,
    "scaleDefaults",
    `need 0 < spacing <= period, got spacing ${spacing}, period ${period}`,
  );
  const even = (v: number) => Math.max(8, 2 * Math.round(v / 2));
  return {
    minDistance: Math.max(1, 0.6 * spacing),
    minSigma: Math.max(0.5, cs / 2),
    maxSigma: Math.max(1, 2 * cs),
    smooth: cs / 2,
    refineRadius: Math.max(1, Math.round(1.5 * cs)),
    patchSize: even(1.25 * period),
    windowSize: even(2.5 * period),
  };
}
