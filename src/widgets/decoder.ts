/**
 * Decoder descriptions for the Traversal widget: the small JSON config plus one packed Float32
 * weight buffer, which is what travels to the browser. Node-side decoding runs the same
 * {@link CoordDecoder} code as the browser, on `@tensorflow/tfjs`.
 */
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { Random } from "../util/random";
import { CoordDecoder, DecodeInputs, DecoderConfig, DecoderWeights, packWeights, unpackWeights, weightCount } from "./decoder-math";

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
    likelihood: c.likelihood ?? "bernoulli",
  };
  const [h, w] = cfg.imageShape;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 2 && w >= 2)) throw new IvaeInputError(`decoder config: imageShape must be two integers >= 2, got ${JSON.stringify(cfg.imageShape)}`);
  if (!(Number.isInteger(cfg.latentDim) && cfg.latentDim >= 1)) throw new IvaeInputError(`decoder config: latentDim must be an integer >= 1, got ${cfg.latentDim}`);
  if (!(cfg.hidden.length >= 1 && cfg.hidden.every((x) => Number.isInteger(x) && x >= 1))) throw new IvaeInputError(`decoder config: hidden must be a non-empty list of positive integers, got ${JSON.stringify(cfg.hidden)}`);
  if (cfg.activation !== "tanh") throw new IvaeInputError(`decoder config: activation must be "tanh" (the coordinate decoder contract), got ${String(cfg.activation)}`);
  if (cfg.likelihood !== "bernoulli" && cfg.likelihood !== "gaussian") throw new IvaeInputError(`decoder config: likelihood must be "bernoulli" or "gaussian"`);
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
 * Extracts a decoder description from a model's artifacts. The artifact format belongs to the
 * models area; this adapter accepts the shapes it is known to produce: either an explicit
 * `{decoder: {config, weights}}` or a tfjs-style `{config, weightSpecs, weightData}` whose weight
 * names end in the decoder parameter names (`wc`, `wz`, `b0`, `w1`/`W1`, `b1`, `u1`, `wOut`, `bOut`).
 */
export function decoderFromArtifacts(artifacts: unknown): DecoderDescription {
  const a = artifacts as { [k: string]: unknown };
  const dec = a?.decoder as { config?: DecoderConfig; weights?: Float32Array } | undefined;
  if (dec?.config && dec.weights instanceof Float32Array) return { config: decoderConfig(dec.config), weights: dec.weights };
  const cfgRaw = (a?.config ?? {}) as { [k: string]: unknown };
  const specs = a?.weightSpecs as { name: string; shape: number[]; dtype?: string }[] | undefined;
  const data = a?.weightData as ArrayBuffer | ArrayBufferView | undefined;
  if (!specs || !data) throw new IvaeInputError("Traversal.fromModel: the model's artifacts have neither {decoder} nor {weightSpecs, weightData}");
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  const all = new Float32Array(bytes.slice().buffer);
  const named = new Map<string, Float32Array>();
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    named.set(s.name, all.subarray(off, off + n));
    off += n;
  }
  const find = (...names: string[]): Float32Array | undefined => {
    for (const [k, v] of named) {
      const tail = k.split(/[/.]/).pop()!;
      if (k.toLowerCase().includes("decoder") || !k.toLowerCase().includes("encoder")) {
        if (names.includes(tail)) return v;
      }
    }
    return undefined;
  };
  const shape = (cfgRaw.imageShape ?? cfgRaw.image_shape) as [number, number];
  const hidden = (cfgRaw.decoderHidden ?? cfgRaw.hidden) as number[] | number | undefined;
  const wc = find("wc", "Wc", "W_c");
  if (!wc) throw new IvaeInputError("Traversal.fromModel: no decoder coordinate weight (wc) in the artifacts");
  const h0 = wc.length / 2;
  const hid = Array.isArray(hidden) ? hidden : [h0];
  const layers: DecoderWeights["layers"] = [];
  for (let l = 1; l < hid.length; l++) {
    const w = find(`w${l}`, `W${l}`);
    const b = find(`b${l}`);
    if (!w || !b) throw new IvaeInputError(`Traversal.fromModel: decoder layer ${l} weights missing`);
    layers.push({ w, b, u: find(`u${l}`, `U${l}`) });
  }
  const config = decoderConfig({
    imageShape: shape,
    latentDim: Number(cfgRaw.latentDim ?? 2),
    conditionDim: Number(cfgRaw.conditionDim ?? 0),
    hidden: hid,
    rotation: Boolean(cfgRaw.rotation ?? false),
    translation: Boolean(cfgRaw.translation ?? false),
    skip: Boolean(cfgRaw.skip ?? false),
    likelihood: (cfgRaw.likelihood as "bernoulli" | "gaussian") ?? "bernoulli",
  });
  const wz = find("wz", "Wz", "W_z");
  const b0 = find("b0");
  const wOut = find("wOut", "w_out", "Wout");
  const bOut = find("bOut", "b_out", "bout");
  if (!wz || !b0 || !wOut || !bOut) throw new IvaeInputError("Traversal.fromModel: decoder weights wz/b0/wOut/bOut missing");
  return describeDecoder(config, { wc, wz, b0, layers, wOut, bOut });
}
