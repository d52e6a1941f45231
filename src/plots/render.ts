/**
 * Rendering vega-lite specs in Node: SVG with vega's headless view (no canvas needed), PNG by
 * rasterising that SVG with @resvg/resvg-js (system fonts, DejaVu Sans on Debian).
 */
import * as fs from "fs";
import * as path from "path";
import { loadVega, loadVegaLite } from "./esm";
import { VlSpec } from "./types";
import { check } from "../util/errors";

/** Compile a vega-lite spec to a vega spec (vega-lite's `compile`). */
export async function compileSpec(spec: VlSpec): Promise<Record<string, unknown>> {
  check(spec !== null && typeof spec === "object", "compileSpec", "expected a vega-lite spec (a plain object)");
  const vl = await loadVegaLite();
  return vl.compile(spec).spec;
}

/** Render a vega-lite spec to an SVG string. */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const vega = await loadVega();
  const vgSpec = await compileSpec(spec);
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options for PNG rendering. */
export interface PngRenderOptions {
  /** Pixel density: 2 renders at twice the chart size (default 2, sharp on slides). */
  scale?: number;
  /** Background colour (default white; vega charts are transparent otherwise). */
  background?: string;
}

/** Rasterise an SVG string to PNG bytes with resvg. */
export function svgToPng(svg: string, opts: PngRenderOptions = {}): Buffer {
  // Loaded lazily: the native binding is only needed for PNG output.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  const scale = opts.scale ?? 2;
  const resvg = new Resvg(svg, {
    background: opts.background ?? "white",
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    imageRendering: 1, // optimizeSpeed: nearest neighbour for embedded images (pixels stay pixels)
  });
  return Buffer.from(resvg.render().asPng());
}

/** Render a vega-lite spec to PNG bytes. */
export async function renderPng(spec: VlSpec, opts: PngRenderOptions = {}): Promise<Buffer> {
  return svgToPng(await renderSvg(spec), opts);
}

/** Paths written by {@link saveFigure}. */
export interface SavedFigure {
  svg: string;
  png: string;
  json: string;
}

/**
 * Write a figure as `<basePath>.svg`, `<basePath>.png` and `<basePath>.vl.json` (the spec, to tweak and
 * re-render, e.g. in the vega editor). Creates the folder when needed.
 */
export async function saveFigure(spec: VlSpec, basePath: string, opts: PngRenderOptions = {}): Promise<SavedFigure> {
  check(typeof basePath === "string" && basePath.length > 0, "saveFigure", "expected a path without extension");
  fs.mkdirSync(path.dirname(path.resolve(basePath)), { recursive: true });
  const svg = await renderSvg(spec);
  const out = { svg: `${basePath}.svg`, png: `${basePath}.png`, json: `${basePath}.vl.json` };
  fs.writeFileSync(out.svg, svg);
  fs.writeFileSync(out.png, svgToPng(svg, opts));
  fs.writeFileSync(out.json, JSON.stringify(spec, null, 1));
  return out;
}
