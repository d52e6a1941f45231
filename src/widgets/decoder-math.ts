/**
 * The coordinate decoder of docs/DEVELOPERS.md, written once against the tfjs op API so that the
 * kernel (Node, `@tensorflow/tfjs`) and the browser (Traversal widget, `@tensorflow/tfjs-core` on
 * wasm/cpu) run literally the same code. It takes `tf` as a parameter and imports only types, so
 * the front-end bundle can include this file without pulling in the Node packages.
 */
import type * as tfc from "@tensorflow/tfjs-core";

/** The tfjs ops used here (satisfied by both `@tensorflow/tfjs` and `@tensorflow/tfjs-core`). */
export type TfOps = Pick<typeof tfc, "tidy" | "tensor1d" | "tensor2d" | "tensor3d" | "matMul" | "add" | "sub" | "mul" | "tanh" | "sigmoid" | "reshape" | "stack" | "cos" | "sin" | "neg" | "expandDims" | "tile" | "squeeze">;

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
  /** Bernoulli: image = sigmoid(logit); Gaussian: image = logit (the mean). */
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
    if (cfg.skip) entries.push([`u${l}`, [zin, h[l]]]);
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
  if (data.length !== need) throw new Error(`decoder weights: got ${data.length} floats, the config needs ${need}`);
  const m = new Map<string, Float32Array>();
  for (const e of weightLayout(cfg)) m.set(e.name, data.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)));
  const layers: DecoderWeights["layers"] = [];
  for (let l = 1; l < cfg.hidden.length; l++) layers.push({ w: m.get(`w${l}`)!, b: m.get(`b${l}`)!, u: cfg.skip ? m.get(`u${l}`) : undefined });
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
    if (!a || a.length !== n) throw new Error(`decoder weight ${e.name}: expected ${n} floats (shape ${e.shape.join("×")}), got ${a ? a.length : "none"}`);
    out.set(a, e.offset);
  }
  return out;
}

/**
 * Holds the decoder weights as tensors and decodes batches. Call {@link dispose} when done.
 * The layer-0 fold (A_b = R(γ_b)ᵀ W_c, o_b = t_b W_c + z_b W_z + b_0) follows DEVELOPERS.md.
 */
export class CoordDecoder {
  private readonly coords: tfc.Tensor2D;
  private readonly wc0: tfc.Tensor1D;
  private readonly wc1: tfc.Tensor1D;
  private readonly wz: tfc.Tensor2D;
  private readonly b0: tfc.Tensor1D;
  private readonly layers: { w: tfc.Tensor2D; b: tfc.Tensor1D; u?: tfc.Tensor2D }[];
  private readonly wOut: tfc.Tensor2D;
  private readonly bOut: tfc.Tensor1D;

  constructor(
    private readonly tf: TfOps,
    readonly config: DecoderConfig,
    weights: Float32Array | DecoderWeights,
  ) {
    if (config.activation !== "tanh") throw new Error(`decoder activation ${String(config.activation)} is not supported (the contract fixes tanh)`);
    const w = weights instanceof Float32Array ? unpackWeights(config, weights) : weights;
    const [H, W] = config.imageShape;
    const h = config.hidden;
    const zin = config.latentDim + config.conditionDim;
    this.coords = tf.tensor2d(pixelCoords(H, W), [H * W, 2]);
    this.wc0 = tf.tensor1d(w.wc.subarray(0, h[0]));
    this.wc1 = tf.tensor1d(w.wc.subarray(h[0], 2 * h[0]));
    this.wz = tf.tensor2d(w.wz, [zin, h[0]]);
    this.b0 = tf.tensor1d(w.b0);
    this.layers = w.layers.map((L, i) => ({
      w: tf.tensor2d(L.w, [h[i], h[i + 1]]),
      b: tf.tensor1d(L.b),
      u: L.u ? tf.tensor2d(L.u, [zin, h[i + 1]]) : undefined,
    }));
    this.wOut = tf.tensor2d(w.wOut, [h[h.length - 1], 1]);
    this.bOut = tf.tensor1d(w.bOut);
  }

  /** Decodes B images; returns a tensor [B, H*W] of pixel values (the caller disposes it). */
  decodeTensor(inp: DecodeInputs): tfc.Tensor2D {
    const tf = this.tf;
    const cfg = this.config;
    const zin = cfg.latentDim + cfg.conditionDim;
    const B = inp.z.length / zin;
    if (!Number.isInteger(B) || B < 1) throw new Error(`decoder: z has ${inp.z.length} values, not a multiple of ${zin}`);
    const P = cfg.imageShape[0] * cfg.imageShape[1];
    const h0 = cfg.hidden[0];
    return tf.tidy(() => {
      const zero = new Float32Array(B);
      const g = tf.tensor2d(cfg.rotation && inp.angle ? inp.angle : zero, [B, 1]);
      const tx = tf.tensor2d(cfg.translation && inp.tx ? inp.tx : zero, [B, 1]);
      const ty = tf.tensor2d(cfg.translation && inp.ty ? inp.ty : zero, [B, 1]);
      const z = tf.tensor2d(inp.z, [B, zin]);
      const c = tf.cos(g);
      const s = tf.sin(g);
      // Same pose convention as the models (src/models/rvae.ts): the decoded content is rotated by
      // +γ and shifted by +t, i.e. pixel c is rendered at c' = R(−γ)(c − t). As a row vector
      // c' = (c − t) R(γ), so A_b = R(γ) W_c (row0 = cos·Wc0 − sin·Wc1, row1 = sin·Wc0 + cos·Wc1)
      // and o_b = z_b W_z + b_0 − t_b A_b.
      const a0 = tf.sub(tf.mul(c, this.wc0), tf.mul(s, this.wc1));
      const a1 = tf.add(tf.mul(s, this.wc0), tf.mul(c, this.wc1));
      const A = tf.stack([a0, a1], 1) as tfc.Tensor3D; // [B, 2, h0]
      const tA = tf.add(tf.mul(tx, a0), tf.mul(ty, a1));
      const o = tf.sub(tf.add(tf.matMul(z, this.wz), this.b0), tA); // [B, h0]
      const coordsB = tf.tile(tf.expandDims(this.coords, 0), [B, 1, 1]) as tfc.Tensor3D; // [B, P, 2]
      let hcur = tf.tanh(tf.add(tf.matMul(coordsB, A), tf.expandDims(o, 1))) as tfc.Tensor; // [B, P, h0]
      let width = h0;
      for (const L of this.layers) {
        const flat = tf.reshape(hcur, [B * P, width]) as tfc.Tensor2D;
        let pre = tf.reshape(tf.add(tf.matMul(flat, L.w), L.b), [B, P, L.b.shape[0]]) as tfc.Tensor;
        if (L.u) pre = tf.add(pre, tf.expandDims(tf.matMul(z, L.u), 1));
        hcur = tf.tanh(pre);
        width = L.b.shape[0];
      }
      const logit = tf.add(tf.matMul(tf.reshape(hcur, [B * P, width]) as tfc.Tensor2D, this.wOut), this.bOut);
      const out = cfg.likelihood === "bernoulli" ? tf.sigmoid(logit) : logit;
      return tf.reshape(out, [B, P]) as tfc.Tensor2D;
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
    const all: (tfc.Tensor | undefined)[] = [this.coords, this.wc0, this.wc1, this.wz, this.b0, this.wOut, this.bOut];
    for (const L of this.layers) all.push(L.w, L.b, L.u);
    for (const t of all) t?.dispose();
  }
}
