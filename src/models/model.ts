import * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import { withPixelTarget } from "../native/hooks";
import { checkInt } from "../util/errors";
import { Random } from "../util/random";
import { configChannels, encoderConfig, likelihoodConfig, ModelConfig } from "./config";
import type { DecodeOptions, LossOptions, LossTerms, PosteriorTensors, ReconstructOptions } from "./contracts";
import { encodeImages, Encoding, EncodeOptions } from "./encode";
import { decodeInputs } from "./decode-inputs";
import { checkModelImages, checkModelLabels } from "./inputs";
import { latentManifold, latentTraversal, ManifoldOptions, TraversalOptions } from "./manifold";
import { createOffsetScorer, offsetGeometry } from "./offset-encoder";
import { ParamStore } from "./params";
import { channelPixelIndices, type Decoder } from "./parts/decoder";
import { HeadColumn, MlpEncoder, type Encoder } from "./parts/encoder";
import { EquivariantPoseEncoder } from "./parts/equivariant-pose-encoder";
import { makeFrameScorer } from "./parts/frame-scorers";
import { frameMixtureElbo } from "./parts/frame-posterior";
import { candidateNegElbo } from "./parts/pose-frame-choice";
import { LatentSpec, negativeElbo, Posterior, sampleLatents } from "./parts/latents";
import { Likelihood, makeLikelihood } from "./parts/likelihood";
import { OffsetSearchEncoder } from "./parts/offset-search-encoder";
import { mlpOrCentredScale, scaleSearchOf, withScaleTerms } from "./parts/scale";
import { artifactsOf } from "./weights";
import { writeArtifacts } from "./io";
import { meanIntensityLogits } from "./output-bias";
import { POSE_INIT_LOGVAR, poseLatents } from "./pose-latents";

export * from "./config";
export { POSE_INIT_LOGVAR, poseLatents } from "./pose-latents";
export type { PosteriorTensors, LossTerms, LossOptions, DecodeOptions, ReconstructOptions } from "./contracts";

/**
 * A model wired from parts: an `Encoder` (posterior of each latent), a `Decoder` (logits), a `Likelihood`
 * (nll, mean image) and the latent specs from which the ELBO's named terms are built. VAE, CVAE, RVAE and
 * ShiftVAE are small subclasses that choose the parts.
 */
export abstract class LatentModel {
  readonly config: ModelConfig;
  readonly params = new ParamStore();
  readonly likelihood: Likelihood;
  readonly latents: LatentSpec[];
  protected readonly encoder: Encoder;
  protected readonly decoder: Decoder;
  private disposed = false;
  /** True until the weights are trained or set (loaded); `train`'s `initOutputBias` acts on fresh models only. */
  fresh = true;

  /**
   * `makeDecoder` gets the generator after the encoder's draws, so that a seed gives the same weights as
   * before, and the decoder's input width (`contentDim`: the continuous and discrete latents plus the
   * condition). `latents` defaults to `poseLatents(config)`.
   */
  protected constructor(
    config: ModelConfig,
    makeDecoder: (params: ParamStore, rng: Random, contentDim: number) => Decoder,
    latents?: LatentSpec[],
  ) {
    this.config = config;
    this.likelihood = makeLikelihood(likelihoodConfig(config));
    this.latents = latents ?? poseLatents(config);
    const [h, w] = config.imageShape;
    const C = configChannels(config);
    const rng = new Random(config.seed);
    try {
      // the pose's log-variance biases start at POSE_INIT_LOGVAR (pose-latents.ts says why)
      const columns: HeadColumn[] = this.latents.map((s) => ({
        name: s.name,
        dim: s.dim,
        initLogVar: s.name === "z" ? 0 : POSE_INIT_LOGVAR,
      }));
      // the encoder reads every channel: its input is the C·h·w values of an image (channel planes)
      const mlp = new MlpEncoder(this.params, C * h * w + config.conditionDim, config.encoderHidden, columns, rng);
      const enc = encoderConfig(config);
      switch (enc.kind) {
        case "mlp":
          this.encoder = mlpOrCentredScale(mlp, this.params, config);
          break;
        case "equivariant-pose":
        case "group-pose":
          this.encoder = new EquivariantPoseEncoder(
            mlp,
            makeFrameScorer(this.params, enc, h, w, C, rng),
            (post, c, pix, x) => {
              const nll = this.likelihood.nll(
                this.decodeSample(this.latentMeans(post), c, pix),
                tf.gather(x, tf.tensor1d(channelPixelIndices(pix, h * w, C), "int32"), 1) as tf.Tensor2D,
              );
              return enc.frameChoice === "elbo" ? candidateNegElbo(nll, (h * w) / pix.length, this.latents, post) : nll;
            },
            { ...enc, channels: C, scaleSearch: scaleSearchOf(this.params, config) },
          );
          break;
        case "offset-search":
          this.encoder = new OffsetSearchEncoder(
            mlp,
            createOffsetScorer(this.params, offsetGeometry(h, w, enc.radius), rng),
            C,
          );
          break;
      }
      const content = this.latents.filter(isContent).reduce((a, l) => a + l.dim, 0) + config.conditionDim;
      this.decoder = makeDecoder(this.params, rng.fork(), content);
    } catch (e) {
      this.params.dispose();
      throw e;
    }
  }

