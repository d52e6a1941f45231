/**
 * Showing figures, images, metrics and training progress in a notebook. Inside tslab (a Jupyter
 * kernel, or the headless lecture runner, which uses tslab's executor) these send rich display data;
 * elsewhere (plain Node scripts, tests) they print a short text line and return what they rendered.
 */
import { randomBytes } from "crypto";
import * as path from "path";
import { ImageStack } from "../data/image-stack";
import { check } from "../util/errors";
import { ImageGridOptions, autoScale, imageGridPng } from "./png";
import { renderSvg, svgToPng } from "./render";
import { VlSpec } from "./types";

/** One Jupyter display bundle, as tslab's `lastWriteDisplayData` takes it. */
export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

type WriteDisplay = (bundle: DisplayBundle, update: boolean) => void;

/** MIME type of the metrics bundles (collected by the headless runner into its summary). */
export const METRICS_MIME = "application/vnd.ivae.metrics+json";
/** MIME type of vega-lite specs in display bundles (JupyterLab renders v5 specs interactively). */
export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

/**
 * The `writeDisplayData` of the tslab instance that runs the current cell, if any. tslab stores it on
 * its `dist/jupyter` module; we look it up in Node's module cache so that any tslab copy (the repo's,
 * a global one) is found, and plain Node finds none.
 */
function tslabWriter(): WriteDisplay | undefined {
  const suffix = path.join("tslab", "dist", "jupyter.js");
  for (const key of Object.keys(require.cache)) {
    if (!key.endsWith(suffix)) continue;
    const w = require.cache[key]?.exports?.lastWriteDisplayData;
    if (typeof w === "function") return w as WriteDisplay;
  }
  return undefined;
}

/** True when running inside a tslab kernel or the headless lecture runner. */
export function inTslab(): boolean {
  return tslabWriter() !== undefined;
}

/** Send a display bundle (no-op returning false outside tslab). */
export function displayBundle(bundle: DisplayBundle, update = false): boolean {
  const w = tslabWriter();
  if (!w) return false;
  w(bundle, update);
  return true;
}

/** Options of {@link show} / {@link showImage}. */
export interface ShowOptions {
  /** File name stem the headless runner gives the figure (default: from the title). */
  name?: string;
}

/** A figure as shown: the spec, its SVG and PNG (2x), for {@link FigureSink}s. */
export interface ShownFigure {
  spec: VlSpec;
  svg: string;
  png: Buffer;
  name: string | null;
  title: string;
}

/** Receives every figure {@link show} renders (the headless runner writes them to files). */
export type FigureSink = (figure: ShownFigure) => void;

const SINK_KEY = "__ivaeFigureSink";

/**
 * Install (or remove, with null) the receiver of shown figures. Kept on `globalThis` so that every
 * copy of the library in the process (the runner's and the notebook's `import "ivae"`) reaches it.
 */
export function setFigureSink(sink: FigureSink | null): void {
  (globalThis as Record<string, unknown>)[SINK_KEY] = sink ?? undefined;
}

function figureSink(): FigureSink | undefined {
  const s = (globalThis as Record<string, unknown>)[SINK_KEY];
  return typeof s === "function" ? (s as FigureSink) : undefined;
}

/**
 * Show a vega-lite figure: in tslab as a bundle of the spec (JupyterLab renders it interactively, with
 * tooltips) and a PNG rendering (other front ends, nbconvert, GitHub); the headless runner also writes
 * it as .svg/.png/.vl.json. Resolves to nothing, so `await show(...)` as a cell's last line prints
 * nothing (use {@link renderSvg} / {@link renderPng} / {@link saveFigure} for the rendered figure).
 */
