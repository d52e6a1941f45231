import { check, checkInt, IvaeInputError } from "../../util/errors";

// utif ships no type declarations; we use four functions of it, typed here by hand
// eslint-disable-next-line @typescript-eslint/no-var-requires
const UTIF: {
  decode(buf: ArrayBuffer | Uint8Array): TiffIfd[];
  decodeImage(buf: ArrayBuffer | Uint8Array, ifd: TiffIfd, ifds?: TiffIfd[]): void;
} = require("utif");

interface TiffIfd {
  [tag: string]: unknown;
  width?: number;
  height?: number;
  data?: Uint8Array;
  isLE?: boolean;
}

/** The pages of a TIFF file as gray float32 frames. */
export interface DecodedTiff {
  /** frames concatenated, each width*height row-major */
  data: Float32Array;
  n: number;
  width: number;
  height: number;
  /** bits per sample and sample format of the first page, e.g. "uint16", "float32" */
  sampleType: string;
}

/** True when the bytes start with a TIFF byte-order mark and the magic 42. */
export function isTiff(bytes: Uint8Array): boolean {
  return bytes.length >= 4 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42));
}

function tag(ifd: TiffIfd, t: number, dflt: number): number {
  const v = ifd["t" + t] as number[] | undefined;
  return v && v.length > 0 ? Number(v[0]) : dflt;
}

/**
 * Decodes a TIFF file (uncompressed, LZW, Deflate or PackBits; 8/16/32-bit unsigned or signed
 * integer, 32/64-bit float; gray or RGB) into gray float32 frames. Every full-resolution page is a
 * frame, so multi-page TIFF movies become a stack; reduced-resolution pages (thumbnails, NewSubfileType
 * bit 0) are skipped. Pages of a different size than the first are rejected, since a stack must be uniform.
 */
export function decodeTiff(bytes: Uint8Array): DecodedTiff {
  if (!isTiff(bytes)) throw new IvaeInputError("decodeTiff: not a TIFF file (no II*/MM* header); expected a .tif/.tiff image");
  let ifds: TiffIfd[];
  try {
    ifds = UTIF.decode(bytes);
  } catch (e) {
    throw new IvaeInputError(`decodeTiff: the TIFF file is damaged or unsupported (${(e as Error).message})`);
  }
  const pages = ifds.filter((d) => d["t256"] !== undefined && (tag(d, 254, 0) & 1) === 0);
  check(pages.length > 0, "decodeTiff", "the TIFF file contains no image page");
  const frames: Float32Array[] = [];
  let width = 0, height = 0, sampleType = "";
  for (let p = 0; p < pages.length; p++) {
    const ifd = pages[p];
    try {
      UTIF.decodeImage(bytes, ifd, ifds);
    } catch (e) {
      throw new IvaeInputError(`decodeTiff: page ${p} cannot be decoded (${(e as Error).message}); expected uncompressed, LZW, Deflate or PackBits data`);
    }
    const w = ifd.width!, h = ifd.height!;
    if (p === 0) { width = w; height = h; }
    check(w === width && h === height, "decodeTiff",
      `page ${p} is ${w}x${h} but page 0 is ${width}x${height}; expected all frames of a stack to have the same size`);
    const { frame, type } = pageToGray(ifd, p);
    if (p === 0) sampleType = type;
    frames.push(frame);
  }
  const data = new Float32Array(frames.length * width * height);
  frames.forEach((f, i) => data.set(f, i * width * height));
  return { data, n: frames.length, width, height, sampleType };
}

