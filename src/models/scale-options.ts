import { check } from "../util/errors";

/** The saved configuration's scale-encoder fields: each present only when set (older saves load unchanged). */
export interface ScaleEncoderField {
  scaleEncoder?: "equivariant";
  /** present only when "content" (parts/scale-reference.ts) */
  scaleReference?: "content";
  /** present only when true (parts/scale-balance.ts) */
  scaleBalanceDebiased?: true;
  /** present only when false (parts/scale-search.ts) */
  scaleCorrection?: false;
  /** present only when set (parts/scale-search.ts) */
  scaleCorrectionMax?: number;
  /** present only when set (parts/scale-search.ts) */
  scaleReferenceNeighbours?: number;
}

/** The scale options that live here (config.ts and options.ts are full): RVAEOptions extends it. */
export interface ScaleRecipeOptions {
  /**
   * Which size is "scale 1" for the equivariant scale encoder. "global" (default): one trainable r_ref for all
   * contents, each class's offset left to the MLP's correction. "content": r_ref(z), a small net of the content
   * latent fitted to log r_g by least squares (loss term `scaleFit`), so that every class z separates has mean
   * log ŝ 0, as in data that draw every class at the same relative scales (parts/scale-reference.ts). Needs
   * `scaleEncoder: "equivariant"`.
   */
  scaleReference?: "global" | "content";
  /**
   * The scale balance term with its kernel weights held constant (no gradient into z) and the −var/B bias of its
   * spread part removed (default false; needs `scaleBalance` > 0): the term as first written rewarded a z that
   * separates nothing (parts/scale-balance.ts).
   */
  scaleBalanceDebiased?: boolean;
  /**
   * Whether the MLP corrects the equivariant encoder's coarse scale, s = ŝ·exp(σ_s·a) (default true). false: the
   * posterior mean of s is ŝ itself and the MLP's scale column gives only its log-variance. With
   * `scaleReference: "content"` the correction has no per-class offset left to take out, and what it still could
   * do cost r: follow the size within a class through blur, or move a class's mean (docs/experiments/scale-latent.md,
   * session 11). Needs `scaleEncoder: "equivariant"`.
   */
  scaleCorrection?: boolean;
  /**
   * Largest |log| of the MLP's correction, reached smoothly: log s = log ŝ + m·tanh(σ_s·a/m). Unset: a hard clip at
   * 1 (a factor e). A small m (e.g. 0.1) leaves the correction the residuals of the content reference and keeps it
   * from undoing the size inside a class. Needs `scaleEncoder: "equivariant"` and the correction on.
   */
  scaleCorrectionMax?: number;
  /**
   * With `scaleReference: "content"`: the reference is fitted to the kernel mean of log r_g around each image's z
   * (kernel width: the distance to its k-th nearest neighbour in the batch) instead of its own log r_g, so that it
   * cannot follow a size that z holds within a class. Unset: each image's own.
   */
  scaleReferenceNeighbours?: number;
}

/**
 * The `scaleEncoder`, `scaleReference`, `scaleBalanceDebiased` and `scaleCorrection` options, checked; each stored
 * only when set (parts/scale-search.ts), so that no other configuration changes. `scaleEncoder: "equivariant"`
 * needs the scale latent, and a centre to measure the size about: the equivariant pose encoder's centroid with
 * rotation; without rotation it brings its own centring, so not the offset search.
 */
export function scaleEncoderOption(
  // the fields of RVAEOptions read here (options.ts imports this file's types: no import back)
  o: ScaleRecipeOptions & { scaleEncoder?: unknown; scaleBalance?: number; framePosterior?: boolean },
  c: { scale: boolean; rotation: boolean; framed: boolean; offsetEncoder: string },
  where: string,
): ScaleEncoderField {
  const scaleEncoder = o.scaleEncoder ?? "mlp";
  check(
    (scaleEncoder === "mlp" || scaleEncoder === "equivariant") &&
      (scaleEncoder === "mlp" || (c.scale && (c.rotation ? c.framed : c.offsetEncoder === "mlp"))),
    where,
    `scaleEncoder must be "mlp" or "equivariant"; "equivariant" needs scale: true and, with rotation, poseEncoder ` +
      `"equivariant" or "group" (without, offsetEncoder "mlp"), got ${JSON.stringify(o.scaleEncoder)}`,
  );
  const ref = o.scaleReference ?? "global";
  check(
    (ref === "global" || ref === "content") &&
      (ref === "global" || (scaleEncoder === "equivariant" && o.framePosterior !== true)),
    where,
    `scaleReference must be "global" or "content"; "content" needs scaleEncoder "equivariant" without ` +
      `framePosterior, got ` +
      `${JSON.stringify(o.scaleReference)}`,
  );
  const debiased = o.scaleBalanceDebiased ?? false;
  check(
    typeof debiased === "boolean" && (!debiased || (o.scaleBalance ?? 0) > 0),
    where,
    `scaleBalanceDebiased must be a boolean and needs scaleBalance > 0, got ${JSON.stringify(o.scaleBalanceDebiased)}`,
  );
  const correction = o.scaleCorrection ?? true;
  check(
    typeof correction === "boolean" && (correction || scaleEncoder === "equivariant"),
    where,
    `scaleCorrection must be a boolean; false needs scaleEncoder "equivariant", got ` +
      `${JSON.stringify(o.scaleCorrection)}`,
  );
  const cmax = o.scaleCorrectionMax;
  check(
    cmax === undefined ||
      (Number.isFinite(cmax) && cmax > 0 && cmax <= 1 && correction && scaleEncoder === "equivariant"),
    where,
    `scaleCorrectionMax must be a number in (0, 1] and needs scaleEncoder "equivariant" with the correction on, got ` +
      `${JSON.stringify(cmax)}`,
  );
  const kn = o.scaleReferenceNeighbours;
  check(
    kn === undefined || (Number.isInteger(kn) && kn >= 1 && ref === "content"),
    where,
    `scaleReferenceNeighbours must be an integer >= 1 and needs scaleReference "content", got ${JSON.stringify(kn)}`,
  );
  return {
    ...(scaleEncoder === "equivariant" ? { scaleEncoder } : {}),
    ...(ref === "content" ? { scaleReference: ref } : {}),
    ...(debiased ? { scaleBalanceDebiased: true as const } : {}),
    ...(correction ? {} : { scaleCorrection: false as const }),
    ...(cmax === undefined ? {} : { scaleCorrectionMax: cmax }),
    ...(kn === undefined ? {} : { scaleReferenceNeighbours: kn }),
  };
}