export async function show(spec: VlSpec, opts: ShowOptions = {}): Promise<void> {
  check(spec !== null && typeof spec === "object", "show", "expected a vega-lite spec");
  const title = typeof spec.title === "string" ? spec.title : (spec.title?.text ?? "figure");
  const sink = figureSink();
  const inside = inTslab();
  if (!inside && !sink) {
    console.log(`[figure] ${title}`);
    return;
  }
  const svg = await renderSvg(spec);
  const scale = 2;
  const png = svgToPng(svg, { scale });
  const { $schema, ...rest } = spec; // JupyterLab's renderer is vega-lite 5: no v6 schema warning
  void $schema;
  const width = Math.round(Number(svg.match(/width="([\d.]+)"/)?.[1] ?? 0)) || undefined;
  displayBundle({
    data: { [VEGALITE_MIME]: rest, "image/png": png.toString("base64"), "text/plain": `<vega-lite figure: ${title}>` },
    metadata: {
      ivae: { kind: "figure", name: opts.name ?? null, title },
      ...(width ? { "image/png": { width } } : {}),
    },
  });
  sink?.({ spec, svg, png, name: opts.name ?? null, title });
}

/**
 * Show images (one image or a grid of a stack) as a PNG (returns nothing, so nothing is printed after
 * it; {@link imageGridPng} gives the PNG).
 */
export function showImage(images: ImageStack, opts: ImageGridOptions & ShowOptions & { title?: string } = {}): void {
  const cols = opts.cols ?? Math.ceil(Math.sqrt(images.n));
  const rawW = cols * images.width;
  const png = imageGridPng(images, { ...opts, cols, scale: opts.scale ?? autoScale(rawW, 256) });
  const data: Record<string, unknown> = {
    "image/png": png.png.toString("base64"),
    "text/plain": `<image ${png.width}x${png.height}>`,
  };
  if (opts.title) {
    data["text/html"] =
      `<figure style="margin:0"><figcaption style="font:bold 13px sans-serif">${escapeHtml(opts.title)}</figcaption>` +
      `<img src="${png.dataUrl}" style="image-rendering:pixelated" width="${png.width}"/></figure>`;
  }
  const sent = displayBundle({
    data,
    metadata: { ivae: { kind: "image", name: opts.name ?? null, title: opts.title ?? null } },
  });
  if (!sent) console.log(`[image] ${opts.title ?? ""} ${png.width}x${png.height}`);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}

function fmt(v: unknown): string {
  if (typeof v === "number")
    return Number.isInteger(v)
      ? String(v)
      : Math.abs(v) >= 1000 || Math.abs(v) < 1e-3
        ? v.toExponential(3)
        : v.toFixed(4);
  return String(v);
}

/**
 * Show named results (metrics) as a small table. The headless runner collects them (per notebook,
 * later ones overwrite earlier ones of the same name) into `summary.json`; the tests check them.
 */
export function showMetrics(metrics: Record<string, number | string | boolean>, opts: { title?: string } = {}): void {
  const rows = Object.entries(metrics);
  const text = (opts.title ? `${opts.title}\n` : "") + rows.map(([k, v]) => `  ${k}: ${fmt(v)}`).join("\n");
  const html =
    `<table>${opts.title ? `<caption style="text-align:left"><b>${escapeHtml(opts.title)}</b></caption>` : ""}` +
    rows
      .map(
        ([k, v]) =>
          `<tr><td style="text-align:left">${escapeHtml(k)}</td><td ` +
          `style="text-align:right">${escapeHtml(fmt(v))}</td></tr>`,
      )
      .join("") +
    "</table>";
  const sent = displayBundle({
    data: { [METRICS_MIME]: metrics, "text/html": html, "text/plain": text },
    metadata: {},
  });
  if (!sent) console.log(text);
}

/** What the progress display shows of a training epoch (a subset of the training `EpochReport`). */
export interface ProgressReport {
  epoch: number;
  /** Total epochs of the run (the training's report has it). */
  epochs?: number;
  loss: number;
  reconstruction?: number;
  klZ?: number;
  klAngle?: number;
  klOffset?: number;
  /** the model's named loss terms (train's EpochReport.terms); the KL terms are summed for the display */
  terms?: Record<string, number>;
  seconds?: number;
  etaSeconds?: number;
}

