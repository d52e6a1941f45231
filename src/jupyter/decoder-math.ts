/**
 * The Traversal widget's decoder: a JSON config plus one packed Float32 weight buffer (what travels
 * to the browser), decoded with src/models/decode-core.ts, the code path of the models' `decode`.
 * Kernel (Node, `@tensorflow/tfjs`) and browser (`@tensorflow/tfjs-core` on wasm/cpu) run the same
 * code: it takes `tf` as a parameter and imports only types, so the front-end bundle can include it.
 */
import type * as tfc from "@tensorflow/tfjs-core";
import {
  CoordDecoderParams,
  CoordKernel,
  coordDecoderLogits,
  coordKernel,
  likelihoodMean,
  TfCore,
} from "../models/decode-core";
import { IvaeInputError } from "../util/errors";

/** The tfjs ops used here (satisfied by both `@tensorflow/tfjs` and `@tensorflow/tfjs-core`). */
export type TfOps = TfCore & Pick<typeof tfc, "tensor2d">;

/** Static description of a decoder (JSON; goes into the widget state as is). */
export interface DecoderConfig {
  /** [height, width] of the decoded image. */
  imageShape: [number, number];
  /** Number of latent coordinates z. */
  latentDim: number;
  /** Length of the one-hot label appended to z (conditional models); 0 otherwise. */
  conditionDim: number;
  /** Widths of the hidden layers; layer 0 is the coordinate layer. */
  hidden: number[];
  /** Hidden activation. The contract fixes tanh; kept explicit so a mismatch is caught. */
  activation: "tanh";
  /** Whether the decoder takes a rotation angle. */
  rotation: boolean;
  /** Whether the decoder takes a translation. */
  translation: boolean;
  /** skip-rVAE: z enters every hidden layer through U_l. */
  skip: boolean;
  /**
   * Fourier-feature layer 0 (the model's `coordinateFeatures: "fourier"`): h0 = sin(c′ W_c + b_0), z·W_z enters
   * layer 1 (which then has no U_1). Absent or false: the linear layer.
   */
  fourier?: boolean;
  /** The model's likelihood; the image is its mean, decode-core `likelihoodMean` (σ(logit) for both). */
  likelihood: "bernoulli" | "gaussian";
}

/** One entry of the packed weight buffer. */
export interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

/** Decoder weights as plain arrays (row-major). */
export interface DecoderWeights {
  /** Coordinate weights W_c, [2, h0] (row 0 multiplies x, row 1 multiplies y). */
  wc: Float32Array;
  /** Latent (and label) weights W_z, [latentDim + conditionDim, h0]. */
  wz: Float32Array;
  /** Bias of layer 0, [h0]. */
  b0: Float32Array;
  /** Hidden layers 1..L: W [h_{l-1}, h_l], b [h_l], and for skip models U [latentDim + conditionDim, h_l]. */
  layers: { w: Float32Array; b: Float32Array; u?: Float32Array }[];
  /** Output weights [h_L, 1] and bias [1]. */
  wOut: Float32Array;
  bOut: Float32Array;
}

/** Inputs for a batch of B decoded images. */
export interface DecodeInputs {
  /** B × (latentDim + conditionDim), row-major. */
  z: Float32Array;
  /** B angles (rad, CCW): the decoded content is rotated by this; ignored without rotation. */
  angle?: Float32Array;
  /** B shifts of the content in grid units (x right, y up; the image spans [-1, 1]); ignored without translation. */
  tx?: Float32Array;
  ty?: Float32Array;
}

/** Grid coordinates of the pixels, row-major: x_j = -1 + 2j/(W-1), y_i = 1 - 2i/(H-1). */
export function pixelCoords(height: number, width: number): Float32Array {
  const c = new Float32Array(height * width * 2);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const p = i * width + j;
      c[2 * p] = width > 1 ? -1 + (2 * j) / (width - 1) : 0;
      c[2 * p + 1] = height > 1 ? 1 - (2 * i) / (height - 1) : 0;
    }
  }
  return c;
}

/** Names and shapes of the packed weights of a config, in buffer order. */
export function weightLayout(cfg: DecoderConfig): WeightEntry[] {
  const zin = cfg.latentDim + cfg.conditionDim;
  const h = cfg.hidden;
  const entries: [string, number[]][] = [
    ["wc", [2, h[0]]],
    ["wz", [zin, h[0]]],
    ["b0", [h[0]]],
  ];
  for (let l = 1; l < h.length; l++) {
    entries.push([`w${l}`, [h[l - 1], h[l]]], [`b${l}`, [h[l]]]);
    if (cfg.skip && !(cfg.fourier && l === 1)) entries.push([`u${l}`, [zin, h[l]]]);
  }
  entries.push(["wOut", [h[h.length - 1], 1]], ["bOut", [1]]);
  let offset = 0;
  return entries.map(([name, shape]) => {
    const e = { name, shape, offset };
    offset += shape.reduce((a, b) => a * b, 1);
    return e;
  });
}

/** Total float32 count of the packed weights. */
export function weightCount(cfg: DecoderConfig): number {
  const l = weightLayout(cfg);
  const last = l[l.length - 1];
  return last.offset + last.shape.reduce((a, b) => a * b, 1);
}

