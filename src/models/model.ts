import * as tf from "@tensorflow/tfjs";
import { ImageStack, toImageStack } from "../data/image-stack";
import { check, checkFinite, checkInt, IvaeInputError } from "../util/errors";
import { Random } from "../util/random";
import { bernoulliNll, gaussianNll, klNormal, klStandardNormal } from "./elbo";
import { dense, fastTanh } from "./ops";
import { ParamStore } from "./params";
import { writeArtifacts } from "./io";
import type { Encoding, EncodeOptions } from "../analysis/encode";
import { encodeImages } from "../analysis/encode";
import type { ManifoldOptions, TraversalOptions } from "../analysis/manifold";
import { latentManifold, latentTraversal } from "../analysis/manifold";
import { createOffsetScorer, defaultOffsetSearchRadius, offsetGeometry, OffsetScorer, recentredImages, refinedShift, shiftScores } from "./offset-encoder";
import { centroids, createPoseScorer, frameScores, normalisedImages, polarImages, poseGeometry, PoseScorer, topFrames, windowedAngle } from "./pose-encoder";

/** Initial log-variance of the pose posteriors q(γ|x), q(Δr|x): log(0.05²). */
export const POSE_INIT_LOGVAR = Math.log(0.05 * 0.05);

/** Pixel likelihood p(x|z): Bernoulli (BCE with logits; pixels in [0,1]) or Gaussian with fixed σ. */
export type Likelihood = "bernoulli" | "gaussian";

/** Options shared by every model. */
export interface ModelOptions {
  /** [height, width] of the images */
  imageShape: [number, number];
  /** number of content latents z (default 2) */
  latentDim?: number;
  /** encoder MLP widths (default [128, 128], as pyroVED and AtomAI) */
  encoderHidden?: number[];
  /** decoder MLP widths; for coordinate decoders all widths must be equal */
  decoderHidden?: number[];
  /** default "bernoulli" */
  likelihood?: Likelihood;
  /** σ of the Gaussian likelihood (default 0.5, as pyroVED) */
  decoderSigma?: number;
  /** length of the one-hot label fed to encoder and decoder (0 = unconditional) */
  conditionDim?: number;
  /** seed of the Glorot initialisation (default 0) */
  seed?: number;
}

/** Options of the rotation/translation invariant VAE. */
export interface RVAEOptions extends ModelOptions {
  /** infer an angle latent γ (default true) */
  rotation?: boolean;
  /** infer a shift latent Δr = (tx, ty) (default true) */
  translation?: boolean;
  /** skip-rVAE: z is added to every hidden decoder layer (default false) */
  skip?: boolean;
  /** s_γ, standard deviation of the angle prior in radians (default π/2; see docs/RESULTS.md) */
  rotationPrior?: number;
  /** s_Δr, standard deviation of the shift prior in grid units, the image spanning [−1, 1] (default 0.1) */
  translationPrior?: number;
  /**
   * How q(γ|x) is inferred (models with rotation). "equivariant" (default): the encoder MLP reads the image
   * de-rotated by `rotationSteps` trial angles and picks the best frame, so the angle turns with the image by
   * construction (see pose-encoder.ts; needed for large rotations). "mlp": one MLP pass as pyroVED/AtomAI,
   * which works for small rotations only (its angle collapses on ±120°, docs/experiments/rvae-angle-collapse.md).
   */
  poseEncoder?: PoseEncoder;
  /** number of trial angles of the equivariant encoder (default 64, i.e. every 5.6°) */
  rotationSteps?: number;
  /**
   * Equivariant encoder: how many of the best-scoring frames (at least 45° apart) are tried by decoding
   * them; the one that reconstructs the image best gives the pose (default 1: the best score only). Each
   * extra candidate costs a decoder pass per step; on cards3 (2 seeds, white-noise scorer init) it did not change the angle recovery.
   */
  frameCandidates?: number;
  /**
   * How the shift is inferred when the pose encoder is not the equivariant one (e.g. the shift-VAE).
   * "mlp" (default): one MLP pass. "equivariant": a learned kernel is correlated with the image at every
   * integer shift up to a third of its side, the best shift re-centres it and the MLP reads z from the
   * re-centred image (offset-encoder.ts); for windows cut on a grid over a lattice, without atom finding.
   */
  offsetEncoder?: OffsetEncoder;
  /**
   * Equivariant offset encoder: largest shift tried, px (default a third of the image side). z is read
   * from the central square every such shift keeps inside the image (side − 2·(radius + 1)), so on windows
   * of several unit cells set it to about half the largest lattice period.
   */
  offsetSearchRadius?: number;
}

