import { check, checkInt, IvaeInputError } from "../../util/errors";
import { halfToFloat } from "./half";
import { pageCalibration, TiffCalibration } from "./tiff-calibration";
import { COMPRESSION_NAME, decompress, MAX_RATIO, undoPredictor } from "./tiff-codecs";
import { parseTiff, tagNumber, tagText, tagValues, TiffDirectory, TiffFile } from "./tiff-ifd";

export { encodeTiff } from "./tiff-write";
export type { TiffSampleType, TiffWriteOptions } from "./tiff-write";

export type { TiffCalibration } from "./tiff-calibration";

/** The pages of a TIFF file as gray float32 frames. */
export interface DecodedTiff {
  /** frames concatenated, each width*height row-major */
  data: Float32Array;
  n: number;
  width: number;
  height: number;
  /** bits per sample and sample format of the first page, e.g. "uint16", "float32" */
  sampleType: string;
  /** physical pixel size of the first page, where the file states one (see {@link readTiffCalibration}) */
  calibration: TiffCalibration;
  /**
   * channels of an ImageJ hyperstack (`channels=` in the ImageJ description, pages in ImageJ's default czt
   * order, channel fastest: page i·C + c is channel c of image i); 1 otherwise
   */
  channels: number;
  /** channel names from the description's `channel_names=` (written by {@link encodeTiff}); absent otherwise */
  channelNames?: string[];
}

/** True when the bytes start with a TIFF byte-order mark and the magic 42. */
export function isTiff(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42))
  );
}

const T = {
  subfile: 254,
  width: 256,
  height: 257,
  bits: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  spp: 277,
  rowsPerStrip: 278,
  stripBytes: 279,
  planar: 284,
  predictor: 317,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileBytes: 325,
  sampleFormat: 339,
};

const SUPPORTED = ["uint8", "uint16", "uint32", "int8", "int16", "int32", "float16", "float32", "float64"];

/** Where one page's pixels are and how to decode them; every number checked against the file. */
interface PageLayout {
  width: number;
  height: number;
  spp: number;
  bytesPer: number;
  type: string;
  photometric: number;
  compression: number;
  predictor: number;
  tiled: boolean;
  /** strips are chunks of chunkWidth = width */
  chunkWidth: number;
  chunkHeight: number;
  across: number;
  offsets: number[];
  counts: number[];
  /** decoded bytes the page needs */
  needed: number;
}

/**
 * Decodes a TIFF file (uncompressed, LZW, Deflate or PackBits, with or without predictor; strips or tiles;
 * 8/16/32-bit unsigned or signed integer, 16/32/64-bit float; gray or RGB; either byte order) into gray
 * float32 frames. Every full-resolution page is a frame, so multi-page TIFF movies become a stack;
 * reduced-resolution pages (thumbnails, NewSubfileType bit 0) are skipped. Pages of a different size than the
 * first are rejected, since a stack must be uniform. Before anything is allocated, every page's data is checked
 * to lie inside the file and to be large enough for the size its header claims (allowing for the largest
 * expansion its compression can reach); damaged or short data is an error, never zero-filled pixels.
 */
export function decodeTiff(bytes: Uint8Array): DecodedTiff {
  if (!isTiff(bytes))
    throw new IvaeInputError("decodeTiff: not a TIFF file (no II*/MM* header); expected a .tif/.tiff image");
  const file = parseTiff(bytes);
  const pages = file.ifds.filter((d) => d.entries.has(T.width) && (tagNumber(file, d, T.subfile, 0) & 1) === 0);
  check(pages.length > 0, "decodeTiff", "the TIFF file contains no image page");
  const layouts: PageLayout[] = [];
  let spent = 0;
  for (let p = 0; p < pages.length; p++) {
    const l = pageLayout(file, pages[p], p);
    if (p > 0) {
      check(
        l.width === layouts[0].width && l.height === layouts[0].height,
        "decodeTiff",
        `page ${p} is ${l.width}x${l.height} but page 0 is ${layouts[0].width}x${layouts[0].height}; ` +
          "expected all frames of a stack to have the same size",
      );
    }
    // pages sharing one strip could otherwise multiply a small file into a huge allocation
    spent += l.needed;
    check(
      spent <= bytes.length * MAX_RATIO[l.compression],
      "decodeTiff",
      `the pages up to ${p} need ${spent} bytes of pixel data, more than a ${bytes.length}-byte file can hold ` +
        `with ${COMPRESSION_NAME[l.compression]} compression; the headers are damaged`,
    );
    layouts.push(l);
  }
  const { width, height } = layouts[0];
  const size = width * height;
  const data = new Float32Array(layouts.length * size);
  layouts.forEach((l, p) => decodePage(file, l, p, data.subarray(p * size, (p + 1) * size)));
  const calibration = pageCalibration(file, pages[0]);
  const { channels, channelNames } = imagejChannels(tagText(file, pages[0], 270), layouts.length);
  const out: DecodedTiff = {
    data,
    n: layouts.length,
    width,
    height,
    sampleType: layouts[0].type,
    calibration,
    channels,
  };
  if (channelNames) out.channelNames = channelNames;
  return out;
}

