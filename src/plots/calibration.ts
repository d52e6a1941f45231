/**
 * Physical units for maps over an image. A calibrated image (a pixel size in a length unit, as
 * `readImageFile` reports it in `metadata.pixelSize`) gets its axes in nm and its offsets in pm (the
 * units microscopists read column positions and polar displacements in, cf. atomap and HyperSpy's axes);
 * an uncalibrated one stays in px.
 */
import { lengthInNm, PixelSize } from "../data/io/metadata";
import { check } from "../util/errors";

/** How pixel coordinates become axis coordinates: axis value = px × `factor`, in `unit`. */
export interface AxisCalibration {
  factor: number;
  /** "nm" for a calibrated image, "px" otherwise */
  unit: "nm" | "px";
}

/**
 * The axis calibration of a pixel size: nm per px when it is a length (nm, pm, Å, µm, m...), px when
 * absent or "px". Throws for other units (a reciprocal-space "1/nm" image has no real-space map).
 */
export function axisCalibration(pixelSize?: PixelSize | null): AxisCalibration {
  if (!pixelSize || pixelSize.unit === "px" || pixelSize.unit === "") return { factor: 1, unit: "px" };
  const where = "axisCalibration";
  check(
    Number.isFinite(pixelSize.value) && pixelSize.value > 0,
    where,
    `expected a pixel size > 0, got ${pixelSize.value} ${pixelSize.unit}`,
  );
  const nm = lengthInNm(pixelSize.value, pixelSize.unit);
  check(nm !== undefined, where, `expected a length unit (nm, pm, Å, µm, m) or "px", got "${pixelSize.unit}"`);
  return { factor: nm!, unit: "nm" };
}

/**
 * Offsets (displacements) in px as pm for a calibrated image, unchanged (px) otherwise; `pxScale` first
 * converts offsets measured on resampled patches to image px (image px per patch px).
 */
export function offsetsPhysical(
  values: ArrayLike<number>,
  pixelSize?: PixelSize | null,
  pxScale = 1,
): { values: Float32Array; unit: "pm" | "px" } {
  check(Number.isFinite(pxScale) && pxScale > 0, "offsetsPhysical", `expected pxScale > 0, got ${pxScale}`);
  const cal = axisCalibration(pixelSize);
  const f = pxScale * (cal.unit === "nm" ? cal.factor * 1000 : 1);
  return { values: Float32Array.from(values, (v) => v * f), unit: cal.unit === "nm" ? "pm" : "px" };
}

/** A short description of the calibration for a figure title or a table: "0.02 nm/px" or "uncalibrated (px)". */
export function describeCalibration(pixelSize?: PixelSize | null): string {
  const cal = axisCalibration(pixelSize);
  return cal.unit === "nm" ? `${Number(cal.factor.toPrecision(4))} nm/px` : "uncalibrated (px)";
}
