import { check } from "../util/errors";
import type { RVAEOptions } from "./options";

/** The saved configuration's `scaleEncoder`: present only when "equivariant". */
export interface ScaleEncoderField {
  scaleEncoder?: "equivariant";
}

/**
 * The `scaleEncoder` option, checked; stored only when "equivariant" (parts/scale-search.ts), so that no other
 * configuration changes. It needs the scale latent, and a centre to measure the size about: the equivariant pose
 * encoder's centroid with rotation; without rotation it brings its own centring, so not the offset search.
 */
export function scaleEncoderOption(
  o: RVAEOptions,
  c: { scale: boolean; rotation: boolean; framed: boolean; offsetEncoder: string },
  where: string,
): { scaleEncoder?: "equivariant" } {
  const scaleEncoder = o.scaleEncoder ?? "mlp";
  check(
    (scaleEncoder === "mlp" || scaleEncoder === "equivariant") &&
      (scaleEncoder === "mlp" || (c.scale && (c.rotation ? c.framed : c.offsetEncoder === "mlp"))),
    where,
    `scaleEncoder must be "mlp" or "equivariant"; "equivariant" needs scale: true and, with rotation, poseEncoder ` +
      `"equivariant" or "group" (without, offsetEncoder "mlp"), got ${JSON.stringify(o.scaleEncoder)}`,
  );
  return scaleEncoder === "equivariant" ? { scaleEncoder } : {};
}
