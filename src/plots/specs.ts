/**
 * vega-lite spec builders for the lecture's figures. Each returns a plain spec object that can be
 * tweaked, shown in a notebook ({@link show}) or rendered to SVG/PNG ({@link renderSvg}, {@link saveFigure}).
 */
import { ImageStack } from "../data/image-stack";
import { IvaeInputError, check, checkInt } from "../util/errors";
import type { PixelSize } from "../data/io/metadata";
import { axisCalibration } from "./calibration";
import { Colormap, autoScale, imageGridPng, imageToPng } from "./png";
import { FigureOptions, LatentInput, VlSpec } from "./types";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Common look: readable fonts, no frame clutter. */
const CONFIG = {
  font: "DejaVu Sans",
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 280 },
  title: { fontSize: 14, anchor: "start" },
};

function top(spec: VlSpec, opts: FigureOptions, defaults: { width?: number; height?: number } = {}): VlSpec {
  const out: VlSpec = { $schema: VEGA_LITE_SCHEMA };
  if (opts.title) out.title = opts.title;
  const width = opts.width ?? defaults.width;
  const height = opts.height ?? defaults.height;
  if (width !== undefined) out.width = width;
  if (height !== undefined) out.height = height;
  Object.assign(out, spec);
  out.config = CONFIG;
  return out;
}

/** Numbers for the spec's inline data: 5 significant digits keep the JSON (and the notebooks) small. */
function toNumbers(values: ArrayLike<number>, where: string, what: string): number[] {
  check(
    values !== null && values !== undefined && typeof values.length === "number",
    where,
    `expected ${what} as an array of numbers`,
  );
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(5)) : NaN));
}

/** Radians to degrees, element-wise (figures label angles in degrees). */
export function degrees(radians: ArrayLike<number>): Float32Array {
  return Float32Array.from(radians, (r) => (r * 180) / Math.PI);
}

/** Latent codes as rows [n][latentDim]. */
export function latentRows(z: LatentInput, latentDim?: number): number[][] {
  if (Array.isArray(z) && (z.length === 0 || Array.isArray(z[0]))) return (z as number[][]).map((r) => Array.from(r));
  let flat: ArrayLike<number>;
  let dim = latentDim;
  if ((z as { zMean?: Float32Array }).zMean !== undefined) {
    const enc = z as { zMean: Float32Array; latentDim: number };
    flat = enc.zMean;
    dim = dim ?? enc.latentDim;
  } else {
    flat = z as ArrayLike<number>;
  }
  const d = dim ?? 2;
  checkInt(d, "latentRows", "latentDim");
  check(flat.length % d === 0, "latentRows", `length ${flat.length} is not a multiple of latentDim ${d}`);
  const rows: number[][] = [];
  for (let i = 0; i < flat.length / d; i++) rows.push(Array.from({ length: d }, (_, k) => flat[i * d + k]));
  return rows;
}

/** A colour channel for scatter plots. */
export interface ColorChannel {
  /** One value per point: numbers (continuous or integer codes) or strings (categories). */
  values: ArrayLike<number> | string[];
  /** Legend title, e.g. "suit" or "angle (°)". */
  name: string;
  /** nominal (categories) or quantitative (continuous); default: nominal for strings/`categories`, else quantitative. */
  type?: "nominal" | "quantitative";
  /** Names of integer codes (code k -> categories[k]), e.g. `suitNames`. */
  categories?: string[];
  /** vega colour scheme, e.g. "category10", "viridis", "sinebow" (cyclic, good for angles), "blueorange". */
  scheme?: string;
  /** Fixed colour-scale domain [lo, hi] (continuous) so several panels share one scale. */
  domain?: [number, number];
  /** Diverging scales: the value at the middle colour (e.g. 0). */
  domainMid?: number;
}