  /** True when q(γ|x) comes from the rotation-equivariant encoder. */
  usesEquivariantPose(): boolean {
    return this.config.rotation && (this.config.poseEncoder === "equivariant" || this.config.poseEncoder === "group");
  }

  /** Number of pixels per image (per channel). */
  get pixels(): number {
    return this.config.imageShape[0] * this.config.imageShape[1];
  }

  /** Detector channels per pixel (1 unless the model was built with `channels`). */
  get channels(): number {
    return configChannels(this.config);
  }

  /** Number of latent columns besides z (1 for the angle, 2 for the shift). */
  extraLatents(): number {
    return this.latents.reduce((a, s) => a + s.dim, 0) - this.config.latentDim;
  }

  /** Total number of trainable parameters. */
  numParams(): number {
    return this.params.count();
  }

  /**
   * Decoder logits [B, P] (or [B, m] for a pixel subset). `zc` is z concatenated with the one-hot label,
   * `angle` [B] radians CCW, `shift` [B, 2] in grid units (x right, y up).
   */
  decodeLogits(
    zc: tf.Tensor2D,
    angle: tf.Tensor1D | null,
    shift: tf.Tensor2D | null,
    pixelIndices?: Int32Array,
  ): tf.Tensor2D {
    return this.decoder.logits(zc, { angle, shift }, pixelIndices);
  }

  /**
   * Logits from a value of every latent (a sample or the means): the content latents (continuous, discrete)
   * in spec order with the condition appended go in as the code, angle, offset and scale as the pose.
   */
  protected decodeSample(
    v: Record<string, tf.Tensor2D>,
    c: tf.Tensor2D | null,
    pixelIndices?: Int32Array,
  ): tf.Tensor2D {
    return tf.tidy(() => {
      const parts = this.latents.filter(isContent).map((l) => v[l.name]);
      if (c) parts.push(c);
      const zc = parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
      const angle = v.angle ? (v.angle.reshape([-1]) as tf.Tensor1D) : null;
      const scale = v.scale
        ? (tf.add(1, tf.mul(this.config.scalePrior ?? 0.1, v.scale.reshape([-1]))) as tf.Tensor1D)
        : null;
      return this.decoder.logits(zc, { angle, shift: v.offset ?? null, scale }, pixelIndices);
    });
  }

  /** The value of every latent decoded for its posterior "mean" (the mean; class probabilities for a discrete one). */
  latentMeans(post: Posterior): Record<string, tf.Tensor2D> {
    const out: Record<string, tf.Tensor2D> = {};
    for (const l of this.latents) out[l.name] = l.mean ? l.mean(post[l.name]) : post[l.name].mean;
    return out;
  }

  /** q(latents | x) for a batch x [B, C·P] (channel planes; labels c); `frameHint`: the frames (encode's `angles`). */
  encodeTensors(x: tf.Tensor2D, c?: tf.Tensor2D | null, frameHint?: Float32Array): PosteriorTensors {
    return tf.tidy((): tf.TensorContainer => {
      const post = this.encoder.posterior(x, c ?? null, undefined, frameHint); // encodeImages checked the hints
      const out: PosteriorTensors = { zMean: post.z.mean, zLogVar: post.z.logVar, latents: post };
      if (post.angle) {
        out.angleMean = post.angle.mean.reshape([-1]) as tf.Tensor1D;
        out.angleLogVar = post.angle.logVar.reshape([-1]) as tf.Tensor1D;
      }
      if (post.offset) {
        out.tMean = post.offset.mean;
        out.tLogVar = post.offset.logVar;
      }
      const discrete = this.latents.find((l) => l.kind === "discrete");
      if (discrete) out.classProbs = tf.softmax(post[discrete.name].mean) as tf.Tensor2D;
      if (post.scale) {
        out.scaleMean = tf.add(1, tf.mul(this.config.scalePrior ?? 0.1, post.scale.mean.reshape([-1]))) as tf.Tensor1D;
        out.scaleLogVar = post.scale.logVar.reshape([-1]) as tf.Tensor1D;
      }
      return out as unknown as tf.TensorContainer;
    }) as unknown as PosteriorTensors;
  }

