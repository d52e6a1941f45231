/**
 * ivae: invariant variational autoencoders (VAE, conditional VAE, rVAE, shift-VAE, skip-rVAE) on
 * TensorFlow.js, with the cards and microscopy data of the lecture, analysis, plots and widgets.
 */
export * from "./backend";
export * from "./util/errors";
export { Random } from "./util/random";
export * from "./data/image-stack";
export * from "./data";
export * from "./models";
export * from "./training";
export * from "./analysis";
export * from "./atoms";
export * from "./plots";
export * from "./widgets";
