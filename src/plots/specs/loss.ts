/** Training histories as loss curves, whatever loss terms the model named. */
import { IvaeInputError, check } from "../../util/errors";
import { FigureOptions, VlSpec } from "../types";
import { top } from "./base";

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
