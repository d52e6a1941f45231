import { check, checkInt } from "../util/errors";
import { defaultOffsetSearchRadius } from "./offset-encoder";
import type { LikelihoodConfig } from "./parts/likelihood";
import type { FrameChoice } from "./parts/pose-frame-choice";
import type { CoordinateFeatures, Likelihood, ModelOptions, OffsetEncoder, PoseEncoder, RVAEOptions } from "./options";
import { GROUP_DEFAULTS, groupOptions } from "./group-options";
import { scaleEncoderOption, type ScaleEncoderField } from "./scale-options";
import { frameSearchOptions, frameSearchSpec, type FrameFields, type FrameSearchExtras } from "./frame-search-options";
import { latentNetOption, type LatentNetField } from "./latent-net-options";

export type { CoordinateFeatures, Likelihood, ModelOptions, OffsetEncoder, PoseEncoder, RVAEOptions } from "./options";

/** Default σ of the Fourier features' initial frequencies for an image of this size (rad per grid unit). */
export function defaultFourierScale(height: number, width: number): number {
  return 0.3 * (Math.min(height, width) - 1);
}

/** Class names of the built-in models (more can be registered, see registry.ts). */
export type BuiltinClassName = "VAE" | "CVAE" | "RVAE" | "ShiftVAE";

/**
 * Fully resolved configuration, stored flat in model.json (the format of every saved model since the first;
 * the typed choices below are read from it by `likelihoodConfig` and `encoderConfig`).
 */
export interface ModelConfig extends FrameFields, ScaleEncoderField, LatentNetField {
  className: BuiltinClassName | (string & Record<never, never>);
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
  /** present (true) only when set */
  framePosterior?: boolean;
  /** px; absent in models saved before it existed (and when 0): unbounded */
  offsetBound?: number;
  /** present (true) only when set */
  oppositeFrames?: boolean;
  /** epochs; present only when > 0 */
  poseWarmup?: number;
  /** present only when > 1 (absent: 1) */
  poseKernelHarmonics?: number;
  /** present only when "elbo" (absent: "reconstruction") */
  frameChoice?: FrameChoice;
  /** `poseEncoder: "group"` only: rotation bins R of q(r|x) and channels per rotation of its convolutions */
  groupRotations?: number;
  groupChannels?: number;
  /** absent in models saved before it existed: read as "mlp" */
  offsetEncoder?: OffsetEncoder;
  offsetSearchRadius?: number;
  /** number of classes of a discrete latent (jrVAE, ssrVAE); absent otherwise */
  classes?: number;
  /** absent in models saved before it existed: no scale latent */
  scale?: boolean;
  scalePrior?: number;
  /** weight of the scale balance term; present only when > 0 */
  scaleBalance?: number;
  /** coordinate decoders; absent in models saved before it existed: read as "linear" */
  coordinateFeatures?: CoordinateFeatures;
  fourierScale?: number;
  /** detector channels (stored only when > 1; models saved before it existed have 1) */
  channels?: number;
}

/** The number of channels of a configuration (1 when absent). */
export function configChannels(c: { channels?: number }): number {
  return c.channels ?? 1;
}

/** Configuration of the plain and conditional VAE: no pose latents. */
export type VAEConfig = ModelConfig & { className: "VAE" | "CVAE"; rotation: false; translation: false };
/** Configuration of the rVAE family (rVAE, skip-rVAE, shift-VAE). */
export type RVAEConfig = ModelConfig & { className: "RVAE" | "ShiftVAE" };

/** How a model's encoder infers its latents: the typed choice behind `poseEncoder` / `offsetEncoder`. */
export type EncoderConfig =
  | { kind: "mlp" }
  | ({ kind: "equivariant-pose"; rotationSteps: number; poseKernelHarmonics: number } & FrameSearchConfig)
  | ({ kind: "group-pose"; groupRotations: number; groupChannels: number } & FrameSearchConfig)
  | { kind: "offset-search"; radius: number };

