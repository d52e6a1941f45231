import { check, checkFinite, checkInt } from "../../util/errors";

/** Sample type of {@link encodeTiff}. */
export type TiffSampleType = "uint8" | "uint16" | "float32";

/** Options of {@link encodeTiff}. */
export interface TiffWriteOptions {
  /**
   * physical size of a pixel (square pixels), written as ImageJ writes it: XResolution/YResolution = pixels per
   * unit and `unit=` in the ImageJ description, so ImageJ/Fiji, tifffile, HyperSpy and `readImageFile` read it back.
   * A number is nm per pixel.
   */
  pixelSize?: number | { value: number; unit: "nm" | "Å" | "pm" | "µm" };
  /**
   * detector channels per image (default 1): the data is [n, channels, height, width] (an ImageStack's layout)
   * and is written as an ImageJ hyperstack (`channels=`, pages channel-fastest, ImageJ's default order)
   */
  channels?: number;
  /** channel names (e.g. ["ADF", "ABF"]), written as `channel_names=` in the ImageJ description (ASCII, no commas) */
  channelNames?: string[];
}

/** [tag, type (2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL), count, value or bytes] */
type Entry = [number, number, number, number | Uint8Array];

/**
 * Writes gray frames as an uncompressed little-endian multi-page TIFF (one page per frame and channel), in
 * uint8, uint16 (values rounded and clipped) or float32 samples. Readable by ImageJ/Fiji, tifffile and
 * `decodeTiff`. With `pixelSize` and/or `channels` it carries the ImageJ calibration and hyperstack tags
 * (tifffile's `imagej=True` layout: the description on the first page, the resolution on every page).
 */
export function encodeTiff(
  frames: Float32Array,
  n: number,
  height: number,
  width: number,
  sampleType: TiffSampleType = "float32",
  opts: TiffWriteOptions = {},
): Uint8Array {
  checkInt(n, "encodeTiff", "n");
  checkInt(height, "encodeTiff", "height");
  checkInt(width, "encodeTiff", "width");
  const C = opts.channels ?? 1;
  checkInt(C, "encodeTiff", "channels", 1);
  check(
    frames.length === n * C * height * width,
    "encodeTiff",
    `got ${frames.length} values, expected n*channels*height*width = ${n * C * height * width}`,
  );
  const cal = pixelSizeOf(opts.pixelSize);
  const desc = imagejDescription(n, C, cal?.unit, opts.channelNames);
  const pages = n * C;
  const bytesPer = sampleType === "uint8" ? 1 : sampleType === "uint16" ? 2 : 4;
  const pageBytes = width * height * bytesPer;
  // per page: IFD, its out-of-line values (description, rationals), pixels; every block word-aligned
  const layout = Array.from({ length: pages }, (_, p) =>
    pageTags(p, { width, height, bytesPer, pageBytes, sampleType }, cal, desc),
  );
  const spans = layout.map((t) => ifdBytes(t) + extraBytes(t) + pageBytes + (pageBytes % 2));
  const out = new Uint8Array(8 + spans.reduce((a, b) => a + b, 0));
  const dv = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  dv.setUint16(2, 42, true);
  dv.setUint32(4, 8, true);
  let ifd = 8;
  for (let p = 0; p < pages; p++) {
    const tags = layout[p];
    let extra = ifd + ifdBytes(tags);
    const dataOff = extra + extraBytes(tags);
    dv.setUint16(ifd, tags.length, true);
    tags.forEach(([t, ty, count, v], k) => {
      const e = ifd + 2 + 12 * k;
      dv.setUint16(e, t, true);
      dv.setUint16(e + 2, ty, true);
      dv.setUint32(e + 4, count, true);
      if (v instanceof Uint8Array) {
        out.set(v, extra);
        dv.setUint32(e + 8, extra, true);
        extra += v.length + (v.length % 2);
      } else if (t === 273) dv.setUint32(e + 8, dataOff, true);
      else if (ty === 3) dv.setUint16(e + 8, v, true);
      else dv.setUint32(e + 8, v, true);
    });
    const next = ifd + spans[p];
    dv.setUint32(ifd + 2 + 12 * tags.length, p < pages - 1 ? next : 0, true);
    const src = frames.subarray(p * width * height, (p + 1) * width * height);
    for (let i = 0; i < src.length; i++) {
      const o = dataOff + i * bytesPer;
      if (sampleType === "float32") dv.setFloat32(o, src[i], true);
      else {
        const top = sampleType === "uint8" ? 255 : 65535;
        const v = Math.max(0, Math.min(top, Math.round(src[i])));
        if (bytesPer === 1) dv.setUint8(o, v);
        else dv.setUint16(o, v, true);
      }
    }
    ifd = next;
  }
  return out;
}

