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
export * from "./jupyter";
// importing the native kernels switches the coordinate decoder to the fused C++ op when it is built
// (IVAE_NATIVE=0 keeps the tfjs reference)
export * from "./native";