/** How a model with translation infers its shift; see `RVAEOptions.offsetEncoder`. */
export type OffsetEncoder = "equivariant" | "mlp";

/** How an rVAE infers its angle; see `RVAEOptions.poseEncoder`. */
export type PoseEncoder = "equivariant" | "mlp";

/** Fully resolved configuration, stored in model.json. */
export interface ModelConfig {
  className: "VAE" | "CVAE" | "RVAE" | "ShiftVAE";
  imageShape: [number, number];
  latentDim: number;
  encoderHidden: number[];
  decoderHidden: number[];
  likelihood: Likelihood;
  decoderSigma: number;
  conditionDim: number;
  seed: number;
  rotation: boolean;
  translation: boolean;
  skip: boolean;
  rotationPrior: number;
  translationPrior: number;
  /** absent in models saved before it existed: read as "mlp" */
  poseEncoder?: PoseEncoder;
  rotationSteps?: number;
  frameCandidates?: number;
  /** absent in models saved before it existed: read as "mlp" */
  offsetEncoder?: OffsetEncoder;
  offsetSearchRadius?: number;
}

/** Posterior parameters of one batch, as tensors. */
export interface PosteriorTensors {
  zMean: tf.Tensor2D;
  zLogVar: tf.Tensor2D;
  angleMean?: tf.Tensor1D;
  angleLogVar?: tf.Tensor1D;
  /** [B, 2] shift in grid units (x right, y up) */
  tMean?: tf.Tensor2D;
  tLogVar?: tf.Tensor2D;
}

/** Per-batch ELBO terms (scalars, means over the batch, nats per image). */
export interface LossTerms {
  loss: tf.Scalar;
  reconstruction: tf.Scalar;
  klZ: tf.Scalar;
  klAngle: tf.Scalar;
  klOffset: tf.Scalar;
}

/** Options of one loss evaluation. */
export interface LossOptions {
  /** seed of the reparameterisation noise */
  seed: number;
  /** KL weight β (default 1) */
  beta?: number;
  /** indices of the pixels that enter the reconstruction term (unbiased estimate, scaled by P/m) */
  pixelIndices?: Int32Array;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** angle(s) in radians, CCW-positive as displayed: one for all rows or one per row (rVAE only) */
  angle?: number | ArrayLike<number>;
  /** shift(s) in pixels, +dx to the right (shift-VAE / rVAE with translation only) */
  dx?: number | ArrayLike<number>;
  /** shift(s) in pixels, +dy downward */
  dy?: number | ArrayLike<number>;
  /** class index per row or one for all (conditional models) */
  labels?: number | ArrayLike<number>;
  /** return probabilities/means (default) rather than logits */
  logits?: boolean;
  batchSize?: number;
}

/** Options of `reconstruct`. */
export interface ReconstructOptions {
  labels?: ArrayLike<number>;
  batchSize?: number;
}

/** Everything a model offers; VAE, CVAE, RVAE and ShiftVAE implement it. */
export abstract class LatentModel {
  readonly config: ModelConfig;
  readonly params = new ParamStore();
  protected readonly encLayers: { W: tf.Variable; b: tf.Variable }[] = [];
  protected readonly encHead: { W: tf.Variable; b: tf.Variable };
  private disposed = false;
  /** frame scorer of the equivariant pose encoder (null for the MLP encoder) */
  protected readonly poseScorer: PoseScorer | null = null;
  /** shift scorer of the equivariant offset encoder (null otherwise) */
  protected readonly offsetScorer: OffsetScorer | null = null;
  /** seeded generator for the subclass's decoder initialisation */
  protected readonly decoderRng: Random;

  protected constructor(config: ModelConfig) {
    this.config = config;
    const [h, w] = config.imageShape;
    const rng = new Random(config.seed);
    let fan = h * w + config.conditionDim;
    config.encoderHidden.forEach((width, i) => {
      this.encLayers.push({ W: this.params.glorot(`encoder.${i}.W`, fan, width, rng), b: this.params.zeros(`encoder.${i}.b`, width) });
      fan = width;
    });
    const k = config.latentDim + this.extraLatents();
    // The log-variance biases of the angle and shift start at log(0.05²): a near-deterministic pose at
    // the start lets the decoder learn to use it. With the usual 0 (σ = 1 rad) the sampled angle is so
    // noisy that the decoder first learns rotation-blurred blobs and the angle latent collapses to the
    // prior (observed on cards3; the local optimum of spatial-VAE issue #2).
    const headBias = new Float32Array(2 * k);
    for (let j = k + config.latentDim; j < 2 * k; j++) headBias[j] = POSE_INIT_LOGVAR;
    this.encHead = { W: this.params.glorot("encoder.head.W", fan, 2 * k, rng), b: this.params.add("encoder.head.b", [2 * k], headBias) };
    if (this.usesEquivariantPose()) this.poseScorer = createPoseScorer(this.params, poseGeometry(h, w, config.rotationSteps ?? 64), rng);
    else if (config.translation && config.offsetEncoder === "equivariant") this.offsetScorer = createOffsetScorer(this.params, offsetGeometry(h, w, config.offsetSearchRadius), rng);
    this.decoderRng = rng.fork();
  }