function colorValues(
  c: ColorChannel,
  n: number,
  where: string,
): { values: (number | string)[]; type: "nominal" | "quantitative" } {
  check(c.values.length === n, where, `color.values has ${c.values.length} entries, expected one per point (${n})`);
  const isStrings = typeof (c.values as ArrayLike<unknown>)[0] === "string";
  const type = c.type ?? (isStrings || c.categories ? "nominal" : "quantitative");
  const values = Array.from(c.values as ArrayLike<number | string>, (v) => {
    if (typeof v === "number" && c.categories) {
      const name = c.categories[v];
      if (name === undefined)
        throw new IvaeInputError(`${where}: category code ${v} has no name in categories (${c.categories.length})`);
      return name;
    }
    return typeof v === "number" && !Number.isFinite(v) ? NaN : v;
  });
  return { values, type };
}

function colorEncoding(c: ColorChannel, type: "nominal" | "quantitative"): VlSpec {
  const scale: VlSpec = {};
  if (c.scheme) scale.scheme = c.scheme;
  else scale.scheme = type === "nominal" ? "category10" : "viridis";
  if (c.domain) scale.domain = c.domain;
  if (c.domainMid !== undefined) scale.domainMid = c.domainMid;
  if (type === "nominal" && c.categories) {
    // the categories that occur, in the categories' order (a legend without absent classes)
    const present = new Set(
      Array.from(c.values as ArrayLike<number | string>, (v) => (typeof v === "number" ? c.categories![v] : v)),
    );
    scale.domain = c.categories.filter((name) => present.has(name));
  }
  return { field: "c", type, title: c.name, scale };
}

/** Options of a scatter plot. */
export interface ScatterOptions extends FigureOptions {
  xTitle?: string;
  yTitle?: string;
  /** Colour the points by a channel. */
  color?: ColorChannel;
  /** Point area in px² (default: smaller for many points). */
  size?: number;
  /** Point opacity (default 0.7). */
  opacity?: number;
  /** Fixed axis domains. */
  xDomain?: [number, number];
  yDomain?: [number, number];
}

/**
 * Data rows {i, x, y[, c]} of a point layer, dropping points without finite coordinates (and, with
 * `dropNaNColor`, points whose colour value is NaN). `col` is the colour channel as `colorValues` gives it.
 */
function pointRows(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  color: Parameters<typeof colorValues>[0] | undefined,
  where: string,
  what: string,
  dropNaNColor: boolean,
): { values: VlSpec[]; col: ReturnType<typeof colorValues> | undefined } {
  const xs = toNumbers(x, where, "x");
  const ys = toNumbers(y, where, "y");
  check(xs.length === ys.length, where, `x has ${xs.length} ${what} but y has ${ys.length}`);
  const col = color ? colorValues(color, xs.length, where) : undefined;
  const values = xs
    .map((xv, i) => {
      const row: VlSpec = { i, x: xv, y: ys[i] };
      if (col) row.c = col.values[i];
      return row;
    })
    .filter((r) => Number.isFinite(r.x) && Number.isFinite(r.y) && (!dropNaNColor || !col || r.c === r.c));
  return { values, col };
}

/** A generic scatter plot of y against x, optionally coloured. */
export function scatter(x: ArrayLike<number>, y: ArrayLike<number>, opts: ScatterOptions = {}): VlSpec {
  const { values, col } = pointRows(x, y, opts.color, "scatter", "values", false);
  const n = values.length;
  const encoding: VlSpec = {
    x: {
      field: "x",
      type: "quantitative",
      title: opts.xTitle ?? "x",
      scale: opts.xDomain ? { domain: opts.xDomain } : { zero: false },
    },
    y: {
      field: "y",
      type: "quantitative",
      title: opts.yTitle ?? "y",
      scale: opts.yDomain ? { domain: opts.yDomain } : { zero: false },
    },
    tooltip: [
      { field: "i", title: "index" },
      { field: "x", format: ".3f" },
      { field: "y", format: ".3f" },
    ],
  };
  if (col && opts.color) {
    encoding.color = colorEncoding(opts.color, col.type);
    encoding.tooltip.push({ field: "c", title: opts.color.name });
  }
  return top(
    {
      data: { values },
      mark: { type: "circle", size: opts.size ?? (n > 2000 ? 8 : n > 500 ? 16 : 30), opacity: opts.opacity ?? 0.7 },
      encoding,
    },
    opts,
    { width: 320, height: 300 },
  );
}

