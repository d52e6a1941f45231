/**
 * The decoders' math, written once for the kernel (Node, `@tensorflow/tfjs`) and the browser (the
 * Traversal widget, `@tensorflow/tfjs-core` on wasm/cpu): the MLP decoder of the VAE/CVAE, the
 * coordinate decoder of the rVAE family (docs/DEVELOPERS.md, "The coordinate decoder") and the
 * likelihood mean that turns logits into an image. Every function takes the tfjs namespace `tf` as
 * its first argument and this file imports only types (and the error helpers), so the front-end bundle can include it
 * without pulling in the Node packages, and both sides run literally the same ops.
 *
 * The ops with hand-written gradients (`fastTanh`, `linear` in ops.ts) and the native fused kernel
 * are Node-only; they are passed in through {@link DecoderOps} and {@link CoordKernel}. Their
 * forward values equal {@link referenceOps}, so model and widget decode the same numbers.
 */
import type * as tfc from "@tensorflow/tfjs-core";
import { check } from "../util/errors";

/** The tfjs ops used here (both `@tensorflow/tfjs` and `@tensorflow/tfjs-core` satisfy it). */
export type TfCore = Pick<
  typeof tfc,
  | "tidy"
  | "tensor1d"
  | "matMul"
  | "add"
  | "sub"
  | "mul"
  | "sigmoid"
  | "reshape"
  | "stack"
  | "cos"
  | "sin"
  | "tile"
  | "zeros"
  | "slice"
  | "squeeze"
  | "transpose"
  | "gather"
  | "fused"
  | "div"
  | "tensor2d"
  | "floor"
  | "square"
>;

/** Pixel likelihood p(x|z); see {@link likelihoodMean} for how its logits become an image. */
export type LikelihoodName = "bernoulli" | "gaussian";

/** The dense layer, activation and coordinate layer 0 the decoders are built from. */
export interface DecoderOps {
  /** x·W + b, b broadcast over rows. */
  dense(x: tfc.Tensor2D, W: tfc.Tensor2D, b: tfc.Tensor1D): tfc.Tensor2D;
  /** tanh (the contract's hidden activation). */
  tanh(x: tfc.Tensor): tfc.Tensor;
  /** coords [P, 2] · A2 [2, n] + o [1, n]. */
  layer0(coords: tfc.Tensor2D, A2: tfc.Tensor2D, o: tfc.Tensor2D): tfc.Tensor2D;
  /** sin (the Fourier-feature layer 0); default {@link polySin} */
  sin?(x: tfc.Tensor): tfc.Tensor;
}

/**
 * sin(x) (cos with `cosine`) in elementwise ops: Cody–Waite reduction x = kπ + r (π split in a float and its
 * remainder), Taylor series of sin to r¹¹ / cos to r¹² (truncation < 1e-7 for |r| ≤ π/2), sign (−1)^k. Why:
 * tfjs-wasm's Sin and Cos are scalar libm calls, about 1000× slower than these vectorised ops on the decoder's
 * B·P·h values; the native kernel uses the same reduction and series.
 */
export function polySin(tf: TfCore, x: tfc.Tensor, cosine = false): tfc.Tensor {
  return tf.tidy(() => {
    const k = tf.floor(tf.add(tf.mul(x, 1 / Math.PI), 0.5));
    const r = tf.sub(tf.sub(x, tf.mul(k, 3.14159274101257324)), tf.mul(k, -8.74227766e-8));
    const r2 = tf.square(r);
    // Horner in r² with the Taylor coefficients
    const horner = (cs: number[]) => cs.reduceRight((acc: tfc.Tensor, c) => tf.add(tf.mul(acc, r2), c), tf.mul(r2, 0));
    const v = cosine
      ? horner([1, -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600])
      : tf.mul(r, horner([1, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800]));
    const half = tf.mul(k, 0.5);
    const sign = tf.sub(1, tf.mul(tf.sub(half, tf.floor(half)), 4));
    return tf.mul(v, sign);
  });
}

