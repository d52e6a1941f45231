import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import { dense, fastTanh } from "../ops";
import { ParamStore } from "../params";
import type { Posterior } from "./latents";

/**
 * An encoder part: the posterior of each latent given a batch of images x [B, P] and an optional condition
 * c [B, conditionDim] (one-hot labels). Call it inside a `tf.tidy`: encoders that search in plain JS (pose,
 * offset) leave intermediate tensors to the caller's scope, because the backward pass still reads them.
 */
export interface Encoder {
  /** `epoch` and `hint` (the frames given per image) are read by the pose encoders only */
  posterior(x: tf.Tensor2D, c: tf.Tensor2D | null, epoch?: number, hint?: Float32Array): Posterior;
}

/** One latent read from the MLP head: `dim` mean columns and `dim` log-variance columns. */
export interface HeadColumn {
  name: string;
  dim: number;
  /** initial bias of its log-variance columns (default 0) */
  initLogVar?: number;
}

/**
 * The MLP encoder (pyroVED's `fcEncoderNet`): tanh layers `encoder.<i>.{W,b}`, then a linear head
 * `encoder.head.{W,b}` giving the means of all latents (in column order) followed by their log-variances.
 */
export class MlpEncoder implements Encoder {
  private readonly layers: { W: tf.Variable; b: tf.Variable }[] = [];
  private readonly out: { W: tf.Variable; b: tf.Variable };
  readonly columns: HeadColumn[];

  constructor(params: ParamStore, inputDim: number, hidden: number[], columns: HeadColumn[], rng: Random) {
    this.columns = columns;
    let fan = inputDim;
    hidden.forEach((width, i) => {
      this.layers.push({
        W: params.glorot(`encoder.${i}.W`, fan, width, rng),
        b: params.zeros(`encoder.${i}.b`, width),
      });
      fan = width;
    });
    const k = columns.reduce((a, c) => a + c.dim, 0);
    const bias = new Float32Array(2 * k);
    let col = k;
    for (const c of columns) {
      bias.fill(c.initLogVar ?? 0, col, col + c.dim);
      col += c.dim;
    }
    this.out = { W: params.glorot("encoder.head.W", fan, 2 * k, rng), b: params.add("encoder.head.b", [2 * k], bias) };
  }

  /** The head's output [B, 2k]: means then log-variances. */
  head(x: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor2D = c ? tf.concat([x, c], 1) : x;
      for (const l of this.layers) h = fastTanh(dense(h, l.W as tf.Tensor2D, l.b as tf.Tensor1D)) as tf.Tensor2D;
      return dense(h, this.out.W as tf.Tensor2D, this.out.b as tf.Tensor1D);
    });
  }

  /** Splits a head output into the posterior of each column. */
  split(head: tf.Tensor2D): Posterior {
    const k = head.shape[1] / 2;
    const post: Posterior = {};
    let col = 0;
    for (const c of this.columns) {
      post[c.name] = { mean: head.slice([0, col], [-1, c.dim]), logVar: head.slice([0, k + col], [-1, c.dim]) };
      col += c.dim;
    }
    return post;
  }

  posterior(x: tf.Tensor2D, c: tf.Tensor2D | null): Posterior {
    return tf.tidy(() => this.split(this.head(x, c)) as unknown as tf.TensorContainer) as unknown as Posterior;
  }
}
