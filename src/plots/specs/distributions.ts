/** Distributions: histograms of one or several series, 2-D densities. */
import { check } from "../../util/errors";
import { FigureOptions, VlSpec } from "../types";
import { toNumbers, top } from "./base";

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