/**
 * The ops in plain tfjs (autodiff gradients), for the browser. tanh is 2·σ(2x) − 1, the forward of
 * models/ops.ts `fastTanh` (its gradient is the only difference), so values match the models bit for bit.
 */
export function referenceOps(tf: TfCore): DecoderOps {
  return {
    dense: (x, W, b) => tf.fused.matMul({ a: x, b: W, bias: b }) as tfc.Tensor2D,
    tanh: (x) => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1),
    layer0: (coords, A2, o) => tf.add(tf.matMul(coords, A2), o) as tfc.Tensor2D,
    sin: (x) => polySin(tf, x),
  };
}

/** One hidden layer of the coordinate decoder: `h_l = tanh(h_{l−1} W + b [+ zOffset_b])`. */
export interface CoordKernelLayer {
  /** [h, h] */
  W: tfc.Tensor2D;
  /** [h] */
  b: tfc.Tensor1D;
  /** [B, h], skip-rVAE only: z_b U_l, added inside the tanh for every pixel of image b */
  zOffset?: tfc.Tensor2D;
}

/** Inputs of the coordinate decoder kernel; layer 0 is folded per image: `h0[b,p] = tanh(coords_p A_b + o_b)`. */
export interface CoordKernelInputs {
  /** [P, 2] pixel coordinates (a subset of the grid when pixels are subsampled) */
  coords: tfc.Tensor2D;
  /** [B, 2, h] per-image first-layer weights */
  A: tfc.Tensor3D;
  /** [B, h] per-image first-layer offsets */
  o: tfc.Tensor2D;
  layers: CoordKernelLayer[];
  /** [h, C]: one output column per image channel */
  wOut: tfc.Tensor2D;
  /** [C] */
  bOut: tfc.Tensor1D;
  /**
   * Activation of layer 0 (default "tanh"); "sin" gives learned Fourier features of the transformed
   * coordinates, sin(c' W + φ) (SIREN's first layer), as models/coord-decoder.ts documents.
   */
  firstActivation?: "tanh" | "sin";
}

/**
 * The kernel signature shared by the tfjs reference and the native fused op: logits [B, P], or [B, C·P] for
 * C = wOut's columns > 1, channel-major per image ([B, C, P] flattened, the ImageStack layout).
 */
export type CoordKernel = (inputs: CoordKernelInputs) => tfc.Tensor2D;

/**
 * The coordinate decoder kernel in tfjs ops. Rows are ordered pixel-major ([P, B, h]) so that layer 0
 * is one plain matmul coords [P, 2] · A2 [2, B·h]; the hidden layers do not care about the row order.
 * Every channel is read from the same last hidden layer (one pose and one z draw all channels, as AtomAI's
 * and pyroVED's multichannel decoders do): the output layer gives C values per coordinate.
 */
export function coordKernel(tf: TfCore, ops: DecoderOps = referenceOps(tf)): CoordKernel {
  return ({ coords, A, o, layers, wOut, bOut, firstActivation }) =>
    tf.tidy(() => {
      const [B, , h] = A.shape;
      const P = coords.shape[0];
      const A2 = tf.reshape(tf.transpose(A, [1, 0, 2]), [2, B * h]) as tfc.Tensor2D;
      const pre0 = ops.layer0(coords, A2, tf.reshape(o, [1, B * h]) as tfc.Tensor2D);
      const h0 = firstActivation === "sin" ? (ops.sin ? ops.sin(pre0) : polySin(tf, pre0)) : ops.tanh(pre0);
      let x = tf.reshape(h0, [P * B, h]) as tfc.Tensor2D;
      for (const layer of layers) {
        let pre: tfc.Tensor = ops.dense(x, layer.W, layer.b);
        if (layer.zOffset) {
          pre = tf.reshape(tf.add(tf.reshape(pre, [P, B * h]), tf.reshape(layer.zOffset, [1, B * h])), [P * B, h]);
        }
        x = ops.tanh(pre) as tfc.Tensor2D;
      }
      const C = wOut.shape[1];
      const out = ops.dense(x, wOut, bOut); // [P·B, C]
      if (C === 1) return tf.transpose(tf.reshape(out, [P, B])) as tfc.Tensor2D;
      return tf.reshape(tf.transpose(tf.reshape(out, [P, B, C]), [1, 2, 0]), [B, C * P]) as tfc.Tensor2D;
    });
}

