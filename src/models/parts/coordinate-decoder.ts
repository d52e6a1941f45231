import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import { coordDecoder } from "../coord-decoder";
import { coordDecoderLogits, CoordDecoderParams } from "../decode-core";
import { coordGrid } from "../grid";
import { glorotValues, ParamStore } from "../params";
import { CoordinateFeatures, defaultFourierScale } from "../config";
import type { Decoder, DecoderPose } from "./decoder";

/** How layer 0 of the coordinate decoder reads the transformed coordinates (`RVAEOptions.coordinateFeatures`). */
export type CoordinateLayerConfig = { kind: "linear" } | { kind: "fourier"; scale: number };

/** The layer-0 choice of a configuration (saved models without `coordinateFeatures` read as "linear"). */
export function coordinateLayerConfig(c: {
  coordinateFeatures?: CoordinateFeatures;
  fourierScale?: number;
  imageShape: [number, number];
}): CoordinateLayerConfig {
  if (c.coordinateFeatures !== "fourier") return { kind: "linear" };
  return { kind: "fourier", scale: c.fourierScale ?? defaultFourierScale(c.imageShape[0], c.imageShape[1]) };
}

/**
 * The coordinate decoder of the rVAE (Bepler et al.'s spatial-VAE, pyroVED's `sDecoderNet`): an MLP of the
 * pixel coordinates, pixel c showing f(R(−γ)(c − Δr)/s; z) (s = 1 without a scale latent); `skip` adds z to
 * every hidden layer (skip-rVAE).
 * Layer 0 is folded per image (DEVELOPERS.md, "The coordinate decoder"), so the per-pixel work starts at
 * layer 1. Parameters: `decoder.0.{Wc,Wz,b}`, `decoder.<l>.{W,b,U}`, `decoder.out.{W,b}`.
 * With `channels` C > 1 the output layer `decoder.out.W` is [h, C]: each coordinate gives one value per detector
 * channel, all from the same z and pose (AtomAI's and pyroVED's multichannel decoders end the same way), and the
 * logits are [B, C·P], channel planes per image like an ImageStack.
 *
 * With `features: { kind: "fourier" }` layer 0 is sin(c′ W_c + b_0) (learned Fourier features, SIREN's first
 * layer; W_c ~ N(0, σ²), b_0 ~ U(−π, π)) and z enters layer 1 through `decoder.0.Wz` as a per-image offset:
 * the rotation and shift still fold into layer 0 (c′ W_c + b_0 = c A_b + o_b), only its activation changes.
 */
export class CoordinateDecoder implements Decoder {
  private readonly Wc: tf.Variable; // [2, h]
  private readonly Wz: tf.Variable; // [d + c, h], or [k, h] after a z network whose last layer has k units
  private readonly zNet: { W: tf.Variable; b: tf.Variable }[] = [];
  private readonly b0: tf.Variable; // [h]
  private readonly hidden: { W: tf.Variable; b: tf.Variable; U?: tf.Variable }[] = [];
  private readonly wOut: tf.Variable;
  private readonly bOut: tf.Variable;
  private readonly coords: tf.Tensor2D;
  private readonly width: number;
  private readonly fourier: boolean;

