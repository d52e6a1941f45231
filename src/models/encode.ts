import * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import { checkFrameAngles } from "./inputs";
import type { EncodableModel } from "./contracts";

/** Posterior means (and log-variances) of a data set under a model; see DEVELOPERS.md. */
export interface Encoding {
  n: number;
  latentDim: number;
  /** n × latentDim, row-major */
  zMean: Float32Array;
  zLogVar: Float32Array;
  /** rad, CCW-positive as displayed, posterior mean (rVAE only) */
  angle?: Float32Array;
  angleLogVar?: Float32Array;
  /** px, +dx right / +dy down, posterior means (models with translation only) */
  dx?: Float32Array;
  dy?: Float32Array;
  /** n × 2 log-variances of the shift in grid units (x, y) */
  offsetLogVar?: Float32Array;
  /** size factor s = 1 + σ_s u, posterior mean (models with a scale latent), and the log-variance of u */
  scale?: Float32Array;
  scaleLogVar?: Float32Array;
  /** n × classes posterior class probabilities and their argmax (models with a discrete latent) */
  classProbs?: Float32Array;
  classes?: Int32Array;
}

/** The encoding of a model with an angle latent (RVAE): angle and its log-variance always present. */
export type PoseEncoding = Encoding & { angle: Float32Array; angleLogVar: Float32Array };

/** The encoding of a model with a shift latent (ShiftVAE): dx, dy and their log-variances always present. */
export type ShiftEncoding = Encoding & { dx: Float32Array; dy: Float32Array; offsetLogVar: Float32Array };

/** Options of `encode`. */
export interface EncodeOptions {
  /** images per batch (default 512) */
  batchSize?: number;
  /** class index per image, for conditional models */
  labels?: ArrayLike<number>;
  /**
   * per image, an angle (radians) that is its frame, instead of the encoder's frame search: the image is de-rotated by
   * it, and the encoded angle is it plus the MLP's residual of at most one trial step (rVAE with an equivariant or
   * group pose encoder; e.g. the angles of `learnUprightPose`, as given to `train`'s `initialAngles`)
   */
  angles?: ArrayLike<number>;
}

/**
 * Encodes a data set in batches with `model` and returns plain arrays (no tensors to dispose):
 * z means/log-variances, and the angle (radians, CCW as displayed) and the shift (pixels) where the
 * model infers them.
 */
export function encodeImages(
  model: EncodableModel,
  images: ImageStack | tf.Tensor | number[][][],
  opts: EncodeOptions = {},
): Encoding {
  const where = `${model.config.className}.encode`;
  const stack = model.checkImages(images, where);
  const labels = model.checkLabels(opts.labels, stack.n, where);
  const bs = opts.batchSize ?? 512;
  checkInt(bs, where, "batchSize", 1);
  let hints: Float32Array | null = null;
  if (opts.angles !== undefined) {
    const c = model.config;
    check(
      Boolean(c.rotation) && (c.poseEncoder === "equivariant" || c.poseEncoder === "group"),
      where,
      `angles (frame hints) need a model with a rotation and poseEncoder "equivariant" or "group", got ` +
        `${c.className} with poseEncoder ${c.poseEncoder ?? "none"}`,
    );
    hints = checkFrameAngles(opts.angles, stack.n, where, "angles");
  }
  const n = stack.n,
    d = model.config.latentDim,
    P = (stack.channels ?? 1) * stack.height * stack.width; // values per image: channel planes
  const [h, w] = model.config.imageShape;
  const enc: Encoding = { n, latentDim: d, zMean: new Float32Array(n * d), zLogVar: new Float32Array(n * d) };
  if (model.config.rotation) {
    enc.angle = new Float32Array(n);
    enc.angleLogVar = new Float32Array(n);
  }
  if (model.config.translation) {
    enc.dx = new Float32Array(n);
    enc.dy = new Float32Array(n);
    enc.offsetLogVar = new Float32Array(2 * n);
  }
  if (model.config.classes) {
    enc.classProbs = new Float32Array(n * model.config.classes);
    enc.classes = new Int32Array(n);
  }
  if (model.config.scale) {
    enc.scale = new Float32Array(n);
    enc.scaleLogVar = new Float32Array(n);
  }
  for (let s = 0; s < n; s += bs) {
    const m = Math.min(bs, n - s);
    // one packed tensor per batch: [zMean, zLogVar, angle, angleLogVar, tMean(2), tLogVar(2)]
    const packed = tf.tidy(() => {
      const x = tf.tensor2d(stack.data.subarray(s * P, (s + m) * P), [m, P]);
      const c = model.oneHot(labels, s, m);
      const post = model.encodeTensors(x, c, hints ? hints.subarray(s, s + m) : undefined);
      const parts: tf.Tensor2D[] = [post.zMean, post.zLogVar];
      if (post.angleMean && post.angleLogVar)
        parts.push(post.angleMean.reshape([-1, 1]), post.angleLogVar.reshape([-1, 1]));
      if (post.tMean && post.tLogVar) parts.push(post.tMean, post.tLogVar);
      if (post.scaleMean && post.scaleLogVar)
        parts.push(post.scaleMean.reshape([-1, 1]), post.scaleLogVar.reshape([-1, 1]));
      if (post.classProbs) parts.push(post.classProbs);
      return tf.concat(parts, 1);
    });
    const v = packed.dataSync() as Float32Array;
    const width = packed.shape[1];
    packed.dispose();
    for (let i = 0; i < m; i++) {
      const r = i * width,
        k = s + i;
      for (let j = 0; j < d; j++) {
        enc.zMean[k * d + j] = v[r + j];
        enc.zLogVar[k * d + j] = v[r + d + j];
      }
      let col = 2 * d;
      if (enc.angle && enc.angleLogVar) {
        enc.angle[k] = v[r + col];
        enc.angleLogVar[k] = v[r + col + 1];
        col += 2;
      }
      if (enc.dx && enc.dy && enc.offsetLogVar) {
        enc.dx[k] = (v[r + col] * (w - 1)) / 2;
        enc.dy[k] = (-v[r + col + 1] * (h - 1)) / 2;
        enc.offsetLogVar[2 * k] = v[r + col + 2];
        enc.offsetLogVar[2 * k + 1] = v[r + col + 3];
        col += 4;
      }
      if (enc.scale && enc.scaleLogVar) {
        enc.scale[k] = v[r + col];
        enc.scaleLogVar[k] = v[r + col + 1];
        col += 2;
      }
      if (enc.classProbs && enc.classes) {
        const K = enc.classProbs.length / n;
        let best = 0;
        for (let j = 0; j < K; j++) {
          enc.classProbs[k * K + j] = v[r + col + j];
          if (v[r + col + j] > v[r + col + best]) best = j;
        }
        enc.classes[k] = best;
      }
    }
  }
  return enc;
}

/** The k-th latent coordinate of every image (column `k` of zMean). */
export function latentColumn(enc: Encoding, k: number): Float32Array {
  const out = new Float32Array(enc.n);
  for (let i = 0; i < enc.n; i++) out[i] = enc.zMean[i * enc.latentDim + k];
  return out;
}
