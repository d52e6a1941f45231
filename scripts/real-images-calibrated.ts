/**
 * The calibrated side of `npm run real-images`: the pixel size of each real image from the microscope's own
 * file where ../shared/data/formats holds it (read with `readImageFile`, the route a user's file takes), else
 * from the data set's README; and the rVAE maps as a vega-lite figure with axes in nm and offsets in pm
 * (`poseMaps` + `mapOverlays`, as notebook 09 draws them), beside the script's raster PNGs (which stay in px).
 */
import * as fs from "fs";
import * as path from "path";
import { readImageFile } from "../src/data/io";
import type { PixelSize } from "../src/data/io/metadata";
import type { Encoding } from "../src/analysis/encode";
import { poseMaps } from "../src/analysis/pose-maps";
import { labelledImage, mapOverlays } from "../src/plots/specs/overlays";
import { saveFigure } from "../src/plots/render";

/**
 * Which stem-real arrays are the same images as files the microscopes wrote (scripts/validate-formats.ts checks
 * that the pixels are equal): their calibration is read from those files, not typed in.
 */
const SOURCE_FILE: Record<string, string> = {
  sto_ncem_16_STOimage: "16_STOimage_1.ser",
  sto_ncem_Acquisition_18: "Acquisition_18.emd",
  pto_sro_temul: "Cropped_PTO-SRO_Aligned.hspy",
  sto_atomap_ADF: "atomap_test_ADF_cropped.hdf5",
  // the ABF image was recorded with the ADF one (same scan, same pixel size)
  sto_atomap_ABF: "atomap_test_ADF_cropped.hdf5",
};

/** Pixel sizes (nm/px) from the data set's README, for the images that have no microscope file here. */
const README_NM: Record<string, number> = {
  pto_sro_temul: 0.015,
  sto_atomap_ADF: 0.00933,
  sto_atomap_ABF: 0.00933,
  sto_ncem_16_STOimage: 0.01001,
  sto_ncem_Acquisition_18: 0.012247,
  ybco_scilink: 0.03525,
  "mos2_scilink_Exp-000-2": 0.0176,
  dso_atomsegnet: 0.0078,
  si110_atomsegnet: 0.0098,
};

/** A pixel size and where it came from. */
export interface Calibration {
  pixelSize?: PixelSize;
  /** "file NAME" (read from the microscope's file), "data README" or "none" */
  source: string;
}

/**
 * The pixel size of a stem-real image: from the microscope's file in `<data>/../formats` when it is there and
 * calibrated in nm, else the README's value; "none" when neither is known. Never a setting of the route.
 */
export async function calibrationOf(name: string, dataDir: string): Promise<Calibration> {
  const src = SOURCE_FILE[name];
  const file = src && path.join(dataDir, "..", "formats", src);
  if (file && fs.existsSync(file)) {
    const m = (await readImageFile(file)).metadata;
    if (m.calibrated && m.pixelSize.x.unit === "nm") return { pixelSize: m.pixelSize.x, source: `file ${src}` };
  }
  const nm = README_NM[name];
  return nm ? { pixelSize: { value: nm, unit: "nm" }, source: "data README" } : { source: "none" };
}

/**
 * Writes `<out>/<name>_maps_nm.{svg,png,vl.json}`: the rVAE's angle, offsets and latents over the image with
 * axes in nm and offsets in pm (px when uncalibrated), and `<name>_classes_nm` (the k-means classes, same axes);
 * returns the offsets' standard deviation in those units.
 */
export async function calibratedMaps(
  out: string,
  name: string,
  image: { data: Float32Array; height: number; width: number },
  at: { x: Float32Array; y: Float32Array },
  enc: Encoding,
  pxScale: number,
  cal: Calibration,
  classes?: ArrayLike<number>,
): Promise<Record<string, number>> {
  const maps = poseMaps(enc, { pixelSize: cal.pixelSize ?? null, pxScale });
  const fig = mapOverlays(image, at.x, at.y, maps, {
    columns: 3,
    width: 260,
    pixelSize: cal.pixelSize ?? null,
    title: `${name}: rVAE maps (pixel size from ${cal.source})`,
  });
  await saveFigure(fig, path.join(out, `${name}_maps_nm`));
  if (classes) {
    const title = `${name}: rVAE classes (k-means on z; pixel size from ${cal.source})`;
    const classFig = labelledImage(image, at.x, at.y, classes, { width: 420, pixelSize: cal.pixelSize ?? null, title });
    await saveFigure(classFig, path.join(out, `${name}_classes_nm`));
  }
  const sd = (v: Float32Array) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  };
  const res: Record<string, number> = {};
  for (const [k, p] of Object.entries(maps))
    if (k.includes("offset")) res[`sd ${k}`] = Math.round(sd(p.values) * 10) / 10;
  return res;
}
