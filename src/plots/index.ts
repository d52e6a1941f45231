/**
 * Plots: vega-lite spec builders for the lecture's figures (users can tweak the returned specs),
 * rendering to SVG/PNG in Node, and notebook display helpers (figures, images, metrics, progress).
 */
export * from "./types";
export * from "./specs";
export * from "./png";
export * from "./render";
export * from "./notebook";
export { loadVega, loadVegaLite } from "./esm";
export * from "./calibration";
export * from "./transitions";