/** Options of a latent scatter plot. */
export interface LatentScatterPlotOptions extends ScatterOptions {
  /** Latent dimension of a flat array (default: the Encoding's, else 2). */
  latentDim?: number;
  /** Which two latent dimensions to plot (default [0, 1]). */
  dims?: [number, number];
}

/**
 * Latent means z (two of the latent dimensions) as a scatter plot, coloured by a categorical channel
 * (e.g. suit: `{values: factors.suit, categories: suitNames, name: "suit"}`) or a continuous one
 * (e.g. `{values: degrees(factors.angle), name: "angle (°)", scheme: "sinebow"}`).
 */
export function latentScatter(z: LatentInput, opts: LatentScatterPlotOptions = {}): VlSpec {
  const rows = latentRows(z, opts.latentDim);
  const [a, b] = opts.dims ?? [0, 1];
  check(
    rows.length === 0 || rows[0].length > Math.max(a, b),
    "latentScatter",
    `dims [${a}, ${b}] out of range for latent dimension ${rows[0]?.length}`,
  );
  return scatter(
    rows.map((r) => r[a]),
    rows.map((r) => r[b]),
    {
      ...opts,
      xTitle: opts.xTitle ?? `z${a + 1}`,
      yTitle: opts.yTitle ?? `z${b + 1}`,
    },
  );
}

/** Options of the inferred-vs-true angle plot. */
export interface AngleScatterOptions extends FigureOptions {
  /** Group of each point (e.g. suit codes) for colour. */
  groups?: ArrayLike<number>;
  /** Names of the group codes. */
  groupNames?: string[];
  /** Input unit (default "rad"); the axes are labelled in degrees. */
  unit?: "rad" | "deg";
  xTitle?: string;
  yTitle?: string;
}

/**
 * Inferred angle against the true angle (degrees), with the identity line y = x. Points on the line
 * are recovered angles; a parallel line is a constant offset (the model's own zero), a line of slope
 * -1 is the mirror convention.
 */
export function angleScatter(
  inferred: ArrayLike<number>,
  truth: ArrayLike<number>,
  opts: AngleScatterOptions = {},
): VlSpec {
  const toDeg = opts.unit === "deg" ? (v: ArrayLike<number>) => Float32Array.from(v) : degrees;
  const yi = toNumbers(toDeg(inferred), "angleScatter", "inferred angles");
  const xt = toNumbers(toDeg(truth), "angleScatter", "true angles");
  check(yi.length === xt.length, "angleScatter", `inferred has ${yi.length} angles but truth has ${xt.length}`);
  const finite = [...xt, ...yi].filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const points = scatter(xt, yi, {
    xTitle: opts.xTitle ?? "true angle (°)",
    yTitle: opts.yTitle ?? "inferred angle (°)",
    color: opts.groups
      ? { values: opts.groups, name: "group", categories: opts.groupNames, type: "nominal" }
      : undefined,
  });
  const pointLayer = { data: points.data, mark: points.mark, encoding: points.encoding };
  const line = {
    data: {
      values: [
        { x: lo, y: lo },
        { x: hi, y: hi },
      ],
    },
    mark: { type: "line", color: "#444", strokeDash: [5, 4], strokeWidth: 1.5 },
    encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
  };
  return top({ layer: [line, pointLayer] }, opts, { width: 320, height: 300 });
}

/** Options of histograms. */
export interface HistogramOptions extends FigureOptions {
  /** Maximum number of bins (default 40). */
  bins?: number;
  xTitle?: string;
  /** Several series: one panel each (default) or overlaid in one chart. */
  layout?: "panels" | "overlay";
  /** Panels a row (default 4). */
  columns?: number;
}

/**
 * Histogram of one series (an array) or of several (`{z1: ..., z2: ...}`), e.g. the latent
 * distributions. Several series are drawn as small multiples with their own x range, or overlaid.
 */