/** Weights of the coordinate decoder (names as saved: `decoder.0.Wc`, `decoder.0.Wz`, `decoder.<l>.W|b|U`, ...). */
export interface CoordDecoderParams {
  /** [2, h] coordinate weights (row 0 multiplies x, row 1 multiplies y) */
  Wc: tfc.Tensor2D;
  /** [d + c, h] latent (and one-hot label) weights */
  Wz: tfc.Tensor2D;
  /** [h] */
  b0: tfc.Tensor1D;
  /** hidden layers 1..L; `U` [d + c, h] for the skip-rVAE */
  hidden: { W: tfc.Tensor2D; b: tfc.Tensor1D; U?: tfc.Tensor2D }[];
  /** [h, C] and [C], C = image channels */
  wOut: tfc.Tensor2D;
  bOut: tfc.Tensor1D;
  /**
   * Fourier-feature layer 0 (`coordinateFeatures: "fourier"`): h0 = sin(c′ W_c + b_0) and z·W_z enters layer 1
   * as a per-image offset (default false: h0 = tanh(c′ W_c + z W_z + b_0))
   */
  fourier?: boolean;
  /**
   * `latentHidden`: tanh layers on the z·label row alone, z ← tanh(z W + b) each, before `Wz` (absent: z enters
   * `Wz` directly). Why: a decoder whose z enters linearly changes its drawing everywhere in z; these layers can
   * saturate, holding the drawing flat over a region and switching at its border.
   */
  zNet?: { W: tfc.Tensor2D; b: tfc.Tensor1D }[];
}

/**
 * Logits [B, C·P] (or [B, C·m] for `pixelIndices`, pixel indices in [0, P) taken in every channel; C = 1 gives
 * [B, P]) of the coordinate decoder for z·label rows `zc` [B, d + c],
 * angles [B] (rad, CCW) and shifts [B, 2] (grid units, x right, y up), null when the model has none.
 * Pixel c renders f(R(−γ)(c − t)); as a row vector c' = (c − t) R(γ), so the folded layer 0 is
 * A_b = R(γ_b) W_c and o_b = z_b W_z + b_0 − t_b A_b.
 */
export function coordDecoderLogits(
  tf: TfCore,
  kernel: CoordKernel,
  p: CoordDecoderParams,
  coords: tfc.Tensor2D,
  zc: tfc.Tensor2D,
  angle: tfc.Tensor1D | null,
  shift: tfc.Tensor2D | null,
  pixelIndices?: Int32Array,
  scale?: tfc.Tensor1D | null,
): tfc.Tensor2D {
  return tf.tidy(() => {
    const B = zc.shape[0];
    const h = p.Wc.shape[1];
    let A: tfc.Tensor3D;
    if (angle) {
      const cos = tf.reshape(tf.cos(angle), [B, 1]);
      const sin = tf.reshape(tf.sin(angle), [B, 1]);
      const w0 = tf.slice(p.Wc, [0, 0], [1, h]);
      const w1 = tf.slice(p.Wc, [1, 0], [1, h]);
      const row0 = tf.sub(tf.mul(cos, w0), tf.mul(sin, w1)); // [B, h]
      const row1 = tf.add(tf.mul(sin, w0), tf.mul(cos, w1));
      A = tf.stack([row0, row1], 1) as tfc.Tensor3D;
    } else {
      A = tf.add(tf.zeros([B, 2, h]), tf.reshape(p.Wc, [1, 2, h])) as tfc.Tensor3D; // not tile: see o below
    }
    // drawn s times larger: c' = (c − t) R(γ) / s, so A_b is divided by s_b (the shift term uses the same A_b)
    if (scale) A = tf.div(A, tf.reshape(scale, [B, 1, 1])) as tfc.Tensor3D;
    let u = zc;
    for (const l of p.zNet ?? [])
      u = tf.sub(tf.mul(tf.sigmoid(tf.mul(tf.add(tf.matMul(u, l.W), l.b), 2)), 2), 1) as tfc.Tensor2D;
    const zIn = tf.matMul(u, p.Wz) as tfc.Tensor2D;
    // b_0 broadcast by an add, not tf.tile, whose gradient is B slices and B adds (~2 ms per step at batch 128)
    let o = (p.fourier ? tf.add(tf.zeros([B, h]), p.b0) : tf.add(zIn, p.b0)) as tfc.Tensor2D;
    if (shift) {
      // t_b A_b = tx·A_b[0] + ty·A_b[1]
      const tA = tf.squeeze(tf.matMul(tf.reshape(shift, [B, 1, 2]) as tfc.Tensor3D, A), [1]) as tfc.Tensor2D;
      o = tf.sub(o, tA);
    }
    const c = pixelIndices ? (tf.gather(coords, tf.tensor1d(pixelIndices, "int32")) as tfc.Tensor2D) : coords;
    const layers: CoordKernelLayer[] = p.hidden.map((l, i) => ({
      W: l.W,
      b: l.b,
      zOffset: p.fourier && i === 0 ? zIn : l.U ? (tf.matMul(zc, l.U) as tfc.Tensor2D) : undefined,
    }));
    return kernel({
      coords: c,
      A,
      o,
      layers,
      wOut: p.wOut,
      bOut: p.bOut,
      firstActivation: p.fourier ? "sin" : undefined,
    });
  });
}

