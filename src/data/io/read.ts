import * as fs from "fs";
import * as path from "path";
import { IvaeInputError, check } from "../../util/errors";
import { selectFrames } from "./channels";
import { readHdf5Image } from "./hdf5";
import { decodeRawImages } from "./decode-raw";
import { channelAt, channelCount, imageStack } from "../image-stack";
import {
  ImageFile,
  ReadOptions,
  SourceFormat,
  defaultAxes,
  frameAxis,
  imageAxis,
  makeMetadata,
  toNm,
} from "./metadata";
import { isNpy } from "./npy";
import { decodeMicroscopeSync, sniffMicroscopeFormat } from "./sniff";
import { decodeTiff, isTiff } from "./tiff";
import { withFileName } from "./bytes";

/** Files above this size are refused before reading (the readers hold the whole file in memory). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;
const MAX_EMI_BYTES = 64 * 2 ** 20;

/** Sibling files that carry metadata for the main file (TIA writes an .emi next to each .ser series). */
export interface SiblingFiles {
  emi?: Uint8Array;
}

/**
 * Reads an image file with its calibration: DigitalMicrograph .dm3/.dm4, TIA .ser (+ its .emi), Velox and
 * Berkeley .emd, HyperSpy .hspy/.h5, .npy and .png (uncalibrated) and .tif (ImageJ, FEI/Thermo or
 * centimetre-resolution calibration when the file has one). The reader is chosen by the file's content, not
 * its extension. Pixels are raw values (no normalisation: use {@link normalizeImages}); simultaneous detector
 * images come back as `channels`.
 */
export async function readImageFile(file: string, opts: ReadOptions = {}): Promise<ImageFile> {
  const bytes = readFileBytes(file, "readImageFile");
  return decodeImageFile(bytes, path.basename(file), opts, { emi: findEmi(file) });
}

/** A file's bytes, after checking that it exists, is a file and is below {@link MAX_FILE_BYTES}. */
export function readFileBytes(file: string, where: string): Uint8Array {
  check(typeof file === "string" && file.length > 0, where, "expected a file path");
  if (!fs.existsSync(file)) throw new IvaeInputError(`${where}: no such file ${JSON.stringify(file)}`);
  const stat = fs.statSync(file);
  check(!stat.isDirectory(), where, `${JSON.stringify(file)} is a directory; expected an image file`);
  if (stat.size > MAX_FILE_BYTES) {
    throw new IvaeInputError(`${where}: ${path.basename(file)} has ${stat.size} bytes; files above 2 GiB are not read`);
  }
  return new Uint8Array(fs.readFileSync(file));
}

/**
 * {@link readImageFile} on bytes already in memory; `name` is used in messages and the metadata.
 * `keepNpyChannels`: a .npy channel axis becomes `channels` (by default it is averaged, as in `loadImages`).
 */
export async function decodeImageFile(
  bytes: Uint8Array,
  name = "the file",
  opts: ReadOptions = {},
  siblings: SiblingFiles = {},
  keepNpyChannels = false,
): Promise<ImageFile> {
  if (sniffMicroscopeFormat(bytes) !== "hdf5") return decodeImageFileSync(bytes, name, opts, siblings, keepNpyChannels);
  const result = await readHdf5Image(bytes, name, { ...opts, frames: undefined });
  rejectNonFinite(result, name);
  return selectFrames(result, opts, "readImageFile");
}

/** {@link decodeImageFile} for every format but HDF5 (which needs h5wasm's asynchronous set-up and is refused). */
export function decodeImageFileSync(
  bytes: Uint8Array,
  name = "the file",
  opts: ReadOptions = {},
  siblings: SiblingFiles = {},
  keepNpyChannels = false,
): ImageFile {
  const micro = decodeMicroscopeSync(bytes, name, { ...opts, frames: undefined }, siblings.emi);
  const result = micro ?? plainImage(bytes, name, keepNpyChannels);
  rejectNonFinite(result, name);
  return selectFrames(result, opts, "readImageFile");
}