/** `channels=` (and `channel_names=`) of an ImageJ description when the page count is a multiple of it. */
function imagejChannels(desc: string | undefined, pages: number): { channels: number; channelNames?: string[] } {
  if (desc === undefined || !desc.startsWith("ImageJ=")) return { channels: 1 };
  const c = Number(/^channels=(\d+)\s*$/m.exec(desc)?.[1] ?? 1);
  if (!(Number.isInteger(c) && c > 1 && pages % c === 0)) return { channels: 1 };
  const names = /^channel_names=(.*)$/m
    .exec(desc)?.[1]
    ?.split(",")
    .map((v) => v.trim());
  return names && names.length === c ? { channels: c, channelNames: names } : { channels: c };
}

/** The calibration (pixel size) of the first full-resolution page of a TIFF file; see {@link TiffCalibration}. */
export function readTiffCalibration(bytes: Uint8Array): TiffCalibration {
  if (!isTiff(bytes)) throw new IvaeInputError("readTiffCalibration: not a TIFF file (no II*/MM* header)");
  const file = parseTiff(bytes);
  const page = file.ifds.find((d) => d.entries.has(T.width) && (tagNumber(file, d, T.subfile, 0) & 1) === 0);
  check(page !== undefined, "readTiffCalibration", "the TIFF file contains no image page");
  return pageCalibration(file, page);
}

function pageLayout(file: TiffFile, ifd: TiffDirectory, p: number): PageLayout {
  const num = (t: number, d: number): number => tagNumber(file, ifd, t, d);
  const width = num(T.width, 0),
    height = num(T.height, 0);
  checkInt(width, "decodeTiff", `page ${p} width`);
  checkInt(height, "decodeTiff", `page ${p} height`);
  const spp = num(T.spp, 1);
  checkInt(spp, "decodeTiff", `page ${p} samples per pixel`);
  const bitsAll = tagValues(file, ifd, T.bits) ?? [1];
  const bits = bitsAll[0];
  check(
    bitsAll.every((b) => b === bits),
    "decodeTiff",
    `page ${p} mixes bit depths ${bitsAll.join("/")}; expected one depth`,
  );
  const fmt = num(T.sampleFormat, 1); // 1 uint, 2 int, 3 float, 4 undefined (read as uint)
  const type = (fmt === 3 ? "float" : fmt === 2 ? "int" : "uint") + bits;
  if (!SUPPORTED.includes(type)) {
    throw new IvaeInputError(
      `decodeTiff: page ${p} has ${bits}-bit samples of format ${fmt} (${type}); expected ` +
        `one of ${SUPPORTED.join(", ")}`,
    );
  }
  const photometric = num(T.photometric, 1);
  check(photometric !== 3, "decodeTiff", `page ${p} is a palette image; expected gray or RGB intensities`);
  check(
    photometric <= 2,
    "decodeTiff",
    `page ${p} has photometric interpretation ${photometric}; expected gray (0, 1) or RGB (2)`,
  );
  check(
    num(T.planar, 1) === 1 || spp === 1,
    "decodeTiff",
    `page ${p} uses planar configuration ${num(T.planar, 1)}; expected interleaved (chunky) samples`,
  );
  const compression = num(T.compression, 1);
  // throws, naming it
  if (MAX_RATIO[compression] === undefined) decompress(compression, new Uint8Array(0), 0, `page ${p}`);
  const predictor = num(T.predictor, 1);
  check(predictor >= 1 && predictor <= 3, "decodeTiff", `page ${p} has predictor ${predictor}; expected 1, 2 or 3`);
  check(predictor !== 3 || fmt === 3, "decodeTiff", `page ${p} has the floating-point predictor on ${type} samples`);
  const bytesPer = bits / 8;
  const tiled = ifd.entries.has(T.tileWidth);
  const chunkWidth = tiled ? num(T.tileWidth, 0) : width;
  const chunkHeight = tiled ? num(T.tileLength, 0) : Math.min(height, num(T.rowsPerStrip, height));
  checkInt(chunkWidth, "decodeTiff", `page ${p} tile width`);
  checkInt(chunkHeight, "decodeTiff", `page ${p} ${tiled ? "tile length" : "rows per strip"}`);
  const across = Math.ceil(width / chunkWidth),
    down = Math.ceil(height / chunkHeight);
  const nChunks = across * down;
  const what = tiled ? "tile" : "strip";
  const offsets = tagValues(file, ifd, tiled ? T.tileOffsets : T.stripOffsets);
  check(offsets !== undefined, "decodeTiff", `page ${p} has no ${what} offsets; the file is damaged`);
  check(
    offsets.length >= nChunks,
    "decodeTiff",
    `page ${p} lists ${offsets.length} ${what}s but its size needs ${nChunks}`,
  );
  const chunkRows = (k: number): number => (tiled ? chunkHeight : Math.min(chunkHeight, height - k * chunkHeight));
  const chunkBytes = (k: number): number => chunkWidth * chunkRows(Math.floor(k / across)) * spp * bytesPer;
  const listed = tagValues(file, ifd, tiled ? T.tileBytes : T.stripBytes);
  check(
    listed !== undefined || compression === 1,
    "decodeTiff",
    `page ${p} has no ${what} byte counts; the file is damaged`,
  );
  const counts: number[] = [];
  let needed = 0,
    stored = 0;
  for (let k = 0; k < nChunks; k++) {
    const count = listed ? listed[k] : chunkBytes(k);
    check(count !== undefined, "decodeTiff", `page ${p} lists fewer ${what} byte counts than ${what}s`);
    check(
      offsets[k] + count <= file.bytes.length,
      "decodeTiff",
      `page ${p} ${what} ${k} (${count} bytes at offset ${offsets[k]}) runs past the end of the file ` +
        `(${file.bytes.length} bytes); the file is truncated or damaged`,
    );
    if (compression === 1) {
      check(
        count >= chunkBytes(k),
        "decodeTiff",
        `page ${p} ${what} ${k} holds ${count} bytes but ${chunkBytes(k)} are needed; the file is truncated or ` +
          `damaged`,
      );
    }
    counts.push(count);
    needed += chunkBytes(k);
    stored += count;
  }
  check(
    needed <= stored * MAX_RATIO[compression],
    "decodeTiff",
    `page ${p} claims ${width}x${height}x${spp} samples of ${bits} bits (${needed} bytes) but its ` +
      `${COMPRESSION_NAME[compression]} data is only ${stored} bytes; the header is damaged`,
  );
  return {
    width,
    height,
    spp,
    bytesPer,
    type,
    photometric,
    compression,
    predictor,
    tiled,
    chunkWidth,
    chunkHeight,
    across,
    offsets: offsets.slice(0, nChunks),
    counts,
    needed,
  };
}

