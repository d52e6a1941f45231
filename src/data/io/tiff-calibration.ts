import { tagNumber, tagText, TiffDirectory, TiffFile } from "./tiff-ifd";

/** Physical pixel size of a TIFF page, as stated by the file. */
export interface TiffCalibration {
  /** size of one pixel along x (columns) and y (rows) in `unit`; null when the file states none */
  pixelSize: { x: number; y: number; unit: string } | null;
  /** ImageJ `spacing=`: the step between frames (z) in the same unit; null when absent */
  frameSpacing: number | null;
  /** where the numbers came from */
  source: "imagej" | "fei" | "resolution" | null;
}

const TAG_DESCRIPTION = 270,
  TAG_XRES = 282,
  TAG_YRES = 283,
  TAG_RESUNIT = 296;
const TAG_FEI_SFEG = 34680,
  TAG_FEI_HELIOS = 34682;

/**
 * Reads the calibration of one page, in this order (the order RosettaSciIO's TIFF reader trusts them):
 * 1. ImageJ: `ImageJ=` ImageDescription with `unit=` (and `spacing=`); XResolution/YResolution are pixels per unit.
 * 2. FEI/Thermo SEM and FIB: the INI text of tag 34680/34682, `[Scan] PixelWidth/PixelHeight` in metres (→ nm).
 * 3. XResolution/YResolution with ResolutionUnit = centimetre (→ nm). A resolution in pixels per inch is
 *    ignored: it is the print resolution image editors write (72 dpi), not a physical pixel size.
 */
export function pageCalibration(file: TiffFile, ifd: TiffDirectory): TiffCalibration {
  const none: TiffCalibration = { pixelSize: null, frameSpacing: null, source: null };
  const res = (tag: number): number | null => {
    const v = ifd.entries.has(tag) ? tagNumber(file, ifd, tag, NaN) : NaN;
    return Number.isFinite(v) && v > 0 ? v : null;
  };
  const xres = res(TAG_XRES),
    yres = res(TAG_YRES) ?? xres;
  const desc = tagText(file, ifd, TAG_DESCRIPTION);
  if (desc !== undefined && desc.startsWith("ImageJ=")) {
    const field = (k: string): string | undefined => new RegExp(`^${k}=(.*)$`, "m").exec(desc)?.[1]?.trim();
    const unit = imagejUnit(field("unit"));
    const spacing = Number(field("spacing"));
    if (unit && xres !== null && yres !== null) {
      return {
        pixelSize: { x: 1 / xres, y: 1 / yres, unit },
        frameSpacing: Number.isFinite(spacing) && spacing > 0 ? spacing : null,
        source: "imagej",
      };
    }
  }
  for (const t of [TAG_FEI_HELIOS, TAG_FEI_SFEG]) {
    const ini = tagText(file, ifd, t);
    if (ini === undefined) continue;
    const pw = iniNumber(ini, "Scan", "PixelWidth"),
      ph = iniNumber(ini, "Scan", "PixelHeight");
    if (Number.isFinite(pw) && pw > 0) {
      const y = (Number.isFinite(ph) && ph > 0 ? ph : pw) * 1e9;
      return { pixelSize: { x: pw * 1e9, y, unit: "nm" }, frameSpacing: null, source: "fei" };
    }
  }
  if (tagNumber(file, ifd, TAG_RESUNIT, 2) === 3 && xres !== null && yres !== null) {
    return { pixelSize: { x: 1e7 / xres, y: 1e7 / yres, unit: "nm" }, frameSpacing: null, source: "resolution" };
  }
  return none;
}

/** ImageJ writes µm as "micron" or the escaped "\u00B5m"; "pixel" (or no unit) means uncalibrated. */
function imagejUnit(u: string | undefined): string | null {
  if (!u || u === "pixel" || u === "pixels") return null;
  if (u === "micron" || u === "um" || u === "\\u00B5m" || u === "\u00b5m") return "µm";
  if (u === "A" || u === "\\u00C5" || u === "\u00c5") return "Å";
  return u;
}

/** A numeric value of `key` in `[section]` of INI text; NaN when absent. */
function iniNumber(ini: string, section: string, key: string): number {
  let current = "";
  for (const line of ini.split(/\r?\n/)) {
    const s = /^\s*\[(.*)\]\s*$/.exec(line);
    if (s) {
      current = s[1];
      continue;
    }
    const kv = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && current === section && kv[1] === key) return Number(kv[2]);
  }
  return NaN;
}
