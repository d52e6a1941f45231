import { check } from "../util/errors";
import { VEGA_LITE_SCHEMA } from "./specs";
import { FigureOptions, VlSpec } from "./types";

/** Options of `transitionHeatmap`. */
export interface TransitionHeatmapOptions extends FigureOptions {
  /** name of each class (default "class i") */
  classNames?: string[];
  /** colour by the row-normalised rate i → j (default) or by the counts */
  value?: "probability" | "count";
  /** vega colour scheme (default "blues") */
  scheme?: string;
}

/**
 * A heat map of a class transition matrix (e.g. `classTransitions(...)`): class at frame t down, class at
 * frame t + 1 across, colour = rate (each row sums to 1) or count, every cell labelled with its count.
 */
export function transitionHeatmap(t: { counts: number[][] }, opts: TransitionHeatmapOptions = {}): VlSpec {
  const where = "transitionHeatmap";
  const k = t?.counts?.length ?? 0;
  check(k > 0 && t.counts.every((r) => r.length === k), where, "expected counts as a non-empty k × k array");
  check(!opts.classNames || opts.classNames.length === k, where, `classNames must name all ${k} classes`);
  const name = (i: number) => opts.classNames?.[i] ?? `class ${i}`;
  const totals = t.counts.map((r) => r.reduce((a, b) => a + b, 0));
  const rows = t.counts.flatMap((r, i) =>
    r.map((c, j) => ({ from: name(i), to: name(j), count: c, probability: totals[i] > 0 ? c / totals[i] : 0 })),
  );
  const value = opts.value ?? "probability";
  const side = opts.width ?? Math.max(160, 48 * k);
  const order = Array.from({ length: k }, (_, i) => name(i));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: opts.title ?? "class transitions between consecutive frames",
    width: side,
    height: opts.height ?? side,
    data: { values: rows },
    encoding: {
      x: { field: "to", type: "nominal", sort: order, title: "class at frame t + 1" },
      y: { field: "from", type: "nominal", sort: order, title: "class at frame t" },
    },
    layer: [
      {
        mark: "rect",
        encoding: {
          color: {
            field: value,
            type: "quantitative",
            title: value === "probability" ? "P(t + 1 | t)" : "count",
            scale: { scheme: opts.scheme ?? "blues", ...(value === "probability" ? { domain: [0, 1] } : {}) },
          },
          tooltip: [
            { field: "from", title: "frame t" },
            { field: "to", title: "frame t + 1" },
            { field: "count", type: "quantitative" },
            { field: "probability", type: "quantitative", format: ".3f" },
          ],
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: "count", type: "quantitative" },
          color: {
            condition: { test: `datum.${value} > ${value === "probability" ? 0.5 : "0"}`, value: "white" },
            value: "black",
          },
        },
      },
    ],
  };
}