  /** True when q(γ|x) comes from the rotation-equivariant encoder. */
  usesEquivariantPose(): boolean {
    return this.config.rotation && this.config.poseEncoder === "equivariant";
  }

  /** Number of pixels per image. */
  get pixels(): number {
    return this.config.imageShape[0] * this.config.imageShape[1];
  }

  /** Number of latents besides z (1 for the angle, 2 for the shift). */
  extraLatents(): number {
    return (this.config.rotation ? 1 : 0) + (this.config.translation ? 2 : 0);
  }

  /** Total number of trainable parameters. */
  numParams(): number {
    return this.params.count();
  }

  protected abstract buildDecoder(rng: Random): void;

  /**
   * Decoder logits [B, P] (or [B, m] for a pixel subset). `zc` is z concatenated with the one-hot label,
   * `angle` [B] radians CCW, `shift` [B, 2] in grid units (x right, y up).
   */
  abstract decodeLogits(zc: tf.Tensor2D, angle: tf.Tensor1D | null, shift: tf.Tensor2D | null, pixelIndices?: Int32Array): tf.Tensor2D;

  /** q(z, γ, Δr | x) for a batch x [B, P] (and one-hot labels c [B, conditionDim]). */
  encodeTensors(x: tf.Tensor2D, c?: tf.Tensor2D | null): PosteriorTensors {
    if (this.poseScorer) return this.encodeEquivariant(x, c ?? null, this.poseScorer);
    if (this.offsetScorer) return this.encodeOffsetSearch(x, c ?? null, this.offsetScorer);
    return tf.tidy(() => this.posteriorFromHead(this.encoderHead(x, c ?? null)) as unknown as tf.TensorContainer) as unknown as PosteriorTensors;
  }

  /** Splits the MLP head [B, 2k] into the posterior tensors (the MLP encoder's layout). */
  private posteriorFromHead(head: tf.Tensor2D): PosteriorTensors {
    return tf.tidy((): tf.TensorContainer => {
      const d = this.config.latentDim;
      const k = d + this.extraLatents();
      const mean = head.slice([0, 0], [-1, k]);
      const logVar = head.slice([0, k], [-1, k]);
      const post: PosteriorTensors = { zMean: mean.slice([0, 0], [-1, d]), zLogVar: logVar.slice([0, 0], [-1, d]) };
      let col = d;
      if (this.config.rotation) {
        post.angleMean = mean.slice([0, col], [-1, 1]).reshape([-1]) as tf.Tensor1D;
        post.angleLogVar = logVar.slice([0, col], [-1, 1]).reshape([-1]) as tf.Tensor1D;
        col += 1;
      }
      if (this.config.translation) {
        post.tMean = mean.slice([0, col], [-1, 2]);
        post.tLogVar = logVar.slice([0, col], [-1, 2]);
      }
      return post as unknown as tf.TensorContainer;
    }) as unknown as PosteriorTensors;
  }

