/** Shared types of the plots area. */

/**
 * A vega-lite spec: plain JSON (vega-lite's `TopLevelSpec`). Typed loosely on purpose, so notebook
 * code can tweak any part (`spec.encoding.color.scale = {scheme: "magma"}`) without casts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type VlSpec = Record<string, any>;

/** Options every figure builder takes. */
export interface FigureOptions {
  /** Title above the chart. */
  title?: string;
  /** Width of the plotting area in px. */
  width?: number;
  /** Height of the plotting area in px. */
  height?: number;
}

/** Latent codes: a flat row-major array (with `latentDim`), rows of numbers, or an `Encoding`. */
export type LatentInput = Float32Array | ArrayLike<number> | number[][] | { zMean: Float32Array; latentDim: number };