/** The frame search of the equivariant pose encoders (polar or group scorer): candidates, posterior, warm-up. */
export interface FrameSearchConfig extends FrameSearchExtras {
  frameCandidates: number;
  framePosterior: boolean;
  offsetBound: number;
  oppositeFrames: boolean;
  poseWarmup: number;
  frameChoice: FrameChoice;
}

/** The likelihood part a configuration asks for. */
export function likelihoodConfig(c: ModelConfig): LikelihoodConfig {
  return c.likelihood === "gaussian" ? { kind: "gaussian", sigma: c.decoderSigma } : { kind: "bernoulli" };
}

/** The encoder part a configuration asks for (saved models without `poseEncoder`/`offsetEncoder` read as "mlp"). */
export function encoderConfig(c: ModelConfig): EncoderConfig {
  if (c.rotation && (c.poseEncoder === "equivariant" || c.poseEncoder === "group")) {
    const { rotationSteps = 64, frameCandidates = 1, framePosterior = false, offsetBound = 0 } = c;
    const { oppositeFrames = false, poseWarmup = 0, poseKernelHarmonics = 1, frameChoice = "reconstruction" } = c;
    const search = { frameCandidates, framePosterior, offsetBound, oppositeFrames, poseWarmup, frameChoice };
    if (c.poseEncoder === "group") {
      const { groupRotations = GROUP_DEFAULTS.rotations, groupChannels = GROUP_DEFAULTS.channels } = c;
      return { kind: "group-pose", groupRotations, groupChannels, ...search, ...frameSearchSpec(c) };
    }
    return { kind: "equivariant-pose", rotationSteps, poseKernelHarmonics, ...search, ...frameSearchSpec(c) };
  }
  if (c.translation && c.offsetEncoder === "equivariant") {
    return {
      kind: "offset-search",
      radius: c.offsetSearchRadius ?? defaultOffsetSearchRadius(c.imageShape[0], c.imageShape[1]),
    };
  }
  return { kind: "mlp" };
}

/**
 * Validates a configuration read from a saved model.json as the constructors validate options, and fills
 * what models saved before a field existed lack (`poseEncoder`, `offsetEncoder`: "mlp").
 */
export function storedConfig(raw: unknown, className: ModelConfig["className"], coordinate: boolean): ModelConfig {
  const where = "loadModel";
  check(
    raw != null && typeof raw === "object" && !Array.isArray(raw),
    where,
    `the stored config is ${JSON.stringify(raw)}; expected an object`,
  );
  const o = raw as Record<string, unknown>;
  for (const k of [
    "imageShape",
    "latentDim",
    "encoderHidden",
    "decoderHidden",
    "likelihood",
    "decoderSigma",
    "conditionDim",
    "seed",
  ]) {
    check(o[k] !== undefined, where, `the stored config lacks ${k}; expected what model.save wrote`);
  }
  const opts = {
    ...o,
    poseEncoder: o.poseEncoder ?? "mlp",
    offsetEncoder: o.offsetEncoder ?? "mlp",
    ...(coordinate ? { coordinateFeatures: o.coordinateFeatures ?? "linear" } : {}),
    offsetBound: o.offsetBound ?? 0,
  } as RVAEOptions;
  const c = resolveConfig(className, opts, coordinate, where);
  return {
    ...c,
    poseEncoder: o.poseEncoder === undefined ? undefined : c.poseEncoder,
    offsetEncoder: o.offsetEncoder === undefined ? undefined : c.offsetEncoder,
  };
}