export function histogramFigure(
  values: ArrayLike<number> | Record<string, ArrayLike<number>>,
  opts: HistogramOptions = {},
): VlSpec {
  const series: Record<string, ArrayLike<number>> = typeof (values as ArrayLike<number>).length === "number"
    ? { value: values as ArrayLike<number> }
    : (values as Record<string, ArrayLike<number>>);
  const names = Object.keys(series);
  check(names.length > 0, "histogramFigure", "expected at least one series");
  const rows: VlSpec[] = [];
  for (const s of names)
    for (const v of toNumbers(series[s], "histogramFigure", s)) if (Number.isFinite(v)) rows.push({ s, v });
  const bin = { maxbins: opts.bins ?? 40 };
  const single = names.length === 1;
  const xTitle = opts.xTitle ?? (single ? (names[0] === "value" ? "value" : names[0]) : "value");
  if (single || opts.layout === "overlay") {
    const encoding: VlSpec = {
      x: { field: "v", type: "quantitative", bin, title: xTitle },
      y: { aggregate: "count", type: "quantitative", title: "count", stack: null },
    };
    if (!single) encoding.color = { field: "s", type: "nominal", title: "series" };
    return top(
      { data: { values: rows }, mark: { type: "bar", opacity: single ? 0.9 : 0.5, binSpacing: 0 }, encoding },
      opts,
      { width: 320, height: 220 },
    );
  }
  const panels = names.map((s) => ({
    title: s,
    width: opts.width ?? 200,
    height: opts.height ?? 160,
    transform: [{ filter: { field: "s", equal: s } }],
    mark: { type: "bar", binSpacing: 0, color: "#4c78a8" },
    encoding: {
      x: { field: "v", type: "quantitative", bin, title: s },
      y: { aggregate: "count", type: "quantitative", title: "count" },
    },
  }));
  return top({ data: { values: rows }, concat: panels, columns: opts.columns ?? 4 }, { title: opts.title });
}

/** Options of a 2-D density plot. */
export interface Density2dOptions extends FigureOptions {
  bins?: number;
  xTitle?: string;
  yTitle?: string;
  /** Colour scheme of the counts (default "viridis"). */
  scheme?: string;
}

/** 2-D histogram (counts in x-y bins) as a heat map, e.g. the density of latent codes. */
export function densityFigure(x: ArrayLike<number>, y: ArrayLike<number>, opts: Density2dOptions = {}): VlSpec {
  const xs = toNumbers(x, "densityFigure", "x");
  const ys = toNumbers(y, "densityFigure", "y");
  check(xs.length === ys.length, "densityFigure", `x has ${xs.length} values but y has ${ys.length}`);
  const values = xs.map((v, i) => ({ x: v, y: ys[i] })).filter((r) => Number.isFinite(r.x) && Number.isFinite(r.y));
  const bin = { maxbins: opts.bins ?? 40 };
  return top(
    {
      data: { values },
      mark: "rect",
      encoding: {
        x: { field: "x", type: "quantitative", bin, title: opts.xTitle ?? "x" },
        y: { field: "y", type: "quantitative", bin, title: opts.yTitle ?? "y" },
        color: {
          aggregate: "count",
          type: "quantitative",
          title: "count",
          scale: { scheme: opts.scheme ?? "viridis" },
        },
      },
    },
    opts,
    { width: 320, height: 300 },
  );
}

/**
 * A training history: the `TrainHistory` of `train()` (its `reports`), an array of epoch reports, or
 * columns of numbers (`{loss: number[], ...}`).
 */
export type HistoryInput = ArrayLike<object> | object;

