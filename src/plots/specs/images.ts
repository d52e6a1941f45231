/** Images as figures: a grid of tiles (one PNG in an image mark), the latent manifold with latent axes. */
import { ImageStack } from "../../data/image-stack";
import { check } from "../../util/errors";
import { Colormap, autoScale, imageGridPng } from "../png";
import { FigureOptions, VlSpec } from "../types";
import { top } from "./base";

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
export function imageLayer(url: string, x: [number, number], y: [number, number]): VlSpec {
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