/** An in-place progress display for training loops. */
export interface NotebookProgress {
  /** Pass as `train(..., {onEpoch: bar.onEpoch})`; bound, so it can be passed around. */
  onEpoch: (report: ProgressReport) => void;
  /**
   * Both training hooks at once: `train(model, x, {epochs, ...bar.hooks})` shows the bar and keeps the
   * training's own text progress line off the cell output.
   */
  hooks: { onEpoch: (report: ProgressReport) => void; progress: { update(line: string, final: boolean): void } };
  /** Show a step of any loop with free text. */
  step: (done: number, text?: string) => void;
  /** Final state (e.g. "done in 12 s"). */
  done: (text?: string) => void;
  /** The reports received so far. */
  readonly reports: ProgressReport[];
}

function secs(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "";
  return s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * A progress bar that updates in place (tslab's `newDisplay` mechanism: one display id, updated):
 * epoch, loss terms, time per epoch and the estimated time left. Outside tslab it prints one line per
 * update to stdout.
 *
 * @param total epochs (or steps) expected; default: taken from the training reports (`epochs`)
 */
export function notebookProgress(total?: number, opts: { title?: string } = {}): NotebookProgress {
  check(
    total === undefined || (Number.isInteger(total) && total > 0),
    "notebookProgress",
    `expected a positive integer total, got ${total}`,
  );
  const id = randomBytes(8).toString("hex");
  const title = opts.title ?? "training";
  const reports: ProgressReport[] = [];
  const t0 = Date.now();
  let first = true;
  let expected = total;
  const render = (done: number, text: string, finished: boolean) => {
    const all = expected ?? Math.max(done, 1);
    const frac = Math.max(0, Math.min(1, done / all));
    const html =
      `<div style="font:13px monospace"><b>${escapeHtml(title)}</b> ` +
      `<progress value="${done}" max="${all}" style="width:220px;vertical-align:middle"></progress> ` +
      `${done}/${all} ${escapeHtml(text)}${finished ? " ✓" : ""}</div>`;
    const bar = "█".repeat(Math.round(frac * 20)).padEnd(20, "·");
    const plain = `${title} [${bar}] ${done}/${all} ${text}`;
    const sent = displayBundle(
      {
        data: { "text/html": html, "text/plain": plain },
        metadata: { ivae: { kind: "progress" } },
        transient: { display_id: id },
      },
      !first,
    );
    first = false;
    if (!sent) console.log(plain);
  };
  const onEpoch = (r: ProgressReport): void => {
    reports.push(r);
    expected = total ?? r.epochs ?? expected;
    const parts = [`loss ${r.loss.toFixed(2)}`];
    if (r.reconstruction !== undefined) parts.push(`recon ${r.reconstruction.toFixed(2)}`);
    const terms = r.terms ?? { klZ: r.klZ, klAngle: r.klAngle, klOffset: r.klOffset };
    const kls = Object.entries(terms)
      .filter(([k, v]) => k.startsWith("kl") && v !== undefined)
      .map(([, v]) => v as number);
    if (kls.length > 0) parts.push(`KL ${kls.reduce((a, b) => a + b, 0).toFixed(2)}`);
    if (r.seconds !== undefined) parts.push(`${secs(r.seconds)}/epoch`);
    if (r.etaSeconds !== undefined && expected !== undefined && r.epoch < expected)
      parts.push(`ETA ${secs(r.etaSeconds)}`);
    render(r.epoch, parts.join(" · "), expected !== undefined && r.epoch >= expected);
  };
  // The training's text line is redundant with the bar: swallow it (the final one included).
  const quietSink = { update: (_line: string, _final: boolean): void => undefined };
  return {
    onEpoch,
    hooks: { onEpoch, progress: quietSink },
    step: (done, text = "") => render(done, text, false),
    done: (text) =>
      render(
        reports.length ? reports[reports.length - 1].epoch : (expected ?? 0),
        text ?? `done in ${secs((Date.now() - t0) / 1000)}`,
        true,
      ),
    get reports() {
      return reports;
    },
  };
}