function decodePage(file: TiffFile, l: PageLayout, p: number, frame: Float32Array): void {
  const { width, height, spp, bytesPer, type, chunkWidth, chunkHeight, across, tiled } = l;
  const get = sampleReader(type, file.le);
  const colour = spp >= 3 && l.photometric === 2;
  const maxInt = type.startsWith("uint") ? Math.pow(2, bytesPer * 8) - 1 : 0;
  for (let k = 0; k < l.offsets.length; k++) {
    const y0 = Math.floor(k / across) * chunkHeight,
      x0 = (k % across) * chunkWidth;
    const rows = tiled ? chunkHeight : Math.min(chunkHeight, height - y0);
    const want = chunkWidth * rows * spp * bytesPer;
    const where = `page ${p} ${tiled ? "tile" : "strip"} ${k}`;
    // some writers pad the last strip to full rowsPerStrip rows: decode up to a full strip, use the rows needed
    const cap = chunkWidth * chunkHeight * spp * bytesPer;
    let buf = decompress(l.compression, file.bytes.subarray(l.offsets[k], l.offsets[k] + l.counts[k]), cap, where);
    check(
      buf.length >= want,
      "decodeTiff",
      `${where} decodes to ${buf.length} bytes but ${want} are needed; the data is truncated or damaged`,
    );
    if (l.predictor !== 1) {
      if (l.compression === 1) buf = buf.slice(); // never modify the caller's bytes
      undoPredictor(l.predictor, buf, rows, chunkWidth * spp, spp, bytesPer, file.le);
    }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let r = 0; r < rows && y0 + r < height; r++) {
      for (let c = 0; c < chunkWidth && x0 + c < width; c++) {
        const o = (r * chunkWidth + c) * spp * bytesPer;
        let v = colour
          ? 0.299 * get(dv, o) + 0.587 * get(dv, o + bytesPer) + 0.114 * get(dv, o + 2 * bytesPer)
          : get(dv, o);
        if (l.photometric === 0 && maxInt > 0) v = maxInt - v; // WhiteIsZero: bright atoms must stay bright
        frame[(y0 + r) * width + x0 + c] = v;
      }
    }
  }
}

/** Reads one sample at a byte offset, in the file's byte order (the decoded data keep it). */
function sampleReader(type: string, le: boolean): (dv: DataView, o: number) => number {
  switch (type) {
    case "uint8":
      return (dv, o) => dv.getUint8(o);
    case "int8":
      return (dv, o) => dv.getInt8(o);
    case "uint16":
      return (dv, o) => dv.getUint16(o, le);
    case "int16":
      return (dv, o) => dv.getInt16(o, le);
    case "uint32":
      return (dv, o) => dv.getUint32(o, le);
    case "int32":
      return (dv, o) => dv.getInt32(o, le);
    case "float16":
      return (dv, o) => halfToFloat(dv.getUint16(o, le));
    case "float32":
      return (dv, o) => dv.getFloat32(o, le);
    default:
      return (dv, o) => dv.getFloat64(o, le);
  }
}
