/**
 * Traversal: sliders (and a 2-D pad for z1, z2) over the latent coordinates, the angle and the
 * offset. The decoder's weights are sent to the browser once and decoded there with TensorFlow.js
 * (wasm, cpu fallback), so the image follows the slider without a round trip to the kernel.
 */
import { IvaeInputError } from "../util/errors";
import { DecoderDescription, HasArtifacts, decodeDescription, decoderConfig, decoderFromArtifacts } from "./decoder";
import { Json } from "./comm";
import { TRAVERSAL_DEFAULTS, TraversalState } from "./state";
import { Widget } from "./widget";

export type { TraversalState } from "./state";

/** Options of {@link Traversal}. */
export interface TraversalOptions {
  decoder: DecoderDescription;
  z?: number[];
  label?: number;
  angle?: number;
  dx?: number;
  dy?: number;
  zRange?: [number, number];
  angleRange?: [number, number];
  shiftRange?: [number, number];
  scale?: number;
  backend?: "auto" | "wasm" | "cpu";
  pad?: boolean;
}

/** Kernel side of the Traversal widget. */
export class Traversal extends Widget<TraversalState> {
  private readonly desc: DecoderDescription;
  private requestId = 0;

  constructor(opts: TraversalOptions) {
    const cfg = decoderConfig(opts.decoder.config);
    const [H, W] = cfg.imageShape;
    const z = opts.z ?? new Array(cfg.latentDim).fill(0);
    if (z.length !== cfg.latentDim || !z.every(Number.isFinite))
      throw new IvaeInputError(`Traversal: z must be ${cfg.latentDim} finite numbers`);
    super("TraversalModel", "TraversalView", {
      decoder_config: cfg,
      decoder_weights: opts.decoder.weights,
      z: [...z],
      label: opts.label ?? (cfg.conditionDim > 0 ? 0 : -1),
      angle: opts.angle ?? TRAVERSAL_DEFAULTS.angle,
      dx: opts.dx ?? TRAVERSAL_DEFAULTS.dx,
      dy: opts.dy ?? TRAVERSAL_DEFAULTS.dy,
      z_range: opts.zRange ?? TRAVERSAL_DEFAULTS.z_range,
      angle_range: opts.angleRange ?? TRAVERSAL_DEFAULTS.angle_range,
      shift_range: opts.shiftRange ?? [-Math.round(Math.min(H, W) / 4), Math.round(Math.min(H, W) / 4)],
      scale: opts.scale ?? Math.max(2, Math.round(256 / Math.max(H, W))),
      backend: opts.backend ?? TRAVERSAL_DEFAULTS.backend,
      backend_used: TRAVERSAL_DEFAULTS.backend_used,
      pad: opts.pad ?? cfg.latentDim >= 2,
    });
    this.desc = { config: cfg, weights: opts.decoder.weights };
  }

  /** A Traversal of a trained model's decoder (uses `model.toArtifacts()`). */
  static fromModel(model: HasArtifacts, opts: Omit<TraversalOptions, "decoder"> = {}): Traversal {
    return new Traversal({ ...opts, decoder: decoderFromArtifacts(model.toArtifacts()) });
  }

  /** The decoder this widget runs. */
  get decoder(): DecoderDescription {
    return this.desc;
  }

  /** Moves the sliders from the kernel. */
  setLatent(z: number[], extra: { angle?: number; dx?: number; dy?: number } = {}): void {
    if (z.length !== this.desc.config.latentDim || !z.every(Number.isFinite))
      throw new IvaeInputError(`Traversal.setLatent: z must be ${this.desc.config.latentDim} finite numbers`);
    this.set({ z: [...z], ...extra });
  }

  /** Grid-unit shift of the current dx, dy (same conversion as models/grid `pixelsToGrid`). */
  private shiftGrid(dx: number, dy: number): [number, number] {
    const [H, W] = this.desc.config.imageShape;
    return [(2 * dx) / (W - 1), (-2 * dy) / (H - 1)];
  }

  /** Input vector of the decoder for z and label (one-hot appended for conditional decoders). */
  private zInput(z: number[], label: number): Float32Array {
    const c = this.desc.config;
    const v = new Float32Array(c.latentDim + c.conditionDim);
    v.set(z);
    if (c.conditionDim > 0 && label >= 0) v[c.latentDim + label] = 1;
    return v;
  }

  /** Decodes the current (or given) slider state in Node, with the same code the browser runs. */
  decodeHere(s: { z?: number[]; angle?: number; dx?: number; dy?: number; label?: number } = {}): Float32Array {
    const z = s.z ?? this.get("z");
    const [tx, ty] = this.shiftGrid(s.dx ?? this.get("dx"), s.dy ?? this.get("dy"));
    return decodeDescription(this.desc, {
      z: this.zInput(z, s.label ?? this.get("label")),
      angle: Float32Array.of(s.angle ?? this.get("angle")),
      tx: Float32Array.of(tx),
      ty: Float32Array.of(ty),
    });
  }

  /**
   * Asks a displayed view to decode (z, angle, dx, dy) in the browser and returns its pixels, to
   * check that the browser's decoder agrees with the kernel's. Needs a live view.
   */
  async decodeInBrowser(
    s: { z?: number[]; angle?: number; dx?: number; dy?: number } = {},
    timeoutMs = 15000,
  ): Promise<{ pixels: Float32Array; backend: string }> {
    const id = ++this.requestId;
    const req = {
      type: "decode",
      id,
      z: s.z ?? this.get("z"),
      angle: s.angle ?? this.get("angle"),
      dx: s.dx ?? this.get("dx"),
      dy: s.dy ?? this.get("dy"),
    };
    const answer = this.nextCustom(
      (c) => !!c && typeof c === "object" && !Array.isArray(c) && c.type === "decoded" && c.id === id,
      timeoutMs,
    );
    this.sendCustom(req as unknown as Json);
    const { content, buffers } = await answer;
    if (!buffers[0]) throw new Error("Traversal.decodeInBrowser: the browser sent no pixels");
    const b = buffers[0];
    const pixels = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { pixels, backend: String((content as { backend?: string }).backend ?? "") };
  }
}