function pageToGray(ifd: TiffIfd, p: number): { frame: Float32Array; type: string } {
  const w = ifd.width!, h = ifd.height!;
  const bits = tag(ifd, 258, 1);
  const spp = tag(ifd, 277, 1);
  const fmt = tag(ifd, 339, 1); // 1 uint, 2 int, 3 float
  const photometric = tag(ifd, 262, 1);
  const planar = tag(ifd, 284, 1);
  const raw = ifd.data;
  check(raw !== undefined, "decodeTiff", `page ${p} has no pixel data`);
  const type = (fmt === 3 ? "float" : fmt === 2 ? "int" : "uint") + bits;
  const supported = ["uint8", "uint16", "uint32", "int8", "int16", "int32", "float32", "float64"];
  if (!supported.includes(type)) {
    throw new IvaeInputError(`decodeTiff: page ${p} has ${bits}-bit samples of format ${fmt} (${type}); expected one of ${supported.join(", ")}`);
  }
  check(planar === 1 || spp === 1, "decodeTiff", `page ${p} uses planar configuration ${planar}; expected interleaved (chunky) samples`);
  check(photometric !== 3, "decodeTiff", `page ${p} is a palette image; expected gray or RGB intensities`);
  const bytesPer = bits / 8;
  const le = ifd.isLE !== false;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  check(raw.byteLength >= w * h * spp * bytesPer, "decodeTiff", `page ${p} holds fewer bytes than ${w}x${h}x${spp} samples of ${bits} bits`);
  const get = (o: number): number => {
    switch (type) {
      case "uint8": return dv.getUint8(o);
      case "int8": return dv.getInt8(o);
      case "uint16": return dv.getUint16(o, le);
      case "int16": return dv.getInt16(o, le);
      case "uint32": return dv.getUint32(o, le);
      case "int32": return dv.getInt32(o, le);
      case "float32": return dv.getFloat32(o, le);
      default: return dv.getFloat64(o, le);
    }
  };
  const frame = new Float32Array(w * h);
  const colour = spp >= 3 && photometric === 2;
  const maxInt = type.startsWith("uint") ? Math.pow(2, bits) - 1 : 0;
  for (let i = 0; i < w * h; i++) {
    const o = i * spp * bytesPer;
    let v = colour ? 0.299 * get(o) + 0.587 * get(o + bytesPer) + 0.114 * get(o + 2 * bytesPer) : get(o);
    if (photometric === 0 && maxInt > 0) v = maxInt - v; // WhiteIsZero: bright atoms must stay bright
    frame[i] = v;
  }
  return { frame, type };
}

/** Sample type of {@link encodeTiff}. */
export type TiffSampleType = "uint8" | "uint16" | "float32";

/**
 * Writes gray frames as an uncompressed little-endian multi-page TIFF (one page per frame), in
 * uint8, uint16 (values rounded and clipped) or float32 samples. Readable by ImageJ/Fiji, tifffile
 * and {@link decodeTiff}.
 */
export function encodeTiff(frames: Float32Array, n: number, height: number, width: number, sampleType: TiffSampleType = "float32"): Uint8Array {
  checkInt(n, "encodeTiff", "n");
  checkInt(height, "encodeTiff", "height");
  checkInt(width, "encodeTiff", "width");
  check(frames.length === n * height * width, "encodeTiff", `got ${frames.length} values, expected n*height*width = ${n * height * width}`);
  const bytesPer = sampleType === "uint8" ? 1 : sampleType === "uint16" ? 2 : 4;
  const nTags = 10;
  const ifdSize = 2 + nTags * 12 + 4;
  const pageBytes = width * height * bytesPer;
  const pageSpan = ifdSize + pageBytes + (pageBytes % 2); // word-align the next IFD
  const out = new Uint8Array(8 + n * pageSpan);
  const dv = new DataView(out.buffer);
  out[0] = 0x49; out[1] = 0x49; dv.setUint16(2, 42, true); dv.setUint32(4, 8, true);
  for (let f = 0; f < n; f++) {
    const ifd = 8 + f * pageSpan;
    const dataOff = ifd + ifdSize;
    const tags: [number, number, number][] = [ // tag, type (3 short, 4 long), value
      [256, 4, width], [257, 4, height], [258, 3, bytesPer * 8], [259, 3, 1], [262, 3, 1],
      [273, 4, dataOff], [277, 3, 1], [278, 4, height], [279, 4, pageBytes], [339, 3, sampleType === "float32" ? 3 : 1],
    ];
    dv.setUint16(ifd, nTags, true);
    tags.forEach(([t, ty, v], k) => {
      const e = ifd + 2 + 12 * k;
      dv.setUint16(e, t, true); dv.setUint16(e + 2, ty, true); dv.setUint32(e + 4, 1, true);
      if (ty === 3) dv.setUint16(e + 8, v, true); else dv.setUint32(e + 8, v, true);
    });
    dv.setUint32(ifd + 2 + 12 * nTags, f < n - 1 ? 8 + (f + 1) * pageSpan : 0, true);
    const src = frames.subarray(f * width * height, (f + 1) * width * height);
    for (let i = 0; i < src.length; i++) {
      const o = dataOff + i * bytesPer;
      if (sampleType === "float32") dv.setFloat32(o, src[i], true);
      else {
        const top = sampleType === "uint8" ? 255 : 65535;
        const v = Math.max(0, Math.min(top, Math.round(src[i])));
        if (bytesPer === 1) dv.setUint8(o, v); else dv.setUint16(o, v, true);
      }
    }
  }
  return out;
}