/** Weights of the MLP decoder of the VAE/CVAE: hidden layers `decoder.<i>.W|b` and `decoder.out.W|b` [h, P]. */
export interface MlpDecoderParams {
  layers: { W: tfc.Tensor2D; b: tfc.Tensor1D }[];
  out: { W: tfc.Tensor2D; b: tfc.Tensor1D };
}

/** Logits [B, P] (or [B, m] for `pixelIndices`) of the MLP decoder for rows `zc` [B, d + c]. */
export function mlpDecoderLogits(
  tf: TfCore,
  p: MlpDecoderParams,
  zc: tfc.Tensor2D,
  pixelIndices?: Int32Array,
  ops: DecoderOps = referenceOps(tf),
): tfc.Tensor2D {
  return tf.tidy(() => {
    let h = zc;
    for (const l of p.layers) h = ops.tanh(ops.dense(h, l.W, l.b)) as tfc.Tensor2D;
    if (pixelIndices) {
      // only the output columns of the sampled pixels are needed
      // Selected by a product with a constant 0/1 matrix S [P, m] rather than by gather: the gradient of gather
      // (UnsortedSegmentSum) has no tfjs-wasm kernel; unfused, because wasm's fused matmul rejects this bias.
      const P = p.out.W.shape[1],
        m = pixelIndices.length;
      const sel = new Float32Array(P * m);
      for (let j = 0; j < m; j++) sel[pixelIndices[j] * m + j] = 1;
      const S = tf.tensor2d(sel, [P, m]);
      const Wm = tf.matMul(p.out.W, S) as tfc.Tensor2D;
      const bm = tf.reshape(tf.matMul(tf.reshape(p.out.b, [1, P]) as tfc.Tensor2D, S), [m]) as tfc.Tensor1D;
      return tf.add(tf.matMul(h, Wm), bm) as tfc.Tensor2D;
    }
    return ops.dense(h, p.out.W, p.out.b);
  });
}

/**
 * The image a decoder's logits stand for: the mean of p(x|z). Bernoulli: σ(logit), the pixel's
 * probability. Gaussian: also σ(logit), because the Gaussian NLL (elbo.ts `gaussianNll`) puts its
 * mean at σ(logit) so that images stay in [0, 1]. The one place that says how logits become an image.
 */
export function likelihoodMean(tf: TfCore, logits: tfc.Tensor, likelihood: LikelihoodName): tfc.Tensor {
  check(
    likelihood === "bernoulli" || likelihood === "gaussian",
    "likelihoodMean",
    `likelihood must be "bernoulli" or "gaussian", got ${String(likelihood)}`,
  );
  return tf.sigmoid(logits);
}
