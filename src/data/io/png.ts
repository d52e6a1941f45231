import { PNG } from "pngjs";
import { check, checkFinite, checkInt, IvaeInputError } from "../../util/errors";
import { checkPng } from "./png-check";

/** Options of {@link encodePng}. */
export interface EncodePngOptions {
  /** value drawn black; default: the minimum of the data */
  min?: number;
  /** value drawn white; default: the maximum of the data */
  max?: number;
  /** 8 (default) or 16 bits per sample; 16 keeps the dynamic range of microscope data */
  bitDepth?: 8 | 16;
}

/**
 * Encodes a gray image (row-major, `width*height` values) as a PNG file (grayscale colour type).
 * Values are mapped linearly from [min, max] to the full integer range and clipped; a constant
 * image becomes mid-gray rather than dividing by zero. Used for every figure the library writes.
 */
export function encodePng(gray: ArrayLike<number>, width: number, height: number, opts: EncodePngOptions = {}): Buffer {
  checkInt(width, "encodePng", "width");
  checkInt(height, "encodePng", "height");
  check(
    gray.length === width * height,
    "encodePng",
    `got ${gray.length} values, expected width*height = ${width}*${height} = ${width * height}`,
  );
  checkFinite(gray, "encodePng", "the image");
  const bitDepth = opts.bitDepth ?? 8;
  check(bitDepth === 8 || bitDepth === 16, "encodePng", `bitDepth must be 8 or 16, got ${bitDepth}`);
  let lo = opts.min,
    hi = opts.max;
  if (lo === undefined || hi === undefined) {
    let a = Infinity,
      b = -Infinity;
    for (let i = 0; i < gray.length; i++) {
      const v = gray[i];
      if (v < a) a = v;
      if (v > b) b = v;
    }
    lo ??= a;
    hi ??= b;
  }
  const top = bitDepth === 8 ? 255 : 65535;
  const span = hi - lo;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth, inputHasAlpha: false });
  if (bitDepth === 8) {
    const buf = Buffer.alloc(width * height);
    for (let i = 0; i < buf.length; i++) buf[i] = quantise(gray[i], lo, span, top);
    png.data = buf;
  } else {
    const u16 = new Uint16Array(width * height);
    for (let i = 0; i < u16.length; i++) u16[i] = quantise(gray[i], lo, span, top);
    png.data = Buffer.from(u16.buffer, u16.byteOffset, u16.byteLength);
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth, inputHasAlpha: false });
}

function quantise(v: number, lo: number, span: number, top: number): number {
  if (!(span > 0)) return Math.round(top / 2);
  const t = (v - lo) / span;
  return t <= 0 ? 0 : t >= 1 ? top : Math.round(t * top);
}

/**
 * Encodes an RGB(A) image given as bytes (`channels` = 3 or 4 per pixel, row-major) as an 8-bit PNG.
 * For colour-mapped figures (maps over the image, labelled images).
 */
export function encodePngRgb(
  rgb: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: 3 | 4 = 3,
): Buffer {
  checkInt(width, "encodePngRgb", "width");
  checkInt(height, "encodePngRgb", "height");
  check(channels === 3 || channels === 4, "encodePngRgb", `channels must be 3 or 4, got ${channels}`);
  check(
    rgb.length === width * height * channels,
    "encodePngRgb",
    `got ${rgb.length} bytes, expected width*height*channels = ${width * height * channels}`,
  );
  const png = new PNG({ width, height });
  const out = png.data;
  for (let p = 0; p < width * height; p++) {
    out[4 * p] = rgb[channels * p];
    out[4 * p + 1] = rgb[channels * p + 1];
    out[4 * p + 2] = rgb[channels * p + 2];
    out[4 * p + 3] = channels === 4 ? rgb[channels * p + 3] : 255;
  }
  return PNG.sync.write(png, { colorType: channels === 4 ? 6 : 2 });
}

/** A decoded PNG as gray values. */
export interface DecodedPng {
  /** gray values, row-major; raw integer levels (0..255 or 0..65535) unless normalised by the caller */
  data: Float32Array;
  width: number;
  height: number;
  /** bits per sample in the file (1, 2, 4, 8 or 16) */
  bitDepth: number;
  /** true when the file had colour (converted to gray by luminance) */
  wasColor: boolean;
}

/**
 * Decodes a PNG file (gray, gray+alpha, RGB, RGBA or palette; 8 or 16 bit) into gray values.
 * 16-bit files keep their full range (no rescaling to 8 bits), so detector counts survive.
 * Colour is converted with the Rec. 601 luminance weights; alpha is ignored.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  check(bytes instanceof Uint8Array, "decodePng", "expected the file contents as a Uint8Array/Buffer");
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) {
    throw new IvaeInputError("decodePng: not a PNG file (the 8-byte PNG signature is missing); expected a .png image");
  }
  checkPng(bytes);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new IvaeInputError(`decodePng: the PNG file is damaged or unsupported (${(e as Error).message})`);
  }
  const { width, height } = png;
  const meta = png as unknown as { depth?: number; color?: boolean; colorType?: number };
  const bitDepth = meta.depth ?? 8;
  // pngjs hands back RGBA; with skipRescale a 16-bit file comes as a Uint16Array view of 4 samples per pixel
  const src = png.data as unknown as ArrayLike<number>;
  const n = width * height;
  const data = new Float32Array(n);
  let wasColor = false;
  for (let p = 0; p < n; p++) {
    const r = src[4 * p],
      g = src[4 * p + 1],
      b = src[4 * p + 2];
    if (r !== g || g !== b) wasColor = true;
    data[p] = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
  }
  // low bit depths (1/2/4) are expanded to 0..255 by pngjs unless skipRescale; keep levels as stored
  return { data, width, height, bitDepth, wasColor };
}