/** Rows {epoch, name: value} from any of the usual history layouts. */
export function historyRows(history: HistoryInput): Record<string, number>[] {
  check(history !== null && typeof history === "object", "lossCurves", "expected a training history object");
  const h = history as Record<string, unknown>;
  if (Array.isArray(history)) {
    return (history as Record<string, unknown>[]).map((r, i) => {
      const row: Record<string, number> = { epoch: typeof r.epoch === "number" ? r.epoch : i + 1 };
      for (const [k, v] of Object.entries(r)) if (typeof v === "number" && k !== "epoch") row[k] = v;
      // a report's named loss terms (train's EpochReport.terms), whatever the model called them
      if (r.terms && typeof r.terms === "object")
        for (const [k, v] of Object.entries(r.terms)) if (typeof v === "number") row[k] = v;
      return row;
    });
  }
  for (const key of ["epochs", "reports", "history"]) {
    if (Array.isArray(h[key]) && typeof (h[key] as unknown[])[0] === "object")
      return historyRows(h[key] as Record<string, unknown>[]);
  }
  const cols = Object.entries(h).filter(
    ([, v]) =>
      v && typeof (v as ArrayLike<number>).length === "number" && typeof (v as ArrayLike<number>)[0] === "number",
  ) as [string, ArrayLike<number>][];
  if (cols.length === 0)
    throw new IvaeInputError("lossCurves: expected a history (an array of epoch reports or {loss: number[], ...})");
  const n = Math.max(...cols.map(([, v]) => v.length));
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, number> = { epoch: i + 1 };
    for (const [k, v] of cols) if (k !== "epoch" && i < v.length) row[k] = v[i];
    if (cols.some(([k]) => k === "epoch")) row.epoch = (h.epoch as ArrayLike<number>)[i];
    rows.push(row);
  }
  return rows;
}

/** Options of loss curves. */
export interface LossCurvesOptions extends FigureOptions {
  /** Which terms (default: loss, reconstruction and the KL terms present and not all zero). */
  keys?: string[];
  /** Log-scale y (default: when the curves span more than a factor 30). */
  logScale?: boolean;
}

/** Loss curves (ELBO terms per image in nats) against epoch, from a training history. */
export function lossCurves(history: HistoryInput, opts: LossCurvesOptions = {}): VlSpec {
  const rows = historyRows(history);
  check(rows.length > 0, "lossCurves", "the history is empty");
  // the loss, then the model's terms in the order they came (reconstruction and the KL terms), then the rest
  const skip = new Set(["epoch", "epochs", "beta", "seconds", "etaSeconds"]);
  const named = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !skip.has(k));
  const known = [
    "loss",
    ...named.filter((k) => k === "reconstruction" || /^kl[A-Z]/.test(k)),
    ...named.filter((k) => k === "valLoss"),
  ];
  const present = (k: string) => rows.some((r) => typeof r[k] === "number" && r[k] !== 0 && Number.isFinite(r[k]));
  const keys = opts.keys ?? [...new Set(known)].filter(present);
  check(keys.length > 0, "lossCurves", `none of ${known.join(", ")} in the history; pass keys`);
  const values: VlSpec[] = [];
  for (const r of rows)
    for (const k of keys) if (Number.isFinite(r[k])) values.push({ epoch: r.epoch, term: k, value: r[k] });
  const pos = values.map((v) => v.value as number).filter((v) => v > 0);
  const log = opts.logScale ?? (pos.length === values.length && Math.max(...pos) / Math.min(...pos) > 30);
  return top(
    {
      data: { values },
      mark: { type: "line", point: rows.length <= 30, strokeWidth: 2 },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
        y: {
          field: "value",
          type: "quantitative",
          title: "nats per image",
          scale: log ? { type: "log" } : { zero: false },
        },
        color: { field: "term", type: "nominal", title: "term", sort: keys },
        tooltip: [{ field: "epoch" }, { field: "term" }, { field: "value", format: ".2f" }],
      },
    },
    { ...opts, title: opts.title ?? "training loss" },
    { width: 360, height: 220 },
  );
}

/** Options of an image figure (a grid of images, e.g. a manifold). */
export interface ImageFigureOptions extends FigureOptions {
  /** Columns of the grid (default ceil(sqrt(n))). */
  cols?: number;
  colormap?: Colormap;
  vmin?: number;
  vmax?: number;
  /** Gap between tiles in image pixels (default 1). */
  pad?: number;
  /** Axes over the image: the value range the image spans in x and y, with titles; none by default. */
  extent?: { x: [number, number]; y: [number, number]; xTitle?: string; yTitle?: string };
  /** Normalise each tile on its own (default false). */
  perImage?: boolean;
}

