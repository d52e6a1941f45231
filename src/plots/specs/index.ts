/**
 * vega-lite spec builders for the lecture's figures. Each returns a plain spec object that can be
 * tweaked, shown in a notebook ({@link show}) or rendered to SVG/PNG ({@link renderSvg}, {@link saveFigure}).
 */
export { VEGA_LITE_SCHEMA, degrees, latentRows, concatFigures } from "./base";
export type { ConcatOptions } from "./base";
export type { ColorChannel } from "./color";
export { scatter, latentScatter, angleScatter } from "./scatter";
export type { ScatterOptions, LatentScatterPlotOptions, AngleScatterOptions } from "./scatter";
export { histogramFigure, densityFigure } from "./distributions";
export type { HistogramOptions, Density2dOptions } from "./distributions";
export { historyRows, lossCurves } from "./loss";
export type { HistoryInput, LossCurvesOptions } from "./loss";
export { imageGrid, manifoldFigure } from "./images";
export type { ImageFigureOptions, ManifoldFigureOptions } from "./images";
export { imageOverlay, mapOverlay, mapOverlays, labelledImage } from "./overlays";
export type { OverlayOptions } from "./overlays";
