import { check, checkInt } from "../util/errors";

/** Positions of the patches a value belongs to (a PatchSet or found atoms). */
export interface MapSites {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  frame?: ArrayLike<number>;
}

/** One row per patch for scatter-over-image plots (vega-lite data). */
export interface MapPoint {
  x: number;
  y: number;
  frame: number;
  value: number;
}

/** Values per patch as rows {x, y, frame, value}, optionally of one frame only. */
export function mapPoints(sites: MapSites, values: ArrayLike<number>, opts: { frame?: number } = {}): MapPoint[] {
  check(values.length === sites.x.length, "mapPoints", `got ${values.length} values for ${sites.x.length} sites`);
  const out: MapPoint[] = [];
  for (let i = 0; i < values.length; i++) {
    const f = sites.frame?.[i] ?? 0;
    if (opts.frame !== undefined && f !== opts.frame) continue;
    out.push({ x: sites.x[i], y: sites.y[i], frame: f, value: values[i] });
  }
  return out;
}

/** A map drawn over a frame: `data` holds values where `mask` is 1. */
export interface RasterMap {
  data: Float32Array;
  mask: Uint8Array;
  height: number;
  width: number;
}

/**
 * Rasterises values per patch into an image of the frame: each pixel takes the value of the nearest site
 * within `radius` px (a Voronoi tessellation cut at the radius), so every atom is drawn as a patch of its
 * value and the structure of the map reads like the lecture's scatter-over-image plots.
 */
export function rasterizeMap(
  sites: MapSites,
  values: ArrayLike<number>,
  opts: { height: number; width: number; frame?: number; radius?: number },
): RasterMap {
  const { height: H, width: W } = opts;
  checkInt(H, "rasterizeMap", "height");
  checkInt(W, "rasterizeMap", "width");
  check(values.length === sites.x.length, "rasterizeMap", `got ${values.length} values for ${sites.x.length} sites`);
  const R = opts.radius ?? 6;
  check(R > 0, "rasterizeMap", `radius must be > 0, got ${R}`);
  const data = new Float32Array(H * W),
    mask = new Uint8Array(H * W),
    best = new Float32Array(H * W).fill(Infinity);
  const f0 = opts.frame ?? 0;
  for (let i = 0; i < values.length; i++) {
    if ((sites.frame?.[i] ?? 0) !== f0) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const cx = sites.x[i],
      cy = sites.y[i];
    for (let y = Math.max(0, Math.floor(cy - R)); y <= Math.min(H - 1, Math.ceil(cy + R)); y++) {
      for (let x = Math.max(0, Math.floor(cx - R)); x <= Math.min(W - 1, Math.ceil(cx + R)); x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        if (d2 > R * R || d2 >= best[y * W + x]) continue;
        best[y * W + x] = d2;
        data[y * W + x] = v;
        mask[y * W + x] = 1;
      }
    }
  }
  return { data, mask, height: H, width: W };
}

/** Integer class labels rasterised like {@link rasterizeMap}; unlabelled pixels are −1. */
export function labelImage(
  sites: MapSites,
  labels: ArrayLike<number>,
  opts: { height: number; width: number; frame?: number; radius?: number },
): Int32Array {
  const m = rasterizeMap(sites, labels, opts);
  return Int32Array.from(m.data, (v, i) => (m.mask[i] ? Math.round(v) : -1));
}

/** A histogram. */
export interface Histogram {
  edges: Float32Array;
  counts: Int32Array;
}

/** Histogram of the finite values in `bins` equal bins over `range` (default the data range). */
export function valueHistogram(values: ArrayLike<number>, bins = 30, range?: [number, number]): Histogram {
  checkInt(bins, "histogram", "bins");
  let lo = range?.[0] ?? Infinity,
    hi = range?.[1] ?? -Infinity;
  if (!range)
    for (let i = 0; i < values.length; i++)
      if (Number.isFinite(values[i])) {
        lo = Math.min(lo, values[i]);
        hi = Math.max(hi, values[i]);
      }
  if (!(hi > lo)) {
    lo = Number.isFinite(lo) ? lo - 0.5 : 0;
    hi = lo + 1;
  }
  const edges = Float32Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Int32Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  }
  return { edges, counts };
}

/** A 2-D histogram: counts[row = y bin (ascending), column = x bin]. */
export interface Density2D {
  xEdges: Float32Array;
  yEdges: Float32Array;
  counts: Float32Array;
  bins: number;
}

/**
 * 2-D density of (x, y) pairs (e.g. latent 1 vs latent 2) on a bins × bins grid, optionally Gaussian-smoothed (in
 * bins).
 */
