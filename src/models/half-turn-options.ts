import { check } from "../util/errors";

/** The option as users pass it (part of `RVAEOptions`). */
export interface HalfTurnOption {
  /**
   * Equivariant pose encoder ("equivariant" or "group"): z is read from the canonical image (centred and de-rotated)
   * and from the same image turned by 180°, and the two readings are averaged, so z is the same whichever of two
   * opposite frames an image is given. Then z cannot tell the decoder "this is the turned variant of a class", and
   * a class whose members sit in two frames 180° apart is drawn as one image per z, which the frame choice follows
   * (with `oppositeFrames`, which offers both frames of each axis). Frame averaging over the group {0, π} (Puny et
   * al., "Frame Averaging for Invariant and Equivariant Network Design", ICLR 2022). Costs one more encoder MLP pass
   * per frame; the angle residual and the offset are read from the canonical image alone. Default false
   * (docs/experiments/rotated-digits-pose.md, session 11).
   */
  halfTurnInvariantZ?: boolean;
}

/** The field the option adds to a stored model config: present (true) only when set. */
export interface HalfTurnField {
  halfTurnInvariantZ?: true;
}

/** What the frame search reads (absent: false). */
export interface HalfTurnSearch {
  halfTurnInvariantZ?: boolean;
}

/**
 * The `halfTurnInvariantZ` option, checked; stored only when true, so that saved models without it load unchanged.
 * It needs the equivariant pose encoder's canonical frame (`framed`: rotation and poseEncoder "equivariant" or
 * "group"); elsewhere it is refused.
 */
export function halfTurnOption(o: HalfTurnOption, framed: boolean, where: string): HalfTurnField {
  const v = o.halfTurnInvariantZ ?? false;
  check(
    typeof v === "boolean" && (!v || framed),
    where,
    `halfTurnInvariantZ must be true or false and needs rotation and poseEncoder "equivariant" or "group", got ` +
      JSON.stringify(o.halfTurnInvariantZ),
  );
  return v ? { halfTurnInvariantZ: true } : {};
}

/**
 * Each image's C planes of P pixels turned by 180° about the image centre: [B, C·P] rows, every plane reversed.
 * For a canonical image (centred on the image centre, `normalisedImages`) this is exactly the image de-rotated by
 * the opposite angle: output pixel p of that image shows the input at centroid − R(γ)p, i.e. pixel −p here.
 */
export function halfTurnedPlanes(x: Float32Array, B: number, C: number, P: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let q = 0; q < B * C; q++) {
    const o = q * P;
    for (let p = 0; p < P; p++) out[o + p] = x[o + P - 1 - p];
  }
  return out;
}