/** Splits a packed buffer into named arrays (views, no copy). */
export function unpackWeights(cfg: DecoderConfig, data: Float32Array): DecoderWeights {
  const need = weightCount(cfg);
  if (data.length !== need)
    throw new IvaeInputError(`decoder weights: got ${data.length} floats, the config needs ${need}`);
  const m = new Map<string, Float32Array>();
  for (const e of weightLayout(cfg))
    m.set(e.name, data.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)));
  const layers: DecoderWeights["layers"] = [];
  for (let l = 1; l < cfg.hidden.length; l++)
    layers.push({ w: m.get(`w${l}`)!, b: m.get(`b${l}`)!, u: cfg.skip ? m.get(`u${l}`) : undefined });
  // (m.get gives undefined for the Fourier decoder's layer 1, which takes z through W_z instead)
  return { wc: m.get("wc")!, wz: m.get("wz")!, b0: m.get("b0")!, layers, wOut: m.get("wOut")!, bOut: m.get("bOut")! };
}

/** Packs named arrays into one buffer in {@link weightLayout} order (checks every size). */
export function packWeights(cfg: DecoderConfig, w: DecoderWeights): Float32Array {
  const out = new Float32Array(weightCount(cfg));
  const get = (name: string): Float32Array | undefined => {
    if (name === "wc" || name === "wz" || name === "b0" || name === "wOut" || name === "bOut") return w[name];
    const l = Number(name.slice(1));
    const layer = w.layers[l - 1];
    return name[0] === "w" ? layer?.w : name[0] === "b" ? layer?.b : layer?.u;
  };
  for (const e of weightLayout(cfg)) {
    const a = get(e.name);
    const n = e.shape.reduce((x, y) => x * y, 1);
    if (!a || a.length !== n)
      throw new IvaeInputError(
        `decoder weight ${e.name}: expected ${n} floats (shape ${e.shape.join("×")}), got ${a ? a.length : "none"}`,
      );
    out.set(a, e.offset);
  }
  return out;
}

/**
 * Holds the decoder weights as tensors and decodes batches with decode-core, the code path of
 * `RVAE.decode`: the folded coordinate decoder, then the likelihood mean (σ(logit) for both
 * likelihoods). Call {@link dispose} when done.
 */
export class CoordDecoder {
  private readonly coords: tfc.Tensor2D;
  private readonly params: CoordDecoderParams;
  private readonly kernel: CoordKernel;

  /**
   * `kernel` defaults to decode-core's tfjs reference (what the browser runs); the kernel may pass
   * the models' `coordDecoder` (possibly the native fused op).
   */
  constructor(
    private readonly tf: TfOps,
    readonly config: DecoderConfig,
    weights: Float32Array | DecoderWeights,
    kernel?: CoordKernel,
  ) {
    if (config.activation !== "tanh") {
      throw new IvaeInputError(
        `decoder activation ${String(config.activation)} is not supported (the contract fixes tanh)`,
      );
    }
    const w = weights instanceof Float32Array ? unpackWeights(config, weights) : weights;
    const [H, W] = config.imageShape;
    const h = config.hidden;
    const zin = config.latentDim + config.conditionDim;
    this.kernel = kernel ?? coordKernel(tf);
    this.coords = tf.tensor2d(pixelCoords(H, W), [H * W, 2]);
    this.params = {
      Wc: tf.tensor2d(w.wc, [2, h[0]]),
      Wz: tf.tensor2d(w.wz, [zin, h[0]]),
      b0: tf.tensor1d(w.b0),
      hidden: w.layers.map((L, i) => ({
        W: tf.tensor2d(L.w, [h[i], h[i + 1]]),
        b: tf.tensor1d(L.b),
        U: L.u ? tf.tensor2d(L.u, [zin, h[i + 1]]) : undefined,
      })),
      wOut: tf.tensor2d(w.wOut, [h[h.length - 1], 1]),
      bOut: tf.tensor1d(w.bOut),
      fourier: config.fourier ?? false,
    };
  }

  /** Decodes B images; returns a tensor [B, H*W] of pixel values, the likelihood mean (the caller disposes it). */
  decodeTensor(inp: DecodeInputs): tfc.Tensor2D {
    const tf = this.tf;
    const cfg = this.config;
    const zin = cfg.latentDim + cfg.conditionDim;
    const B = inp.z.length / zin;
    if (!Number.isInteger(B) || B < 1) {
      throw new IvaeInputError(`decoder: z has ${inp.z.length} values, not a multiple of ${zin}`);
    }
    return tf.tidy(() => {
      const zero = new Float32Array(B);
      const z = tf.tensor2d(inp.z, [B, zin]);
      // As model.decode: an angle tensor only for rotation models, a shift only for translation models.
      const angle = cfg.rotation ? tf.tensor1d(inp.angle ?? zero) : null;
      let shift: tfc.Tensor2D | null = null;
      if (cfg.translation) {
        const t = new Float32Array(2 * B);
        for (let b = 0; b < B; b++) ((t[2 * b] = inp.tx?.[b] ?? 0), (t[2 * b + 1] = inp.ty?.[b] ?? 0));
        shift = tf.tensor2d(t, [B, 2]);
      }
      const logits = coordDecoderLogits(tf, this.kernel, this.params, this.coords, z, angle, shift);
      return likelihoodMean(tf, logits, cfg.likelihood) as tfc.Tensor2D;
    });
  }

  /** Decodes B images into a plain array [B*H*W] (the tensor is disposed here). */
  decode(inp: DecodeInputs): Float32Array {
    const t = this.decodeTensor(inp);
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  }

  /** Frees the weight tensors. */
  dispose(): void {
    const p = this.params;
    const all: (tfc.Tensor | undefined)[] = [this.coords, p.Wc, p.Wz, p.b0, p.wOut, p.bOut];
    for (const L of p.hidden) all.push(L.W, L.b, L.U);
    for (const t of all) t?.dispose();
  }
}