export function valueDensity2d(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: { bins?: number; smooth?: number; xRange?: [number, number]; yRange?: [number, number] } = {},
): Density2D {
  check(x.length === y.length, "density2d", `x has ${x.length} values but y has ${y.length}`);
  const bins = opts.bins ?? 40;
  const hx = valueHistogram(x, bins, opts.xRange),
    hy = valueHistogram(y, bins, opts.yRange);
  const x0 = hx.edges[0],
    x1 = hx.edges[bins],
    y0 = hy.edges[0],
    y1 = hy.edges[bins];
  let counts = new Float32Array(bins * bins);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i]) || x[i] < x0 || x[i] > x1 || y[i] < y0 || y[i] > y1) continue;
    const cx = Math.min(bins - 1, Math.floor(((x[i] - x0) / (x1 - x0)) * bins));
    const cy = Math.min(bins - 1, Math.floor(((y[i] - y0) / (y1 - y0)) * bins));
    counts[cy * bins + cx]++;
  }
  const s = opts.smooth ?? 0;
  if (s > 0) {
    const r = Math.ceil(3 * s),
      k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * s * s)));
    const ks = k.reduce((a, b) => a + b, 0);
    const pass = (src: Float32Array, horiz: boolean) => {
      const out = new Float32Array(src.length);
      for (let a = 0; a < bins; a++)
        for (let b = 0; b < bins; b++) {
          let acc = 0;
          for (let t = -r; t <= r; t++) {
            const bb = b + t;
            if (bb < 0 || bb >= bins) continue;
            acc += k[t + r] * (horiz ? src[a * bins + bb] : src[bb * bins + a]);
          }
          if (horiz) out[a * bins + b] = acc / ks;
          else out[b * bins + a] = acc / ks;
        }
      return out;
    };
    counts = pass(pass(counts, true), false);
  }
  return { xEdges: hx.edges, yEdges: hy.edges, counts, bins };
}

const VIRIDIS = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];
const TWILIGHT = [
  [226, 217, 226],
  [158, 187, 201],
  [106, 132, 190],
  [93, 75, 165],
  [75, 32, 95],
  [104, 31, 77],
  [162, 62, 70],
  [199, 121, 102],
  [214, 178, 169],
  [226, 217, 226],
];
const LABELS = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/**
 * Colours a map (or label image) and blends it over a gray image: RGB bytes for `encodePngRgb`.
 * "viridis" for latents/offsets, "twilight" (cyclic) for angles, "labels" for classes. `alpha` is the
 * map's opacity where it is defined; elsewhere the gray image shows through.
 */
export function colorizeMap(
  map: { data: ArrayLike<number>; mask?: ArrayLike<number> },
  opts: {
    colormap?: "viridis" | "twilight" | "labels";
    min?: number;
    max?: number;
    under?: Float32Array;
    alpha?: number;
  } = {},
): Uint8Array {
  const n = map.data.length;
  const cm = opts.colormap ?? "viridis";
  const defined = (i: number) => (map.mask ? map.mask[i] !== 0 : cm !== "labels" || map.data[i] >= 0);
  let lo = opts.min ?? Infinity,
    hi = opts.max ?? -Infinity;
  if (opts.min === undefined || opts.max === undefined) {
    for (let i = 0; i < n; i++)
      if (defined(i)) {
        if (opts.min === undefined) lo = Math.min(lo, map.data[i]);
        if (opts.max === undefined) hi = Math.max(hi, map.data[i]);
      }
  }
  let ulo = Infinity,
    uhi = -Infinity;
  if (opts.under) {
    check(opts.under.length === n, "colorizeMap", "under must have as many pixels as the map");
    for (const v of opts.under) {
      ulo = Math.min(ulo, v);
      uhi = Math.max(uhi, v);
    }
  }
  const alpha = opts.alpha ?? 0.6;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const g = opts.under ? (255 * (opts.under[i] - ulo)) / (uhi - ulo || 1) : 0;
    let rgb = [g, g, g],
      a = 0;
    if (defined(i)) {
      a = opts.under ? alpha : 1;
      if (cm === "labels") rgb = LABELS[((Math.round(map.data[i]) % 10) + 10) % 10];
      else {
        const tab = cm === "twilight" ? TWILIGHT : VIRIDIS;
        const t = Math.min(1, Math.max(0, (map.data[i] - lo) / (hi - lo || 1))) * (tab.length - 1);
        const k = Math.min(tab.length - 2, Math.floor(t)),
          u = t - k;
        rgb = [0, 1, 2].map((c) => tab[k][c] * (1 - u) + tab[k + 1][c] * u);
      }
    }
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round((1 - a) * g + a * rgb[c]);
  }
  return out;
}