  /**
   * The negative ELBO on a batch with one reparameterised sample: `reconstruction + β Σ KL`, the KL terms
   * built from the latent specs, all means over the batch in nats per image.
   */
  lossTerms(x: tf.Tensor2D, c: tf.Tensor2D | null, opts: LossOptions): LossTerms {
    const beta = opts.beta ?? 1;
    return tf.tidy((): tf.TensorContainer => {
      const rec = (post: Posterior): tf.Tensor1D => {
        const cols = opts.pixelIndices ? channelPixelIndices(opts.pixelIndices, this.pixels, this.channels) : null;
        const target = cols ? (tf.gather(x, tf.tensor1d(cols, "int32"), 1) as tf.Tensor2D) : x; // [B, C·m]
        const dec = () => this.decodeSample(sampleLatents(this.latents, post, opts.seed), c, opts.pixelIndices);
        const nll = this.likelihood.nll(withPixelTarget(target, this.likelihood, dec), target); // hooks.ts
        return opts.pixelIndices ? tf.mul(nll, this.pixels / opts.pixelIndices.length) : nll;
      };
      // the frame posterior (frame-posterior.ts) marginalises the ELBO over the candidate frames
      const pose = this.encoder instanceof EquivariantPoseEncoder ? this.encoder : null;
      const mix = pose ? pose.frameMixture(x, c, opts.epoch) : null;
      const post = mix ? null : pose ? pose.posterior(x, c, opts.epoch, opts.frameHint) : this.encoder.posterior(x, c);
      const { loss, terms } = mix
        ? frameMixtureElbo(this.latents, mix, rec, beta)
        : negativeElbo(this.latents, post!, rec(post!), beta);
      const zero = tf.scalar(0);
      // the scale latent's own terms (parts/scale.ts): the balance term, the content reference's fit
      return {
        loss: withScaleTerms(this.config, post, loss, terms),
        terms,
        reconstruction: terms.reconstruction,
        klZ: terms.klZ ?? zero,
        klAngle: terms.klAngle ?? zero,
        klOffset: terms.klOffset ?? zero,
      };
    }) as unknown as LossTerms;
  }

  /** Validates images for this model (size, finite, range for Bernoulli) and returns an ImageStack. */
  checkImages(images: ImageStack | tf.Tensor | number[][][], where: string): ImageStack {
    return checkModelImages(this.config, images, where);
  }

  /** Validates class labels for a conditional model (null for unconditional models). */
  checkLabels(labels: ArrayLike<number> | undefined | null, n: number, where: string): Int32Array | null {
    return checkModelLabels(this.config.conditionDim, labels, n, where);
  }

  /**
   * The label tensor a training batch passes to `lossTerms` for these (checked) labels: the one-hot condition
   * [B, conditionDim] (semi-supervised models override it).
   */
  labelBatch(labels: Int32Array): tf.Tensor2D {
    return this.oneHot(labels, 0, labels.length)!;
  }

  /** One-hot [B, conditionDim] tensor of labels[start, start+B), or null. */
  oneHot(labels: Int32Array | null, start: number, count: number): tf.Tensor2D | null {
    if (!labels) return null;
    return tf.tidy(
      () =>
        tf
          .oneHot(tf.tensor1d(labels.subarray(start, start + count), "int32"), this.config.conditionDim)
          .toFloat() as tf.Tensor2D,
    );
  }

  /**
   * Encodes images in batches: posterior means and log-variances of z, and for the rVAE the angle
   * (radians, CCW-positive as displayed) and the shift dx, dy (pixels, image convention).
   */
  encode(images: ImageStack | tf.Tensor | number[][][], opts: EncodeOptions = {}): Encoding {
    return encodeImages(this, images, opts);
  }