  /** The encoder MLP's head output [B, 2k]: means then log-variances of (z, angle, shift). */
  protected encoderHead(x: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      let hdn: tf.Tensor2D = c ? tf.concat([x, c], 1) : x;
      for (const l of this.encLayers) hdn = fastTanh(dense(hdn, l.W as tf.Tensor2D, l.b as tf.Tensor1D)) as tf.Tensor2D;
      return dense(hdn, this.encHead.W as tf.Tensor2D, this.encHead.b as tf.Tensor1D);
    });
  }

  /**
   * q(z, γ, Δr | x) with the equivariant offset encoder (offset-encoder.ts): the best-scoring integer shift,
   * refined over its 3×3 neighbours, re-centres the image; the MLP reads z (and the angle, if any) from it,
   * and the shift is that offset plus a residual of at most one pixel.
   */
  private encodeOffsetSearch(x: tf.Tensor2D, c: tf.Tensor2D | null, scorer: OffsetScorer): PosteriorTensors {
    const [B, P] = x.shape;
    const [H, W] = this.config.imageShape;
    const xv = x.dataSync() as Float32Array;
    const coarse = refinedShift(shiftScores(xv, B, scorer), scorer); // [B, 2] px, dx right / dy down
    const xn = tf.tensor2d(recentredImages(xv, B, H, W, coarse.dataSync() as Float32Array, scorer.geometry.radius + 1), [B, P]);
    return tf.tidy((): tf.TensorContainer => {
      const post = this.posteriorFromHead(this.encoderHead(xn, c));
      const px = tf.tensor1d([2 / (W - 1), -2 / (H - 1)]);
      // grid units (x right, y up); the MLP's shift column is a residual of at most one pixel
      post.tMean = tf.add(tf.mul(coarse, px), tf.mul(fastTanh(post.tMean!), tf.abs(px))) as tf.Tensor2D;
      return post as unknown as tf.TensorContainer;
    }) as unknown as PosteriorTensors;
  }

  /**
   * q(z, γ, Δr | x) with the rotation-equivariant pose encoder (pose-encoder.ts): angle from the frame
   * scores of the polar image, then z, an angle residual and the shift from the MLP on the image
   * centred and de-rotated by that angle. The shift is the centroid plus the MLP's offset turned by γ.
   */
  private encodeEquivariant(x: tf.Tensor2D, c: tf.Tensor2D | null, scorer: PoseScorer): PosteriorTensors {
    const [B] = x.shape;
    const [H, W] = this.config.imageShape;
    const g = scorer.geometry;
    const xv = x.dataSync() as Float32Array;
    const centre = centroids(xv, B, H, W);
    const scores = frameScores(polarImages(xv, B, g, centre), B, scorer);
    const frames = topFrames(scores.dataSync(), B, g.steps, Math.max(1, this.config.frameCandidates ?? 1));
    let chosen = frames[0];
    if (frames.length > 1) {
      // decode each candidate frame (posterior means, a grid of pixels) and keep the best reconstruction
      const pix = candidatePixels(H, W);
      let bestNll: Float32Array | null = null;
      chosen = new Int32Array(B);
      for (const f of frames) {
        const nll = tf.tidy(() => {
          const p = this.posteriorInFrame(x, xv, c, scores, f, centre, g.steps);
          let zc: tf.Tensor2D = p.zMean;
          if (c) zc = tf.concat([zc, c], 1);
          const logits = this.decodeLogits(zc, p.angleMean!, p.tMean ?? null, pix);
          const target = tf.gather(x, tf.tensor1d(pix, "int32"), 1) as tf.Tensor2D;
          return this.config.likelihood === "bernoulli" ? bernoulliNll(logits, target) : gaussianNll(logits, target, this.config.decoderSigma);
        });
        const v = nll.dataSync() as Float32Array;
        nll.dispose();
        for (let b = 0; b < B; b++) {
          if (!bestNll || v[b] < bestNll[b]) chosen[b] = f[b];
        }
        bestNll = bestNll ? bestNll.map((u, b) => Math.min(u, v[b])) : v.slice();
      }
    }
    return this.posteriorInFrame(x, xv, c, scores, chosen, centre, g.steps);
  }

  /**
   * The posterior when frame `frame[b]` is taken for image b: angle refined around that trial, z, angle
   * residual and offset from the MLP on the image centred and de-rotated by it.
   */
  private posteriorInFrame(x: tf.Tensor2D, xv: Float32Array, c: tf.Tensor2D | null, scores: tf.Tensor2D, frame: Int32Array, centre: Float64Array, steps: number): PosteriorTensors {
    const [B, P] = x.shape;
    const [H, W] = this.config.imageShape;
    const coarse = windowedAngle(scores, frame);
    const xn = tf.tensor2d(normalisedImages(xv, B, H, W, centre, coarse.dataSync() as Float32Array), [B, P]);
    const post = tf.tidy((): tf.TensorContainer => {
      // the MLP's angle column is a residual of at most one trial step; its shift column an offset in the de-rotated frame
      const out = this.posteriorFromHead(this.encoderHead(xn, c));
      const gamma = tf.add(coarse, tf.mul((2 * Math.PI) / steps, fastTanh(out.angleMean!)));
      out.angleMean = tf.atan2(tf.sin(gamma), tf.cos(gamma)) as tf.Tensor1D;
      if (out.tMean) {
        const cg = new Float32Array(2 * B);
        for (let b = 0; b < B; b++) {
          cg[2 * b] = (2 * centre[2 * b + 1]) / (W - 1) - 1;
          cg[2 * b + 1] = 1 - (2 * centre[2 * b]) / (H - 1);
        }
        const ux = out.tMean.slice([0, 0], [-1, 1]).reshape([-1]), uy = out.tMean.slice([0, 1], [-1, 1]).reshape([-1]);
        const cos = tf.cos(gamma), sin = tf.sin(gamma);
        const turned = tf.stack([tf.sub(tf.mul(ux, cos), tf.mul(uy, sin)), tf.add(tf.mul(ux, sin), tf.mul(uy, cos))], 1);
        out.tMean = tf.add(tf.tensor2d(cg, [B, 2]), turned) as tf.Tensor2D;
      }
      return out as unknown as tf.TensorContainer;
    }) as unknown as PosteriorTensors;
    // coarse and xn stay alive until the caller's tidy ends: the backward pass still reads xn
    return post;
  }

  /**
   * The lecture's negative ELBO on a batch, with one reparameterised sample:
   * `recon + β (KL_z + KL_γ + KL_Δr)`, all terms means over the batch in nats per image.
   */
  lossTerms(x: tf.Tensor2D, c: tf.Tensor2D | null, opts: LossOptions): LossTerms {
    const beta = opts.beta ?? 1;
    return tf.tidy(() => {
      const post = this.encodeTensors(x, c);
      const B = x.shape[0];
      const k = this.config.latentDim + this.extraLatents();
      const eps = tf.randomNormal([B, k], 0, 1, "float32", opts.seed) as tf.Tensor2D;
      const d = this.config.latentDim;
      const sample = (mean: tf.Tensor, logVar: tf.Tensor, e: tf.Tensor) => tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), e));
      let z = sample(post.zMean, post.zLogVar, eps.slice([0, 0], [-1, d])) as tf.Tensor2D;
      let col = d;
      let angle: tf.Tensor1D | null = null;
      let shift: tf.Tensor2D | null = null;
      if (post.angleMean && post.angleLogVar) {
        angle = sample(post.angleMean, post.angleLogVar, eps.slice([0, col], [-1, 1]).reshape([-1])) as tf.Tensor1D;
        col += 1;
      }
      if (post.tMean && post.tLogVar) shift = sample(post.tMean, post.tLogVar, eps.slice([0, col], [-1, 2])) as tf.Tensor2D;
      if (c) z = tf.concat([z, c], 1);
      const logits = this.decodeLogits(z, angle, shift, opts.pixelIndices);
      let target = x;
      let scale = 1;
      if (opts.pixelIndices) {
        target = tf.gather(x, tf.tensor1d(opts.pixelIndices, "int32"), 1);
        scale = this.pixels / opts.pixelIndices.length;
      }
      let rec = this.config.likelihood === "bernoulli" ? bernoulliNll(logits, target) : gaussianNll(logits, target, this.config.decoderSigma);
      if (scale !== 1) rec = tf.mul(rec, scale);
      const reconstruction = tf.mean(rec) as tf.Scalar;
      const klZ = tf.mean(klStandardNormal(post.zMean, post.zLogVar)) as tf.Scalar;
      const klAngle = (post.angleMean && post.angleLogVar
        ? tf.mean(klNormal(post.angleMean.reshape([-1, 1]), post.angleLogVar.reshape([-1, 1]), this.config.rotationPrior))
        : tf.scalar(0)) as tf.Scalar;
      const klOffset = (post.tMean && post.tLogVar ? tf.mean(klNormal(post.tMean, post.tLogVar, this.config.translationPrior)) : tf.scalar(0)) as tf.Scalar;
      const loss = tf.add(reconstruction, tf.mul(beta, tf.add(tf.add(klZ, klAngle), klOffset))) as tf.Scalar;
      return { loss, reconstruction, klZ, klAngle, klOffset };
    });
  }

  // ---------- input checks ----------

  /** Validates images for this model (size, finite, range for Bernoulli) and returns an ImageStack. */
  checkImages(images: ImageStack | tf.Tensor | number[][][], where: string): ImageStack {
    const [h, w] = this.config.imageShape;
    const stack = toImageStack(images, where, { height: h, width: w });
    if (this.config.likelihood === "bernoulli") {
      const d = stack.data;
      for (let i = 0; i < d.length; i++) {
        const v = d[i];
        if (v < -1e-6 || v > 1 + 1e-6) {
          throw new IvaeInputError(
            `${where}: pixel value ${v} at flat index ${i} is outside [0, 1]; the Bernoulli likelihood expects ` +
              `intensities in [0, 1] (rescale the images, e.g. (x - min)/(max - min), or use likelihood: "gaussian")`,
          );
        }
      }
    }
    return stack;
  }

  /** Validates class labels for a conditional model (null for unconditional models). */
  checkLabels(labels: ArrayLike<number> | undefined | null, n: number, where: string): Int32Array | null {
    const k = this.config.conditionDim;
    if (k === 0) {
      check(labels == null, where, "labels were given but the model is not conditional (conditionDim = 0)");
      return null;
    }
    check(labels != null, where, `the model is conditional (conditionDim = ${k}); pass labels: one class index in [0, ${k}) per image`);
    check(labels.length === n, where, `got ${labels.length} labels for ${n} images; expected one class index per image`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = labels[i];
      if (!Number.isInteger(v) || v < 0 || v >= k) {
        throw new IvaeInputError(`${where}: label ${v} at index ${i} is not a class index in [0, ${k})`);
      }
      out[i] = v;
    }
    return out;
  }

  /** One-hot [B, conditionDim] tensor of labels[start, start+B), or null. */
  oneHot(labels: Int32Array | null, start: number, count: number): tf.Tensor2D | null {
    if (!labels) return null;
    return tf.tidy(() => tf.oneHot(tf.tensor1d(labels.subarray(start, start + count), "int32"), this.config.conditionDim).toFloat() as tf.Tensor2D);
  }

  // ---------- public API ----------

  /**
   * Encodes images in batches: posterior means and log-variances of z, and for the rVAE the angle
   * (radians, CCW-positive as displayed) and the shift dx, dy (pixels, image convention).
   */
  encode(images: ImageStack | tf.Tensor | number[][][], opts: EncodeOptions = {}): Encoding {
    return encodeImages(this, images, opts);
  }

  /**
   * Decodes latent codes z (n × latentDim, flat row-major or nested) into images, optionally with an
   * explicit angle and shift per row (e.g. the encoded ones, to reconstruct; or 0 to see the canonical pose).
   */
  decode(z: Float32Array | ArrayLike<number> | number[][], opts: DecodeOptions = {}): ImageStack {
    const where = `${this.config.className}.decode`;
    const d = this.config.latentDim;
    let flat: Float32Array;
    if (Array.isArray(z) && z.length > 0 && Array.isArray(z[0])) {
      const rows = z as number[][];
      flat = new Float32Array(rows.length * d);
      rows.forEach((r, i) => {
        check(r.length === d, where, `row ${i} of z has ${r.length} values, expected latentDim = ${d}`);
        flat.set(r, i * d);
      });
    } else {
      flat = Float32Array.from(z as ArrayLike<number>);
      check(flat.length % d === 0, where, `z has ${flat.length} values, expected a multiple of latentDim = ${d}`);
    }
    const n = flat.length / d;
    check(n > 0, where, "z is empty; expected at least one latent vector");
    checkFinite(flat, where, "z");
    const perRow = (v: number | ArrayLike<number> | undefined, name: string): Float32Array | null => {
      if (v === undefined) return null;
      if (typeof v === "number") {
        checkFinite([v], where, name);
        return new Float32Array(n).fill(v);
      }
      check(v.length === n, where, `${name} has ${v.length} values for ${n} latent vectors; expected one per row or a single number`);
      const a = Float32Array.from(v);
      checkFinite(a, where, name);
      return a;
    };
    const angle = perRow(opts.angle, "angle");
    const dx = perRow(opts.dx, "dx");
    const dy = perRow(opts.dy, "dy");
    check(!angle || this.config.rotation, where, "an angle was given but this model has no rotation latent");
    check(!(dx || dy) || this.config.translation, where, "a shift (dx/dy) was given but this model has no translation latent");
    let labels: Int32Array | null = null;
    if (this.config.conditionDim > 0) {
      const l = opts.labels;
      check(l !== undefined, where, `the model is conditional; pass labels (one class index in [0, ${this.config.conditionDim}) or one per row)`);
      labels = this.checkLabels(typeof l === "number" ? new Array(n).fill(l) : l, n, where);
    } else {
      check(opts.labels === undefined, where, "labels were given but the model is not conditional");
    }
    const [h, w] = this.config.imageShape;
    const P = h * w;
    const out = new Float32Array(n * P);
    const bs = opts.batchSize ?? 256;
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      const t = tf.tidy(() => {
        let zc = tf.tensor2d(flat.subarray(s * d, (s + m) * d), [m, d]);
        const c = this.oneHot(labels, s, m);
        if (c) zc = tf.concat([zc, c], 1);
        const a = this.config.rotation ? tf.tensor1d(angle ? angle.subarray(s, s + m) : new Float32Array(m)) : null;
        let shift: tf.Tensor2D | null = null;
        if (this.config.translation) {
          const g = new Float32Array(2 * m);
          for (let i = 0; i < m; i++) {
            g[2 * i] = dx ? (2 * dx[s + i]) / (w - 1) : 0;
            g[2 * i + 1] = dy ? (-2 * dy[s + i]) / (h - 1) : 0;
          }
          shift = tf.tensor2d(g, [m, 2]);
        }
        const logits = this.decodeLogits(zc, a, shift);
        return opts.logits ? logits : tf.sigmoid(logits);
      });
      out.set(t.dataSync(), s * P);
      t.dispose();
    }
    return { data: out, n, height: h, width: w };
  }

  /** Encodes and decodes images with the posterior means (z, angle, shift). */
  reconstruct(images: ImageStack | tf.Tensor | number[][][], opts: ReconstructOptions = {}): ImageStack {
    const enc = this.encode(images, { batchSize: opts.batchSize, labels: opts.labels });
    return this.decode(enc.zMean, { angle: enc.angle, dx: enc.dx, dy: enc.dy, labels: opts.labels, batchSize: opts.batchSize });
  }

  /**
   * Decodes a steps × steps grid of the first two latents (other latents 0), row-major over
   * (z2 descending, z1 ascending) like pyroVED's manifold2d, at a fixed angle/shift (default 0).
   */
  manifold(opts: ManifoldOptions = {}): ImageStack {
    return latentManifold(this, opts);
  }

  /** Decodes a 1-D traversal of one latent (the others held at `base`, default 0). */
  traversal(opts: TraversalOptions): ImageStack {
    return latentTraversal(this, opts);
  }

  /** All weights as plain copies, name → values. */
  getWeights(): Map<string, Float32Array> {
    return this.params.snapshot();
  }

  /** Sets weights from name → values (shapes must match). */
  setWeights(weights: Map<string, Float32Array>): void {
    this.params.vars.forEach((v, i) => {
      const name = this.params.names[i];
      const vals = weights.get(name);
      check(vals !== undefined, "setWeights", `missing weights for ${name}`);
      check(vals.length === v.size, "setWeights", `weights for ${name} have ${vals.length} values, expected ${v.size}`);
      v.assign(tf.tensor(vals, v.shape, "float32"));
    });
  }

  /** The model as in-memory tfjs ModelArtifacts (topology = this config, weights in one buffer). */
  toArtifacts(): tf.io.ModelArtifacts {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const total = this.params.count();
    const buf = new Float32Array(total);
    let o = 0;
    this.params.vars.forEach((v, i) => {
      specs.push({ name: this.params.names[i], shape: v.shape.slice(), dtype: "float32" });
      buf.set(v.dataSync() as Float32Array, o);
      o += v.size;
    });
    return {
      modelTopology: { className: this.config.className, config: { ...this.config } } as unknown as tf.io.ModelArtifacts["modelTopology"],
      format: "ivae-model",
      generatedBy: "ivae 0.1.0",
      convertedBy: null,
      weightSpecs: specs,
      weightData: buf.buffer,
    };
  }

  /** Writes model.json (with weightsManifest) and weights.bin into `dir` (created if missing). */
  async save(dir: string): Promise<void> {
    await writeArtifacts(dir, this.toArtifacts());
  }

  /** Frees the model's tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.params.dispose();
    this.disposeExtra();
  }

  protected disposeExtra(): void {}
}

/** Fills defaults and validates the options common to all models. */
export function resolveConfig(className: ModelConfig["className"], o: RVAEOptions, coordinate: boolean): ModelConfig {
  const where = `new ${className}`;
  check(o != null && typeof o === "object", where, "expected an options object with imageShape: [height, width]");
  check(Array.isArray(o.imageShape) && o.imageShape.length === 2, where, `imageShape must be [height, width], got ${JSON.stringify(o.imageShape)}`);
  checkInt(o.imageShape[0], where, "imageShape[0] (height)", 2);
  checkInt(o.imageShape[1], where, "imageShape[1] (width)", 2);
  const latentDim = o.latentDim ?? 2;
  checkInt(latentDim, where, "latentDim", 1);
  const encoderHidden = o.encoderHidden ?? [128, 128];
  const decoderHidden = o.decoderHidden ?? (coordinate ? [64, 64] : [128, 128]);
  check(Array.isArray(encoderHidden), where, "encoderHidden must be an array of layer widths");
  check(Array.isArray(decoderHidden) && decoderHidden.length >= 1, where, "decoderHidden must be a non-empty array of layer widths");
  encoderHidden.forEach((v, i) => checkInt(v, where, `encoderHidden[${i}]`, 1));
  decoderHidden.forEach((v, i) => checkInt(v, where, `decoderHidden[${i}]`, 1));
  if (coordinate) {
    check(decoderHidden.every((v) => v === decoderHidden[0]), where,
      `the coordinate decoder needs equal widths, got decoderHidden = [${decoderHidden.join(", ")}]`);
  }
  const likelihood = o.likelihood ?? "bernoulli";
  check(likelihood === "bernoulli" || likelihood === "gaussian", where, `likelihood must be "bernoulli" or "gaussian", got ${String(likelihood)}`);
  const decoderSigma = o.decoderSigma ?? 0.5;
  check(Number.isFinite(decoderSigma) && decoderSigma > 0, where, `decoderSigma must be a positive number, got ${decoderSigma}`);
  const conditionDim = o.conditionDim ?? 0;
  checkInt(conditionDim, where, "conditionDim", 0);
  const seed = o.seed ?? 0;
  check(Number.isFinite(seed), where, `seed must be a finite number, got ${seed}`);
  const rotation = coordinate ? o.rotation ?? true : false;
  const translation = coordinate ? o.translation ?? true : false;
  const rotationPrior = o.rotationPrior ?? Math.PI / 2;
  const translationPrior = o.translationPrior ?? 0.1;
  check(Number.isFinite(rotationPrior) && rotationPrior > 0, where, `rotationPrior (s_γ, radians) must be positive, got ${rotationPrior}`);
  check(Number.isFinite(translationPrior) && translationPrior > 0, where, `translationPrior (s_Δr, grid units) must be positive, got ${translationPrior}`);
  const poseEncoder = o.poseEncoder ?? "equivariant";
  check(poseEncoder === "equivariant" || poseEncoder === "mlp", where, `poseEncoder must be "equivariant" or "mlp", got ${String(poseEncoder)}`);
  const rotationSteps = o.rotationSteps ?? 64;
  checkInt(rotationSteps, where, "rotationSteps", 8);
  const offsetEncoder = o.offsetEncoder ?? "mlp";
  check(offsetEncoder === "equivariant" || offsetEncoder === "mlp", where, `offsetEncoder must be "equivariant" or "mlp", got ${String(offsetEncoder)}`);
  check(offsetEncoder === "mlp" || (translation && !(rotation && poseEncoder === "equivariant")), where,
    'offsetEncoder: "equivariant" needs translation: true and no equivariant pose encoder (that one already centres the image); use it with the shift-VAE or with poseEncoder: "mlp"');
  const side = Math.min(o.imageShape[0], o.imageShape[1]);
  const offsetSearchRadius = o.offsetSearchRadius ?? defaultOffsetSearchRadius(o.imageShape[0], o.imageShape[1]);
  if (offsetEncoder === "equivariant") {
    checkInt(offsetSearchRadius, where, "offsetSearchRadius", 1);
    check(side - 2 * (offsetSearchRadius + 1) >= 4, where,
      `offsetSearchRadius ${offsetSearchRadius} px leaves no central square of at least 4 px in a ${side}-px image (need radius ≤ ${Math.floor((side - 4) / 2) - 1})`);
  }
  const frameCandidates = o.frameCandidates ?? 1;
  checkInt(frameCandidates, where, "frameCandidates", 1);
  check(frameCandidates <= 4, where, `frameCandidates must be at most 4 (frames are at least 45° apart), got ${frameCandidates}`);
  return {
    poseEncoder: rotation ? poseEncoder : undefined, rotationSteps: rotation && poseEncoder === "equivariant" ? rotationSteps : undefined,
    frameCandidates: rotation && poseEncoder === "equivariant" ? frameCandidates : undefined,
    offsetEncoder: translation ? offsetEncoder : undefined,
    offsetSearchRadius: translation && offsetEncoder === "equivariant" ? offsetSearchRadius : undefined,
    className, imageShape: [o.imageShape[0], o.imageShape[1]], latentDim, encoderHidden: [...encoderHidden], decoderHidden: [...decoderHidden],
    likelihood, decoderSigma, conditionDim, seed, rotation, translation, skip: coordinate ? o.skip ?? false : false, rotationPrior, translationPrior,
  };
}

/** Pixels on which candidate frames are compared: a regular grid of at most ~600 pixels (every pixel for small images). */
function candidatePixels(H: number, W: number): Int32Array {
  const stride = Math.max(1, Math.round(Math.sqrt((H * W) / 600)));
  const out: number[] = [];
  for (let i = Math.floor(stride / 2); i < H; i += stride) for (let j = Math.floor(stride / 2); j < W; j += stride) out.push(i * W + j);
  return Int32Array.from(out);
}