function pixelSizeOf(p: TiffWriteOptions["pixelSize"]): { value: number; unit: string } | null {
  if (p === undefined) return null;
  const v = typeof p === "number" ? { value: p, unit: "nm" } : p;
  checkFinite([v.value], "encodeTiff", "pixelSize");
  check(v.value > 0, "encodeTiff", `pixelSize must be positive, got ${v.value}`);
  check(
    ["nm", "Å", "pm", "µm"].includes(v.unit),
    "encodeTiff",
    `pixelSize unit must be "nm", "Å", "pm" or "µm", got ${JSON.stringify(v.unit)}`,
  );
  return v;
}

/** The ImageJ description (ASCII; ImageJ's own escapes for Å and µm), or null when nothing needs one. */
function imagejDescription(n: number, C: number, unit: string | undefined, names?: string[]): string | null {
  if (unit === undefined && C === 1) return null;
  const lines = ["ImageJ=1.11a", `images=${n * C}`];
  if (C > 1) lines.push(`channels=${C}`);
  if (n > 1) lines.push(`frames=${n}`);
  if (C > 1) lines.push("hyperstack=true", "mode=grayscale");
  if (unit) lines.push(`unit=${unit === "Å" ? "\\u00C5" : unit === "µm" ? "micron" : unit}`);
  if (names) {
    check(names.length === C, "encodeTiff", `got ${names.length} channel names for ${C} channels`);
    for (const s of names)
      check(
        /^[\x20-\x7e]+$/.test(s) && !s.includes(","),
        "encodeTiff",
        `channel name ${JSON.stringify(s)} is not plain ASCII without commas`,
      );
    lines.push(`channel_names=${names.join(",")}`);
  }
  return lines.join("\n") + "\n";
}

/** A positive number as a TIFF RATIONAL (numerator, denominator), to about 9 significant digits. */
function rational(x: number): Uint8Array {
  let den = 1;
  while (den < 2 ** 30 && x * den * 2 < 2 ** 32 - 1) den *= 2;
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, Math.max(1, Math.round(x * den)), true);
  dv.setUint32(4, den, true);
  return b;
}

function pageTags(
  p: number,
  g: { width: number; height: number; bytesPer: number; pageBytes: number; sampleType: TiffSampleType },
  cal: { value: number } | null,
  desc: string | null,
): Entry[] {
  const tags: Entry[] = [
    [256, 4, 1, g.width],
    [257, 4, 1, g.height],
    [258, 3, 1, g.bytesPer * 8],
    [259, 3, 1, 1],
    [262, 3, 1, 1],
  ];
  if (desc && p === 0) {
    const bytes = Uint8Array.from([...desc].map((ch) => ch.charCodeAt(0)).concat([0]));
    tags.push([270, 2, bytes.length, bytes]);
  }
  tags.push([273, 4, 1, 0], [277, 3, 1, 1], [278, 4, 1, g.height], [279, 4, 1, g.pageBytes]);
  if (cal) {
    // ImageJ: pixels per unit, ResolutionUnit "none" (the unit is in the description)
    tags.push([282, 5, 1, rational(1 / cal.value)], [283, 5, 1, rational(1 / cal.value)], [296, 3, 1, 1]);
  }
  tags.push([339, 3, 1, g.sampleType === "float32" ? 3 : 1]);
  return tags;
}

function ifdBytes(tags: Entry[]): number {
  return 2 + 12 * tags.length + 4;
}

function extraBytes(tags: Entry[]): number {
  return tags.reduce((a, [, , , v]) => a + (v instanceof Uint8Array ? v.length + (v.length % 2) : 0), 0);
}
