/**
 * Decoder descriptions for the Traversal widget: the small JSON config plus one packed Float32
 * weight buffer, which is what travels to the browser. Node-side decoding runs the same
 * {@link CoordDecoder} code as the browser (src/models/decode-core.ts, as `RVAE.decode`), on
 * `@tensorflow/tfjs`; a model's weights are read with the models' own parser (weight-buffer.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { parseWeights, WeightData, WeightSpec } from "../models/weight-buffer";
import { IvaeInputError } from "../util/errors";
import { Random } from "../util/random";
import {
  CoordDecoder,
  DecodeInputs,
  DecoderConfig,
  DecoderWeights,
  packWeights,
  unpackWeights,
  weightCount,
} from "./decoder-math";

export type { DecoderConfig, DecoderWeights, DecodeInputs } from "./decoder-math";
export { CoordDecoder, pixelCoords, weightLayout, weightCount, packWeights, unpackWeights } from "./decoder-math";

/** A decoder as the widget ships it: config + packed weights (see `weightLayout`). */
export interface DecoderDescription {
  config: DecoderConfig;
  weights: Float32Array;
}

/** Checks a config and fills defaults (why: the browser cannot report a bad shape helpfully). */
export function decoderConfig(c: Partial<DecoderConfig> & Pick<DecoderConfig, "imageShape" | "hidden">): DecoderConfig {
  const cfg: DecoderConfig = {
    imageShape: c.imageShape,
    latentDim: c.latentDim ?? 2,
    conditionDim: c.conditionDim ?? 0,
    hidden: c.hidden,
    activation: c.activation ?? "tanh",
    rotation: c.rotation ?? true,
    translation: c.translation ?? true,
    skip: c.skip ?? false,
    fourier: c.fourier ?? false,
    likelihood: c.likelihood ?? "bernoulli",
  };
  const [h, w] = cfg.imageShape;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 2 && w >= 2))
    throw new IvaeInputError(
      `decoder config: imageShape must be two integers >= 2, got ${JSON.stringify(cfg.imageShape)}`,
    );
  if (!(Number.isInteger(cfg.latentDim) && cfg.latentDim >= 1))
    throw new IvaeInputError(`decoder config: latentDim must be an integer >= 1, got ${cfg.latentDim}`);
  if (!(cfg.hidden.length >= 1 && cfg.hidden.every((x) => Number.isInteger(x) && x >= 1)))
    throw new IvaeInputError(
      `decoder config: hidden must be a non-empty list of positive integers, got ${JSON.stringify(cfg.hidden)}`,
    );
  if (cfg.activation !== "tanh")
    throw new IvaeInputError(
      `decoder config: activation must be "tanh" (the coordinate decoder contract), got ${String(cfg.activation)}`,
    );
  if (cfg.likelihood !== "bernoulli" && cfg.likelihood !== "gaussian")
    throw new IvaeInputError(`decoder config: likelihood must be "bernoulli" or "gaussian"`);
  return cfg;
}

/** Builds a description from named weight arrays (sizes are checked). */
export function describeDecoder(config: DecoderConfig, weights: DecoderWeights): DecoderDescription {
  return { config, weights: packWeights(config, weights) };
}

/**
 * A decoder with seeded random weights (Glorot-like scale), for demos and tests of the widget
 * when no trained model is at hand. Larger `scale` gives more structured-looking images.
 */
export function randomDecoder(config: DecoderConfig, seed = 0, scale = 1.5): DecoderDescription {
  const rng = new Random(seed);
  const data = new Float32Array(weightCount(config));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const w = unpackWeights(config, data);
  const zin = config.latentDim + config.conditionDim;
  const scaleBy = (a: Float32Array, fanIn: number): void => {
    const s = scale / Math.sqrt(fanIn);
    for (let i = 0; i < a.length; i++) a[i] *= s;
  };
  scaleBy(w.wc, 1);
  scaleBy(w.wz, zin);
  scaleBy(w.b0, 4);
  config.hidden.slice(1).forEach((n, l) => {
    scaleBy(w.layers[l].w, config.hidden[l]);
    scaleBy(w.layers[l].b, 4);
    if (w.layers[l].u) scaleBy(w.layers[l].u!, zin);
  });
  scaleBy(w.wOut, config.hidden[config.hidden.length - 1] / 4);
  scaleBy(w.bOut, 4);
  return { config, weights: data };
}

