import type { ImageStack } from "../data/image-stack";
import type * as tf from "@tensorflow/tfjs";
import { check } from "../util/errors";
import { configChannels, ModelConfig, resolveConfig, RVAEOptions, storedConfig } from "./config";
import type { EncodeOptions, PoseEncoding, ShiftEncoding } from "./encode";
import { LatentModel } from "./model";
import { latentNetSpec } from "./latent-net-options";
import { CoordinateDecoder, coordinateLayerConfig } from "./parts/coordinate-decoder";
import type { LatentSpec } from "./parts/latents";
import { registerModel } from "./registry";

/** A model with the coordinate decoder: the rVAE family. */
export abstract class CoordinateModel extends LatentModel {
  protected constructor(c: ModelConfig, latents?: LatentSpec[]) {
    super(
      c,
      (params, rng, content) =>
        new CoordinateDecoder(
          params,
          c.imageShape,
          content,
          c.decoderHidden,
          c.skip,
          rng,
          coordinateLayerConfig(c),
          configChannels(c),
          latentNetSpec(c),
        ),
      latents,
    );
  }
}

/**
 * Rotation/translation invariant VAE (rVAE, after Bepler et al.'s spatial-VAE and pyroVED/AtomAI).
 * The encoder gives q(z|x), q(γ|x) and q(Δr|x); the decoder is an MLP of the pixel coordinates: the
 * canonical image f(c; z) is rendered rotated by γ (CCW as displayed) and shifted by Δr, i.e. pixel c
 * shows f(R(−γ)(c − Δr); z). `translation: false` gives the rotation-only rVAE, `skip: true` the
 * skip-rVAE (z added to every hidden layer), `conditionDim` the conditional rVAE; for translation only
 * use `ShiftVAE`.
 */
export class RVAE extends CoordinateModel {
  constructor(options: RVAEOptions, config?: ModelConfig) {
    check(
      config !== undefined || options?.rotation !== false,
      "new RVAE",
      "rotation: false leaves no angle latent; use new ShiftVAE(...) for translation only",
    );
    super(config ?? resolveConfig("RVAE", options, true));
  }

  /** As `LatentModel.encode`, with the angle always present. */
  override encode(images: ImageStack | tf.Tensor | number[][][], opts: EncodeOptions = {}): PoseEncoding {
    return super.encode(images, opts) as PoseEncoding;
  }
}

/** Shift-VAE: the rVAE with translation only (no angle latent). */
export class ShiftVAE extends CoordinateModel {
  constructor(options: Omit<RVAEOptions, "rotation">, config?: ModelConfig) {
    super(config ?? resolveConfig("ShiftVAE", { ...options, rotation: false }, true));
  }

  /** As `LatentModel.encode`, with the shift always present. */
  override encode(images: ImageStack | tf.Tensor | number[][][], opts: EncodeOptions = {}): ShiftEncoding {
    return super.encode(images, opts) as ShiftEncoding;
  }
}

registerModel("RVAE", (raw) => {
  const c = storedConfig(raw, "RVAE", true);
  return new RVAE(c, c);
});
registerModel("ShiftVAE", (raw) => {
  check(
    (raw as { rotation?: unknown }).rotation !== true,
    "loadModel",
    "a ShiftVAE config with rotation: true; expected rotation: false",
  );
  const c = storedConfig({ ...(raw as object), rotation: false }, "ShiftVAE", true);
  return new ShiftVAE(c, c);
});