/** The spec of a PNG shown as an image mark spanning the data extent (or the pixel box, without axes). */
function imageLayer(url: string, x: [number, number], y: [number, number]): VlSpec {
  return {
    data: { values: [{ url, x0: x[0], x1: x[1], y0: y[0], y1: y[1] }] },
    mark: { type: "image", aspect: false, smooth: false },
    encoding: {
      url: { field: "url", type: "nominal" },
      x: { field: "x0", type: "quantitative" },
      x2: { field: "x1" },
      y: { field: "y1", type: "quantitative" },
      y2: { field: "y0" },
    },
  };
}

/**
 * A grid of images (e.g. `model.manifold(...)`, or examples of a data set) as a figure: the tiles become
 * one PNG shown with an image mark. With `extent` the axes carry the values the grid spans (latent
 * z1, z2 of a manifold); see {@link manifoldFigure}.
 */
export function imageGrid(images: ImageStack, opts: ImageFigureOptions = {}): VlSpec {
  check(images && images.n > 0, "imageGrid", "expected a non-empty ImageStack");
  const cols = opts.cols ?? Math.ceil(Math.sqrt(images.n));
  const rows = Math.ceil(images.n / cols);
  const pad = opts.pad ?? 1;
  const rawW = cols * images.width + (cols - 1) * pad;
  const rawH = rows * images.height + (rows - 1) * pad;
  const target = opts.width ?? Math.min(480, Math.max(240, rawW));
  const scale = autoScale(Math.max(rawW, rawH), Math.min(target, 600));
  const png = imageGridPng(images, {
    cols,
    colormap: opts.colormap,
    vmin: opts.vmin,
    vmax: opts.vmax,
    pad,
    scale,
    perImage: opts.perImage,
  });
  const width = opts.width ?? Math.min(png.width, 480);
  const height = opts.height ?? Math.round((width * rawH) / rawW);
  const ext = opts.extent;
  const layer = imageLayer(png.dataUrl, ext ? ext.x : [0, 1], ext ? ext.y : [0, 1]);
  const axisOff = { axis: null };
  layer.encoding.x.scale = { domain: ext ? ext.x : [0, 1], nice: false, zero: false };
  layer.encoding.y.scale = { domain: ext ? ext.y : [0, 1], nice: false, zero: false };
  if (ext) {
    layer.encoding.x.title = ext.xTitle ?? "x";
    layer.encoding.y.title = ext.yTitle ?? "y";
    layer.encoding.x.axis = { grid: false };
    layer.encoding.y.axis = { grid: false };
  } else {
    Object.assign(layer.encoding.x, axisOff);
    Object.assign(layer.encoding.y, axisOff);
  }
  const spec = top(layer, { ...opts, width, height });
  if (!ext) spec.view = { stroke: null };
  return spec;
}

/** Options of a manifold figure. */
export interface ManifoldFigureOptions extends Omit<ImageFigureOptions, "extent" | "cols"> {
  /** The latent range of the manifold (as passed to `model.manifold`, default [-2, 2]). */
  range?: [number, number];
  /** Grid steps a side (default sqrt(n)). */
  steps?: number;
  /** Axis titles (default z1, z2). */
  xTitle?: string;
  yTitle?: string;
}

/**
 * The decoded latent manifold (`model.manifold({range, steps})`: steps² images, rows from z2 high to
 * low, columns from z1 low to high) with latent axes.
 */
