/**
 * What every spec builder shares: the vega-lite schema and look, the top-level wrapper, numbers for inline data,
 * latent rows, and side-by-side figures.
 */
import { check, checkInt } from "../../util/errors";
import { FigureOptions, LatentInput, VlSpec } from "../types";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Common look: readable fonts, no frame clutter. */
export const CONFIG = {
  font: "DejaVu Sans",
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 280 },
  title: { fontSize: 14, anchor: "start" },
};

/** The top-level spec: schema, title, size (options over the builder's defaults) and the common look. */
export function top(spec: VlSpec, opts: FigureOptions, defaults: { width?: number; height?: number } = {}): VlSpec {
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
export function toNumbers(values: ArrayLike<number>, where: string, what: string): number[] {
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
