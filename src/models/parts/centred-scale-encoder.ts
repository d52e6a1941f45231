import * as tf from "@tensorflow/tfjs";
import { fastTanh } from "../ops";
import { channelCentroids, firstChannel } from "../channel-images";
import { configChannels, type ModelConfig } from "../config";
import type { ParamStore } from "../params";
import type { Encoder, MlpEncoder } from "./encoder";
import type { Posterior } from "./latents";
import { ContentReference } from "./scale-reference";
import { ScaleSearch, scaledNormalisedImages } from "./scale-search";

/**
 * The scale search of a configuration with `scaleEncoder: "equivariant"` (weight `scale.logRef`; with
 * `scaleReference: "content"` also `scale.ref.*`), undefined without. It takes no draws from the model's generator,
 * so a seed gives the other weights as without it.
 */
export function scaleSearchOf(params: ParamStore, c: ModelConfig): ScaleSearch | undefined {
  if (c.scaleEncoder !== "equivariant") return undefined;
  const content = c.scaleReference === "content";
  return new ScaleSearch(
    params,
    c.imageShape[0],
    c.imageShape[1],
    c.scalePrior ?? 0.1,
    (p) => (content ? new ContentReference(p, c.latentDim, c.seed) : undefined),
    c.scaleCorrection !== false,
    c.scaleCorrectionMax,
    c.scaleReferenceNeighbours,
  );
}

/** The MLP itself, or with `scaleEncoder: "equivariant"` the centred scale encoder around it. */
export function mlpOrCentredScale(mlp: MlpEncoder, params: ParamStore, c: ModelConfig): Encoder {
  const search = scaleSearchOf(params, c);
  return search ? new CentredScaleEncoder(mlp, search, configChannels(c)) : mlp;
}

/**
 * The scale-equivariant encoder of models without an angle (the shift-VAE with `scaleEncoder: "equivariant"`):
 * the MLP reads each image centred on its intensity centroid (channel 0) and de-scaled by its coarse scale
 * (scale-search.ts); the offset is the centroid plus the MLP's offset column bounded to ±`bound` px, the scale is
 * the coarse scale times the MLP's correction. Why centred: an MLP reading the uncentred image had not learnt to
 * size the smallest glyph in 40 epochs (shift-VAE, diamonds r 0.36; docs/experiments/scale-latent.md, session 9),
 * and r_g needs the centre; the pose encoder does the same with the angle (equivariant-pose-encoder.ts).
 */
export class CentredScaleEncoder implements Encoder {
  constructor(
    private readonly mlp: MlpEncoder,
    private readonly search: ScaleSearch,
    private readonly channels = 1,
    private readonly bound = 2,
  ) {}

  posterior(x: tf.Tensor2D, c: tf.Tensor2D | null): Posterior {
    const [B, CP] = x.shape;
    const C = this.channels;
    const P = CP / C;
    const { height: H, width: W } = this.search;
    const xv = x.dataSync() as Float32Array;
    const centre = channelCentroids(xv, B, C, H, W);
    const sc = this.search.coarse(this.search.logGyration(firstChannel(xv, B, C, P), B, centre));
    // xn stays alive until the caller's tidy ends: the backward pass still reads it
    const xn = tf.tensor2d(scaledNormalisedImages(xv, B, C, H, W, centre, null, sc.scale), [B, CP]);
    return tf.tidy((): tf.TensorContainer => {
      const out = this.mlp.posterior(xn, c);
      this.search.attach(out, sc);
      if (out.offset) {
        // grid units, x right and y up: the centroid, then the bounded residual
        const cg = new Float32Array(2 * B);
        for (let b = 0; b < B; b++) {
          cg[2 * b] = (2 * centre[2 * b + 1]) / (W - 1) - 1;
          cg[2 * b + 1] = 1 - (2 * centre[2 * b]) / (H - 1);
        }
        const res = tf.mul(
          tf.tensor1d([(2 * this.bound) / (W - 1), (2 * this.bound) / (H - 1)]),
          fastTanh(out.offset.mean),
        );
        out.offset = { mean: tf.add(tf.tensor2d(cg, [B, 2]), res) as tf.Tensor2D, logVar: out.offset.logVar };
      }
      return out as unknown as tf.TensorContainer;
    }) as unknown as Posterior;
  }
}
