/**
 * Helpers shared by the ivae widget views: typed models, binary traits, DOM, colour maps and legends, and the
 * zoom/pan geometry. No framework: plain DOM + canvas, so tens of thousands of points stay cheap.
 */
export * from "./model";
export * from "./bytes";
export * from "./dom";
export * from "./colors";
export * from "./geometry";
