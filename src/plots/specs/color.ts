/** Colour channels of point layers: values, vega encodings, and the point rows that carry them. */
import { IvaeInputError, check } from "../../util/errors";
import { VlSpec } from "../types";
import { toNumbers } from "./base";

/** A colour channel for scatter plots. */
export interface ColorChannel {
  /** One value per point: numbers (continuous or integer codes) or strings (categories). */
  values: ArrayLike<number> | string[];
  /** Legend title, e.g. "suit" or "angle (°)". */
  name: string;
  /**
   * nominal (categories) or quantitative (continuous); default: nominal for strings/`categories`, else quantitative.
   */
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

/** The colour values of a channel (category codes named) and its vega type. */
export function colorValues(
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

/** The vega colour encoding of a channel (scheme, domain, the categories present). */
export function colorEncoding(c: ColorChannel, type: "nominal" | "quantitative"): VlSpec {
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

/**
 * Data rows {i, x, y[, c]} of a point layer, dropping points without finite coordinates (and, with
 * `dropNaNColor`, points whose colour value is NaN). `col` is the colour channel as `colorValues` gives it.
 */
export function pointRows(
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