export function manifoldFigure(images: ImageStack, opts: ManifoldFigureOptions = {}): VlSpec {
  const steps = opts.steps ?? Math.round(Math.sqrt(images.n));
  check(steps * steps === images.n, "manifoldFigure", `expected steps² images, got ${images.n} for steps ${steps}`);
  const [lo, hi] = opts.range ?? [-2, 2];
  const half = steps > 1 ? (hi - lo) / (steps - 1) / 2 : 0.5;
  // Decoded images are pixel probabilities: keep [0, 1] in the grey scale so that a blurry, undecided
  // decoder looks grey rather than contrast-stretched noise.
  let dmin = Infinity;
  let dmax = -Infinity;
  for (const v of images.data)
    if (Number.isFinite(v)) {
      if (v < dmin) dmin = v;
      if (v > dmax) dmax = v;
    }
  return imageGrid(images, {
    vmin: Math.min(0, dmin),
    vmax: Math.max(1, dmax),
    ...opts,
    cols: steps,
    pad: opts.pad ?? 0,
    extent: {
      x: [lo - half, hi + half],
      y: [lo - half, hi + half],
      xTitle: opts.xTitle ?? "z1",
      yTitle: opts.yTitle ?? "z2",
    },
    title: opts.title ?? "latent manifold",
  });
}

/** Options of values drawn at (x, y) over an image. */
export interface OverlayOptions extends FigureOptions {
  /** Colour of each point: a continuous value (maps) or category codes/names (labels). Without it, fixed colour. */
  color?: ColorChannel;
  /** Colour map of the background image (default gray). */
  colormap?: Colormap;
  /** Point area in px² (default scaled to the image). */
  size?: number;
  /** Point opacity (default 0.85). */
  opacity?: number;
  /** Fixed point colour without `color` (default orange). */
  pointColor?: string;
  /** Draw the points filled (default) or as rings. */
  filled?: boolean;
  xTitle?: string;
  yTitle?: string;
  /** Pixel size of a calibrated image (e.g. `metadata.pixelSize.x`): axes in nm instead of px. */
  pixelSize?: PixelSize | null;
}

/**
 * Points at pixel positions (x = column, y = row, sub-pixel) over an image, optionally coloured by a
 * value (a map: angle, offset, latent) or by labels. The image keeps its pixel axes, row 0 at the top.
 */
export function imageOverlay(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: OverlayOptions = {},
): VlSpec {
  const H = image.height;
  const W = image.width;
  const png = imageToPng(image, { colormap: opts.colormap, scale: autoScale(Math.max(H, W), 400) });
  // Positions stay in px in the caller's arrays; a calibrated image's axes (and points) are drawn in nm.
  const cal = axisCalibration(opts.pixelSize);
  const f = cal.factor;
  const inUnit = (v: ArrayLike<number>) => (f === 1 ? v : Float32Array.from(v, (u) => u * f));
  const { values, col } = pointRows(inUnit(x), inUnit(y), opts.color, "imageOverlay", "positions", true);
  // Pixel (row i, col j) covers [j-0.5, j+0.5] x [i-0.5, i+0.5].
  const xDom: [number, number] = [-0.5 * f, (W - 0.5) * f];
  const yDom: [number, number] = [-0.5 * f, (H - 0.5) * f];
  const width = opts.width ?? Math.min(420, Math.max(260, png.width));
  const height = opts.height ?? Math.round((width * H) / W);
  const bg = imageLayer(png.dataUrl, xDom, yDom);
  bg.encoding.y = { field: "y0", type: "quantitative" };
  bg.encoding.y2 = { field: "y1" };
  const xScale = { domain: xDom, nice: false, zero: false };
  const yScale = { domain: yDom, nice: false, zero: false, reverse: true };
  bg.encoding.x.scale = xScale;
  bg.encoding.y.scale = yScale;
  bg.encoding.x.title = opts.xTitle ?? `x (${cal.unit})`;
  bg.encoding.y.title = opts.yTitle ?? `y (${cal.unit})`;
  bg.encoding.x.axis = { grid: false };
  bg.encoding.y.axis = { grid: false };
  const area = width * height;
  const size = opts.size ?? Math.max(6, Math.min(60, (0.3 * area) / Math.max(1, values.length)));
  const filled = opts.filled ?? true;
  const points: VlSpec = {
    data: { values },
    mark: {
      type: "point",
      filled,
      size,
      opacity: opts.opacity ?? 0.85,
      strokeWidth: filled ? 0 : 1.5,
      ...(col ? {} : { color: opts.pointColor ?? "#ff7f0e" }),
    },
    encoding: {
      x: { field: "x", type: "quantitative", scale: xScale },
      y: { field: "y", type: "quantitative", scale: yScale },
      tooltip: [
        { field: "i", title: "index" },
        ...["x", "y"].map((k) => ({ field: k, title: `${k} (${cal.unit})`, format: f === 1 ? ".1f" : ".3f" })),
      ],
    },
  };
  if (col && opts.color) {
    points.encoding.color = colorEncoding(opts.color, col.type);
    points.encoding.tooltip.push({ field: "c", title: opts.color.name });
  }
  return top({ layer: [bg, points] }, { ...opts, width, height });
}

