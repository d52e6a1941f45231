/**
 * ivae: invariant variational autoencoders (VAE, conditional VAE, rVAE, shift-VAE, skip-rVAE) on
 * TensorFlow.js, with the cards and microscopy data of the lecture, analysis, plots and widgets.
 *
 * Every public name is available flat (`import { RVAE, train } from "ivae"`, as the notebooks use it) and
 * by area (`import { models, data } from "ivae"`; `models.RVAE`, `data.cards`, `analysis.kmeans`, ...).
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

// the same names by area
export * as data from "./data";
export * as models from "./models";
export * as training from "./training";
export * as analysis from "./analysis";
export * as atoms from "./atoms";
export * as plots from "./plots";
export * as widgets from "./jupyter";