  constructor(
    params: ParamStore,
    imageShape: [number, number],
    inputDim: number,
    hidden: number[],
    skip: boolean,
    rng: Random,
    features: CoordinateLayerConfig = { kind: "linear" },
    channels = 1,
    latentNet: { hidden: number[]; gain: number } = { hidden: [], gain: 1 },
  ) {
    const h = hidden[0];
    // with a z network, z reaches decoder.0.Wz through it: Wz reads its last layer's units and is drawn last (its
    // draw in the usual place is made and dropped), so that every other weight is drawn as without the network
    const net = latentNet.hidden.length > 0;
    let Wz: tf.Variable | undefined;
    this.width = h;
    this.fourier = features.kind === "fourier";
    if (features.kind === "fourier") {
      // frequencies N(0, σ²) in radians per grid unit and phases over a whole period, so the features
      // cover the image's frequencies and positions from the first step (random Fourier features)
      const w = new Float32Array(2 * h),
        phase = new Float32Array(h);
      for (let i = 0; i < w.length; i++) w[i] = features.scale * rng.normal();
      for (let j = 0; j < h; j++) phase[j] = rng.uniform(-Math.PI, Math.PI);
      this.Wc = params.add("decoder.0.Wc", [2, h], w);
      const wz = glorotValues(inputDim, h, rng);
      if (!net) Wz = params.add("decoder.0.Wz", [inputDim, h], wz);
      this.b0 = params.add("decoder.0.b", [h], phase);
    } else {
      // layer 0 acts on [x, y, z, c]: Glorot over the full fan-in, split into the coordinate and latent parts
      const vals = glorotValues(2 + inputDim, h, rng);
      this.Wc = params.add("decoder.0.Wc", [2, h], vals.subarray(0, 2 * h));
      if (!net) Wz = params.add("decoder.0.Wz", [inputDim, h], vals.subarray(2 * h));
      this.b0 = params.zeros("decoder.0.b", h);
    }
    for (let l = 1; l < hidden.length; l++) {
      const layer: { W: tf.Variable; b: tf.Variable; U?: tf.Variable } = {
        W: params.glorot(`decoder.${l}.W`, h, h, rng),
        b: params.zeros(`decoder.${l}.b`, h),
      };
      // with Fourier features z already enters layer 1 through Wz
      if (skip && !(this.fourier && l === 1)) layer.U = params.glorot(`decoder.${l}.U`, inputDim, h, rng);
      this.hidden.push(layer);
    }
    this.wOut = params.glorot("decoder.out.W", h, channels, rng);
    this.bOut = params.zeros("decoder.out.b", channels);
    let fan = inputDim;
    latentNet.hidden.forEach((k, i) => {
      const w = glorotValues(fan, k, rng);
      if (i === 0) for (let j = 0; j < w.length; j++) w[j] *= latentNet.gain;
      this.zNet.push({ W: params.add(`decoder.z.${i}.W`, [fan, k], w), b: params.zeros(`decoder.z.${i}.b`, k) });
      fan = k;
    });
    // Glorot as without the network: over z's fan-in alone (Fourier), over (c, z) (linear layer 0)
    const wzNet = () => glorotValues(this.fourier ? fan : 2 + fan, h, rng).subarray(this.fourier ? 0 : 2 * h);
    this.Wz = Wz ?? params.add("decoder.0.Wz", [fan, h], wzNet());
    this.coords = tf.tensor2d(coordGrid(imageShape[0], imageShape[1]), [imageShape[0] * imageShape[1], 2]);
  }

  logits(zc: tf.Tensor2D, pose: DecoderPose, pixelIndices?: Int32Array): tf.Tensor2D {
    // decode-core holds the math (shared with the Traversal widget in the browser); `coordDecoder` is the
    // kernel in use here (the tfjs reference with hand-written gradients, or the native fused op)
    const p: CoordDecoderParams = {
      Wc: this.Wc as tf.Tensor2D,
      Wz: this.Wz as tf.Tensor2D,
      b0: this.b0 as tf.Tensor1D,
      hidden: this.hidden.map((l) => ({
        W: l.W as tf.Tensor2D,
        b: l.b as tf.Tensor1D,
        U: l.U as tf.Tensor2D | undefined,
      })),
      wOut: this.wOut as tf.Tensor2D,
      bOut: this.bOut as tf.Tensor1D,
      fourier: this.fourier,
      ...(this.zNet.length > 0
        ? { zNet: this.zNet.map((l) => ({ W: l.W as tf.Tensor2D, b: l.b as tf.Tensor1D })) }
        : {}),
    };
    return coordDecoderLogits(
      tf,
      coordDecoder,
      p,
      this.coords,
      zc,
      pose.angle ?? null,
      pose.shift ?? null,
      pixelIndices,
      pose.scale ?? null,
    );
  }

  setOutputBias(logits: Float32Array): void {
    tf.tidy(() => this.bOut.assign(tf.tensor1d(logits)));
  }

  dispose(): void {
    this.coords.dispose();
  }
}