/** A map: a value per patch (angle, x offset, latent...) drawn at its (x, y) over the image. */
export function mapOverlay(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  values: ArrayLike<number>,
  opts: OverlayOptions & { name?: string; scheme?: string; domain?: [number, number]; domainMid?: number } = {},
): VlSpec {
  return imageOverlay(image, x, y, {
    ...opts,
    color: opts.color ?? {
      values,
      name: opts.name ?? "value",
      type: "quantitative",
      scheme: opts.scheme ?? "viridis",
      domain: opts.domain,
      domainMid: opts.domainMid,
    },
  });
}

/** Several maps over the same image, one panel each, each with its own colour scale. */
export function mapOverlays(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maps: Record<
    string,
    ArrayLike<number> | { values: ArrayLike<number>; scheme?: string; domain?: [number, number]; domainMid?: number }
  >,
  opts: OverlayOptions & { columns?: number } = {},
): VlSpec {
  const panels = Object.entries(maps).map(([name, m]) => {
    const spec =
      typeof (m as ArrayLike<number>).length === "number"
        ? mapOverlay(image, x, y, m as ArrayLike<number>, { ...opts, title: name, name, width: opts.width ?? 260 })
        : mapOverlay(image, x, y, (m as { values: ArrayLike<number> }).values, {
            ...opts,
            ...(m as object),
            title: name,
            name,
            width: opts.width ?? 260,
          });
    return spec;
  });
  return concatFigures(panels, { columns: opts.columns ?? 3, title: opts.title });
}

/** Labels (e.g. clusters or species) at (x, y) over the image, one colour per label. */
export function labelledImage(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  labels: ArrayLike<number> | string[],
  opts: OverlayOptions & { labelNames?: string[]; name?: string } = {},
): VlSpec {
  const names =
    opts.labelNames ??
    (typeof (labels as ArrayLike<unknown>)[0] === "number"
      ? Array.from(new Set(Array.from(labels as ArrayLike<number>)))
          .sort((a, b) => a - b)
          .reduce((acc: string[], k) => {
            acc[k] = `${opts.name ?? "class"} ${k}`;
            return acc;
          }, [])
      : undefined);
  return imageOverlay(image, x, y, {
    ...opts,
    color: opts.color ?? {
      values: labels,
      name: opts.name ?? "label",
      type: "nominal",
      categories: names?.map((s, k) => s ?? `class ${k}`),
    },
  });
}

/** Options of a figure made of several. */
export interface ConcatOptions {
  /** Panels a row (default: all in one row). */
  columns?: number;
  title?: string;
  /** Share colour scales between panels (default independent). */
  shareColor?: boolean;
}

/** Several figures side by side (wrapping after `columns`), each keeping its own scales and legends. */
export function concatFigures(specs: VlSpec[], opts: ConcatOptions = {}): VlSpec {
  check(Array.isArray(specs) && specs.length > 0, "concatFigures", "expected a non-empty array of specs");
  const inner = specs.map((s) => {
    const { $schema, config, ...rest } = s;
    void $schema;
    void config;
    return rest;
  });
  const out: VlSpec = { $schema: VEGA_LITE_SCHEMA };
  if (opts.title) out.title = opts.title;
  out.concat = inner;
  out.columns = opts.columns ?? specs.length;
  out.resolve = { scale: { color: opts.shareColor ? "shared" : "independent", x: "independent", y: "independent" } };
  out.config = CONFIG;
  return out;
}