  /**
   * Decodes latent codes z (n × latentDim, flat row-major or nested) into images (the likelihood's mean),
   * optionally with an explicit angle and shift per row (e.g. the encoded ones, to reconstruct; or 0 for
   * the canonical pose).
   */
  decode(z: Float32Array | ArrayLike<number> | number[][], opts: DecodeOptions = {}): ImageStack {
    const where = `${this.config.className}.decode`;
    const d = this.config.latentDim;
    const { flat, n, angle, dx, dy, scale, discrete, classes, labels } = decodeInputs(this, z, opts, where);
    this.beginDecode(opts, n, where);
    const bs = opts.batchSize ?? 256;
    checkInt(bs, where, "batchSize", 1);
    const [h, w] = this.config.imageShape;
    const C = this.channels;
    const P = C * h * w; // values per decoded image: channel planes
    const out = new Float32Array(n * P);
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      const t = tf.tidy(() => {
        const v: Record<string, tf.Tensor2D> = { z: tf.tensor2d(flat.subarray(s * d, (s + m) * d), [m, d]) };
        if (this.config.rotation) v.angle = tf.tensor2d(angle ? angle.subarray(s, s + m) : new Float32Array(m), [m, 1]);
        if (this.config.translation) {
          const g = new Float32Array(2 * m);
          for (let i = 0; i < m; i++) {
            g[2 * i] = dx ? (2 * dx[s + i]) / (w - 1) : 0;
            g[2 * i + 1] = dy ? (-2 * dy[s + i]) / (h - 1) : 0;
          }
          v.offset = tf.tensor2d(g, [m, 2]);
        }
        // s = 1 + σ_s u: the latent value of the asked scale (default 1)
        if (this.config.scale)
          v.scale = tf.tensor2d(
            scale
              ? scale.subarray(s, s + m).map((x) => (x - 1) / (this.config.scalePrior ?? 0.1))
              : new Float32Array(m),
            [m, 1],
          );
        if (discrete && classes) {
          v[discrete.name] = tf
            .oneHot(tf.tensor1d(classes.subarray(s, s + m), "int32"), discrete.dim)
            .toFloat() as tf.Tensor2D;
        }
        this.decodeExtras(v, s, m);
        const logits = this.decodeSample(v, this.oneHot(labels, s, m));
        return opts.logits ? logits : this.likelihood.mean(logits);
      });
      out.set(t.dataSync(), s * P);
      t.dispose();
    }
    return C > 1 ? { data: out, n, height: h, width: w, channels: C } : { data: out, n, height: h, width: w };
  }

  /** Hook for models with further latents: checks their `decode` options (called once per decode). */
  protected beginDecode(_opts: DecodeOptions, _n: number, _where: string): void {}

  /** Hook for models with further latents: adds their values for rows [s, s + m) of a decode to `v`. */
  protected decodeExtras(_v: Record<string, tf.Tensor2D>, _s: number, _m: number): void {}

  /** Hook for models with further latents: the decode options that reproduce an encoding. */
  protected reconstructExtras(_enc: Encoding): Partial<DecodeOptions> {
    return {};
  }

  /** Encodes and decodes images with the posterior means (z, angle, shift). */
  reconstruct(images: ImageStack | tf.Tensor | number[][][], opts: ReconstructOptions = {}): ImageStack {
    const enc = this.encode(images, { batchSize: opts.batchSize, labels: opts.labels });
    return this.decode(enc.zMean, {
      classes: enc.classes,
      ...this.reconstructExtras(enc),
      angle: enc.angle,
      dx: enc.dx,
      dy: enc.dy,
      scale: enc.scale,
      labels: opts.labels,
      batchSize: opts.batchSize,
    });
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

  /** Sets weights from name → values (every parameter, shapes must match, values finite). */
  setWeights(weights: Map<string, Float32Array>): void {
    this.params.setAll(weights, "setWeights");
    this.fresh = false;
  }

  /** Starts the decoder's output bias at the logit of the images' mean per channel (coordinate decoders only). */
  initOutputBias(images: ImageStack): void {
    this.decoder.setOutputBias?.(meanIntensityLogits(images, this.channels));
  }

  /** The model as in-memory tfjs ModelArtifacts (topology = this config, weights in one buffer). */
  toArtifacts(): tf.io.ModelArtifacts {
    return artifactsOf(this.config, this.params);
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
    this.decoder.dispose();
  }
}

/** Latents that enter the decoder as its code (the others set the pose). */
function isContent(l: LatentSpec): boolean {
  return l.kind === "continuous" || l.kind === "discrete";
}
