/** Scatter plots: generic, latent codes, inferred against true angle. */
import { check } from "../../util/errors";
import { FigureOptions, LatentInput, VlSpec } from "../types";
import { degrees, latentRows, toNumbers, top } from "./base";
import { ColorChannel, colorEncoding, pointRows } from "./color";

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