/** Fills defaults and validates the options common to all models. */
export function resolveConfig(
  className: ModelConfig["className"],
  o: RVAEOptions,
  coordinate: boolean,
  where = `new ${className}`,
): ModelConfig {
  check(o != null && typeof o === "object", where, "expected an options object with imageShape: [height, width]");
  check(
    Array.isArray(o.imageShape) && o.imageShape.length === 2,
    where,
    `imageShape must be [height, width], got ${JSON.stringify(o.imageShape)}`,
  );
  checkInt(o.imageShape[0], where, "imageShape[0] (height)", 2);
  checkInt(o.imageShape[1], where, "imageShape[1] (width)", 2);
  const latentDim = o.latentDim ?? 2;
  checkInt(latentDim, where, "latentDim", 1);
  const encoderHidden = o.encoderHidden ?? [128, 128];
  const decoderHidden = o.decoderHidden ?? (coordinate ? [64, 64] : [128, 128]);
  check(Array.isArray(encoderHidden), where, "encoderHidden must be an array of layer widths");
  check(
    Array.isArray(decoderHidden) && decoderHidden.length >= 1,
    where,
    "decoderHidden must be a non-empty array of layer widths",
  );
  encoderHidden.forEach((v, i) => checkInt(v, where, `encoderHidden[${i}]`, 1));
  decoderHidden.forEach((v, i) => checkInt(v, where, `decoderHidden[${i}]`, 1));
  if (coordinate) {
    check(
      decoderHidden.every((v) => v === decoderHidden[0]),
      where,
      `the coordinate decoder needs equal widths, got decoderHidden = [${decoderHidden.join(", ")}]`,
    );
  }
  const likelihood = o.likelihood ?? "bernoulli";
  check(
    likelihood === "bernoulli" || likelihood === "gaussian",
    where,
    `likelihood must be "bernoulli" or "gaussian", got ${String(likelihood)}`,
  );
  const decoderSigma = o.decoderSigma ?? 0.5;
  const sigmaOk = Number.isFinite(decoderSigma) && decoderSigma > 0;
  check(sigmaOk, where, `decoderSigma must be a positive number, got ${decoderSigma}`);
  const conditionDim = o.conditionDim ?? 0;
  checkInt(conditionDim, where, "conditionDim", 0);
  const seed = o.seed ?? 0;
  check(Number.isFinite(seed), where, `seed must be a finite number, got ${seed}`);
  const channels = o.channels ?? 1;
  checkInt(channels, where, "channels (detector channels per pixel)", 1);
  for (const k of ["rotation", "translation", "skip", "scale"] as const) {
    check(
      o[k] === undefined || typeof o[k] === "boolean",
      where,
      `${k} must be true or false, got ${JSON.stringify(o[k])}`,
    );
  }
  const rotation = coordinate ? (o.rotation ?? true) : false;
  const translation = coordinate ? (o.translation ?? true) : false;
  const rotationPrior = o.rotationPrior ?? Math.PI / 2;
  const translationPrior = o.translationPrior ?? 0.1;
  check(
    Number.isFinite(rotationPrior) && rotationPrior > 0,
    where,
    `rotationPrior (s_γ, radians) must be positive, got ${rotationPrior}`,
  );
  check(
    Number.isFinite(translationPrior) && translationPrior > 0,
    where,
    `translationPrior (s_Δr, grid units) must be positive, got ${translationPrior}`,
  );
  const poseEncoder = o.poseEncoder ?? "equivariant";
  check(
    poseEncoder === "equivariant" || poseEncoder === "group" || poseEncoder === "mlp",
    where,
    `poseEncoder must be "equivariant", "group" or "mlp", got ${String(poseEncoder)}`,
  );
  // the polar ("equivariant") and the group-convolution scorer share the frame search and its options
  const framed = poseEncoder === "equivariant" || poseEncoder === "group";
  const group = groupOptions(o, rotation && poseEncoder === "group", where);
  const rotationSteps = o.rotationSteps ?? 64;
  checkInt(rotationSteps, where, "rotationSteps", 8);
  const offsetEncoder = o.offsetEncoder ?? "mlp";
  check(
    offsetEncoder === "equivariant" || offsetEncoder === "mlp",
    where,
    `offsetEncoder must be "equivariant" or "mlp", got ${String(offsetEncoder)}`,
  );
  check(
    offsetEncoder === "mlp" || (translation && !(rotation && framed)),
    where,
    'offsetEncoder: "equivariant" needs translation: true and no equivariant pose encoder (that one already ' +
      'centres the image); use it with the shift-VAE or with poseEncoder: "mlp"',
  );
  const side = Math.min(o.imageShape[0], o.imageShape[1]);
  const offsetSearchRadius = o.offsetSearchRadius ?? defaultOffsetSearchRadius(o.imageShape[0], o.imageShape[1]);
  if (offsetEncoder === "equivariant") {
    checkInt(offsetSearchRadius, where, "offsetSearchRadius", 1);
    check(
      side - 2 * (offsetSearchRadius + 1) >= 4,
      where,
      `offsetSearchRadius ${offsetSearchRadius} px leaves no central square of at least 4 px in a ${side}-px ` +
        `image (need radius ≤ ${Math.floor((side - 4) / 2) - 1})`,
    );
  }
  const scale = coordinate ? (o.scale ?? false) : false;
  check(coordinate || !o.scale, where, "scale: true needs the coordinate decoder (RVAE or ShiftVAE)");
  const scalePrior = o.scalePrior ?? 0.1;
  check(
    Number.isFinite(scalePrior) && scalePrior > 0 && scalePrior < 1,
    where,
    `scalePrior (σ_s) must be in (0, 1), got ${scalePrior}`,
  );
  // Fourier features need a layer after them for z: one-layer decoders default to the linear layer
  const coordinateFeatures = coordinate
    ? (o.coordinateFeatures ?? (decoderHidden.length >= 2 ? "fourier" : "linear"))
    : undefined;
  check(
    coordinateFeatures === undefined || coordinateFeatures === "fourier" || coordinateFeatures === "linear",
    where,
    `coordinateFeatures must be "fourier" or "linear", got ${JSON.stringify(o.coordinateFeatures)}`,
  );
  check(
    coordinate || o.coordinateFeatures === undefined,
    where,
    "coordinateFeatures needs the coordinate decoder (RVAE or ShiftVAE)",
  );
  check(
    coordinateFeatures !== "fourier" || decoderHidden.length >= 2,
    where,
    `coordinateFeatures: "fourier" needs at least two decoder layers (features, then z), got decoderHidden = ` +
      `[${decoderHidden.join(", ")}]`,
  );
  const fourierScale = o.fourierScale ?? defaultFourierScale(o.imageShape[0], o.imageShape[1]);
  check(
    Number.isFinite(fourierScale) && fourierScale > 0,
    where,
    `fourierScale (σ, rad per grid unit) must be positive, got ${fourierScale}`,
  );
  const frameCandidates = o.frameCandidates ?? 1;
  checkInt(frameCandidates, where, "frameCandidates", 1);
  check(frameCandidates <= 16, where, `frameCandidates must be at most 16, got ${frameCandidates}`);
  const framePosterior = o.framePosterior ?? false;
  check(
    typeof framePosterior === "boolean" && (!framePosterior || (framed && frameCandidates >= 2)),
    where,
    `framePosterior must be true or false and needs poseEncoder "equivariant" or "group" with frameCandidates ≥ 2, ` +
      `got framePosterior ${JSON.stringify(o.framePosterior)}, frameCandidates ${frameCandidates}`,
  );
  const oppositeFrames = o.oppositeFrames ?? false;
  check(
    typeof oppositeFrames === "boolean" && (!oppositeFrames || (rotation && framed && frameCandidates % 2 === 0)),
    where,
    `oppositeFrames must be true or false and needs poseEncoder "equivariant" or "group" with an even ` +
      `frameCandidates, got oppositeFrames ${JSON.stringify(o.oppositeFrames)}, frameCandidates ${frameCandidates}`,
  );
  const poseWarmup = o.poseWarmup ?? 0;
  checkInt(poseWarmup, where, "poseWarmup", 0);
  check(
    poseWarmup === 0 || (rotation && framed),
    where,
    `poseWarmup (epochs with z held at 0) needs rotation and poseEncoder "equivariant" or "group", got ${poseWarmup}`,
  );
  const poseKernelHarmonics = o.poseKernelHarmonics ?? 1;
  checkInt(poseKernelHarmonics, where, "poseKernelHarmonics", 1);
  check(
    poseKernelHarmonics <= 4 && (poseKernelHarmonics === 1 || (rotation && poseEncoder === "equivariant")),
    where,
    `poseKernelHarmonics (the pose scorer's initial kernel) must be at most 4 and needs rotation and poseEncoder ` +
      `"equivariant", got ${poseKernelHarmonics}`,
  );
  const frameChoice = o.frameChoice ?? "reconstruction";
  check(
    (frameChoice === "reconstruction" || frameChoice === "elbo") &&
      (frameChoice === "reconstruction" || (rotation && framed)),
    where,
    `frameChoice must be "reconstruction" or "elbo" (the latter needs poseEncoder "equivariant" or "group"), got ` +
      `${JSON.stringify(o.frameChoice)}`,
  );
  // the scale balance term (parts/scale-balance.ts) reads one posterior per image: not the frame mixture
  const scaleBalance = o.scaleBalance ?? 0;
  check(
    Number.isFinite(scaleBalance) && scaleBalance >= 0 && (scaleBalance === 0 || (scale && !framePosterior)),
    where,
    `scaleBalance (a weight, 0 = none) must be ≥ 0 and needs scale: true without framePosterior, got ` +
      `${JSON.stringify(o.scaleBalance)}`,
  );
  const boundable = rotation && translation && framed;
  const offsetBound = o.offsetBound ?? (boundable ? 2 : 0);
  check(
    Number.isFinite(offsetBound) && offsetBound >= 0 && (offsetBound === 0 || boundable),
    where,
    `offsetBound (px, 0 = unbounded) must be ≥ 0 and needs rotation, translation and the equivariant pose ` +
      `encoder, got ${JSON.stringify(o.offsetBound)}`,
  );
  return {
    poseEncoder: rotation ? poseEncoder : undefined,
    rotationSteps: rotation && poseEncoder === "equivariant" ? rotationSteps : undefined,
    frameCandidates: rotation && framed ? frameCandidates : undefined,
    ...(rotation && framePosterior ? { framePosterior } : {}),
    ...(offsetBound > 0 ? { offsetBound } : {}),
    ...(oppositeFrames ? { oppositeFrames } : {}),
    ...(poseWarmup > 0 ? { poseWarmup } : {}),
    ...(poseKernelHarmonics > 1 ? { poseKernelHarmonics } : {}),
    ...(frameChoice === "elbo" ? { frameChoice } : {}),
    ...frameSearchOptions(o, rotation && framed, framePosterior || frameChoice === "elbo", where),
    ...group,
    offsetEncoder: translation ? offsetEncoder : undefined,
    offsetSearchRadius: translation && offsetEncoder === "equivariant" ? offsetSearchRadius : undefined,
    ...(scale ? { scale, scalePrior } : {}),
    ...(scaleBalance > 0 ? { scaleBalance } : {}),
    ...scaleEncoderOption(o, { scale, rotation, framed, offsetEncoder }, where),
    ...(coordinateFeatures ? { coordinateFeatures } : {}),
    ...(coordinateFeatures === "fourier" ? { fourierScale } : {}),
    ...latentNetOption(o, coordinate, where),
    ...(channels > 1 ? { channels } : {}),
    className,
    imageShape: [o.imageShape[0], o.imageShape[1]],
    latentDim,
    encoderHidden: [...encoderHidden],
    decoderHidden: [...decoderHidden],
    likelihood,
    decoderSigma,
    conditionDim,
    seed,
    rotation,
    translation,
    skip: coordinate ? (o.skip ?? false) : false,
    rotationPrior,
    translationPrior,
  };
}