/** Decodes B images in Node (same code as the browser); returns [B*H*W] pixel values. */
export function decodeDescription(desc: DecoderDescription, inputs: DecodeInputs): Float32Array {
  const dec = new CoordDecoder(tf, desc.config, desc.weights);
  try {
    return dec.decode(inputs);
  } finally {
    dec.dispose();
  }
}

/** What `fromModel` needs of a model: its artifacts (DEVELOPERS.md: `model.toArtifacts()`). */
export interface HasArtifacts {
  toArtifacts(): unknown;
}

/**
 * Extracts a decoder description from a model's artifacts (`model.toArtifacts()`: tfjs
 * ModelArtifacts whose `modelTopology.config` is the model config and whose weights are named
 * `decoder.0.Wc`, `decoder.0.Wz`, `decoder.0.b`, `decoder.<l>.W|b|U`, `decoder.out.W|b`, as
 * src/models/rvae.ts writes them). Only coordinate decoders (RVAE, ShiftVAE) can be traversed over
 * angle and shift; a plain VAE's MLP decoder is rejected with a clear message.
 */
export function decoderFromArtifacts(artifacts: unknown): DecoderDescription {
  const a = artifacts as {
    modelTopology?: { className?: string; config?: { [k: string]: unknown } };
    weightSpecs?: WeightSpec[];
    weightData?: WeightData;
  };
  const cfgRaw = a?.modelTopology?.config;
  const specs = a?.weightSpecs;
  const data = a?.weightData;
  if (!cfgRaw || !specs || !data)
    throw new IvaeInputError("Traversal.fromModel: model.toArtifacts() gave no config/weightSpecs/weightData");
  const named = parseWeights(specs, data, "Traversal.fromModel");
  if (!named.has("decoder.0.Wc")) {
    throw new IvaeInputError(
      `Traversal.fromModel: ${a.modelTopology?.className ?? "this model"} has no coordinate decoder (decoder.0.Wc); ` +
        `use an RVAE or ShiftVAE`,
    );
  }
  const channels = Number(cfgRaw.channels ?? 1);
  if (channels !== 1) {
    // the browser decoder draws one channel per pixel; a multi-channel output layer would be misread as weights
    throw new IvaeInputError(
      `Traversal.fromModel: the model draws ${channels} channels; the Traversal widget shows single-channel ` +
        "decoders (decode the channels with model.decode and channelAt instead)",
    );
  }
  // the browser's decoder has no z network (RVAEOptions.latentHidden): refuse rather than draw without it
  if (Array.isArray(cfgRaw.latentHidden) && cfgRaw.latentHidden.length > 0)
    throw new IvaeInputError(
      "Traversal.fromModel: the model reads z through latentHidden layers, which the widget's decoder does not " +
        "draw yet; use model.decode or model.manifold",
    );
  const hidden = cfgRaw.decoderHidden as number[];
  const need = (name: string): Float32Array => {
    const v = named.get(name);
    if (!v) throw new IvaeInputError(`Traversal.fromModel: weight ${name} missing from the artifacts`);
    return v;
  };
  const skip = Boolean(cfgRaw.skip);
  const fourier = cfgRaw.coordinateFeatures === "fourier";
  const layers: DecoderWeights["layers"] = [];
  for (let l = 1; l < hidden.length; l++) {
    // the Fourier decoder's layer 1 takes z through decoder.0.Wz and has no U
    const u = skip && !(fourier && l === 1) ? need(`decoder.${l}.U`) : undefined;
    layers.push({ w: need(`decoder.${l}.W`), b: need(`decoder.${l}.b`), u });
  }
  const config = decoderConfig({
    imageShape: cfgRaw.imageShape as [number, number],
    latentDim: Number(cfgRaw.latentDim),
    conditionDim: Number(cfgRaw.conditionDim ?? 0),
    hidden: [...hidden],
    rotation: Boolean(cfgRaw.rotation),
    translation: Boolean(cfgRaw.translation),
    skip,
    fourier,
    likelihood: (cfgRaw.likelihood as "bernoulli" | "gaussian") ?? "bernoulli",
  });
  return describeDecoder(config, {
    wc: need("decoder.0.Wc"),
    wz: need("decoder.0.Wz"),
    b0: need("decoder.0.b"),
    layers,
    wOut: need("decoder.out.W"),
    bOut: need("decoder.out.b"),
  });
}
