import type { PixelSize } from "../data/io/metadata";
import { offsetsPhysical } from "../plots/calibration";
import { check } from "../util/errors";
import { Encoding, latentColumn } from "./encode";
import { foldAngle } from "./metrics";
import { latticeRotation } from "./microscopy";

/** One panel of {@link poseMaps}, in the form `mapOverlays` takes. */
export interface PoseMapPanel {
  values: Float32Array;
  scheme?: string;
  domainMid?: number;
}

/** Options of {@link poseMaps}. */
export interface PoseMapOptions {
  /** pixel size of the image (`metadata.pixelSize.x`): offsets in pm instead of px */
  pixelSize?: PixelSize | null;
  /** image px per patch px when the patches were resampled before training (default 1) */
  pxScale?: number;
  /** rotational symmetry of the lattice: angles are folded into (−180°/fold, 180°/fold] (default 1) */
  angleFold?: number;
  /** classes of the patches: with them the angle is the lattice rotation from each class's mean frame */
  labels?: ArrayLike<number>;
}

/**
 * The rVAE's per-patch values as named map panels for `mapOverlays`: angle (°), x/y offsets (pm for a
 * calibrated image, px otherwise) and every latent. Titles carry the units, so a figure says what it shows.
 */
export function poseMaps(enc: Encoding, opts: PoseMapOptions = {}): Record<string, PoseMapPanel> {
  const where = "poseMaps";
  check(enc && enc.n > 0, where, "expected a non-empty encoding");
  const fold = opts.angleFold ?? 1;
  const out: Record<string, PoseMapPanel> = {};
  if (enc.angle) {
    const rad = opts.labels
      ? latticeRotation(enc.angle, opts.labels, fold)
      : Float32Array.from(enc.angle, (a) => foldAngle(a, fold));
    const name = opts.labels ? "lattice rotation (°)" : "angle (°)";
    out[name] = { values: Float32Array.from(rad, (a) => (a * 180) / Math.PI), scheme: "blueorange", domainMid: 0 };
  }
  if (enc.dx && enc.dy) {
    const dx = offsetsPhysical(enc.dx, opts.pixelSize, opts.pxScale);
    const dy = offsetsPhysical(enc.dy, opts.pixelSize, opts.pxScale);
    out[`x offset (${dx.unit})`] = { values: dx.values, scheme: "purpleorange", domainMid: 0 };
    out[`y offset (${dy.unit})`] = { values: dy.values, scheme: "purpleorange", domainMid: 0 };
  }
  for (let k = 0; k < enc.latentDim; k++) out[`latent ${k + 1}`] = { values: latentColumn(enc, k) };
  return out;
}