/** .npy and PNG through the existing decoders, raw values, with uncalibrated axes; TIFF with its calibration. */
function plainImage(bytes: Uint8Array, name: string, keepNpyChannels: boolean): ImageFile {
  if (isTiff(bytes)) return tiffImage(bytes, name);
  const all = decodeRawImages(bytes, { channels: keepNpyChannels }, name);
  const C = channelCount(all);
  const channels = C > 1 ? Array.from({ length: C }, (_, k) => channelAt(all, k)) : undefined;
  const images = channels ? channels[0] : all;
  const format: SourceFormat = isNpy(bytes) ? "npy" : "png";
  const dtype = format === "npy" ? npyDescr(bytes) : format;
  const axes = defaultAxes(images.n, images.height, images.width);
  const names = channels?.map((_, k) => `channel ${k}`);
  const metadata = makeMetadata(name, format, axes, { dtype, ...(names ? { channels: names } : {}) });
  return channels ? { images, channels, metadata } : { images, metadata };
}

/**
 * A TIFF with the calibration {@link decodeTiff} found (ImageJ, FEI/Thermo or centimetre resolution): lengths
 * in nm like every other reader; ImageJ's `spacing=` becomes the frame axis step of a stack, in the same unit.
 */
function tiffImage(bytes: Uint8Array, name: string): ImageFile {
  const d = withFileName(name, () => decodeTiff(bytes));
  // an ImageJ hyperstack's pages are channel-fastest: [n, C, h, w], the multi-channel ImageStack layout
  const C = d.channels,
    n = d.n / C;
  const all = imageStack(d.data, n, d.height, d.width, C);
  const channels = C > 1 ? Array.from({ length: C }, (_, k) => channelAt(all, k)) : undefined;
  const images = channels ? channels[0] : all;
  const cal = d.calibration;
  let axes = defaultAxes(n, d.height, d.width);
  if (cal.pixelSize) {
    const { x, y, unit } = cal.pixelSize;
    const spacing = cal.frameSpacing !== null && n > 1 ? toNm(cal.frameSpacing, unit) : undefined;
    axes = [
      ...(n > 1 ? [spacing ? frameAxis(n, spacing.value, 0, spacing.unit) : frameAxis(n)] : []),
      imageAxis("y", d.height, y, 0, unit),
      imageAxis("x", d.width, x, 0, unit),
    ];
  }
  const original = { calibrationSource: cal.source };
  const names = channels ? (d.channelNames ?? channels.map((_, k) => `channel ${k}`)) : undefined;
  const metadata = makeMetadata(name, "tiff", axes, {
    dtype: d.sampleType,
    original,
    ...(names ? { channels: names } : {}),
  });
  return channels ? { images, channels, metadata } : { images, metadata };
}

function npyDescr(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 512)).toString("latin1");
  return /'descr'\s*:\s*'([^']*)'/.exec(head)?.[1] ?? "npy";
}

function rejectNonFinite(r: ImageFile, name: string): void {
  for (const [c, s] of (r.channels ?? [r.images]).entries()) {
    const d = s.data,
      size = s.height * s.width;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        const [frame, row, col] = [Math.floor(i / size), Math.floor((i % size) / s.width), i % s.width];
        throw new IvaeInputError(
          `readImageFile: ${name} has a non-finite pixel (${d[i]}) in channel ${c}, ` +
            `frame ${frame}, row ${row}, column ${col}; replace NaN/Inf pixels first`,
        );
      }
    }
  }
}

/** The .emi written by TIA next to `name_1.ser` is `name.emi`; returns its bytes when present and small. */
export function findEmi(file: string): Uint8Array | undefined {
  if (path.extname(file).toLowerCase() !== ".ser") return undefined;
  const base = file.slice(0, -4);
  for (const candidate of [base.replace(/_\d+$/, "") + ".emi", base + ".emi"]) {
    try {
      if (fs.existsSync(candidate) && fs.statSync(candidate).size <= MAX_EMI_BYTES) {
        return new Uint8Array(fs.readFileSync(candidate));
      }
    } catch {
      // an unreadable sibling only costs the acquisition facts
    }
  }
  return undefined;
}
