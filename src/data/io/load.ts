import * as fs from "fs";
import * as path from "path";
import { channelCount, ImageStack } from "../image-stack";
import { decodeChannelFiles, loadChannelImages } from "./load-channels";
import { check, IvaeInputError } from "../../util/errors";
import { encodeNpy } from "./npy";
import { encodePng } from "./png";
import { decodeRawImages } from "./decode-raw";
import type { LoadOptions, NormalizeOptions } from "./load-options";

export type { LoadOptions, Normalization, NormalizeOptions } from "./load-options";
export { decodeRawImages } from "./decode-raw";

/**
 * Normalises intensities (returns a new stack). "percentile" is the default because detector images
 * carry a few saturated or dead pixels that would squash a min–max scaling. Each channel of a multi-channel
 * stack is normalised on its own (per frame, or over all frames with `perFrame: false`).
 */
export function normalizeImages(stack: ImageStack, opts: NormalizeOptions = {}): ImageStack {
  const mode = opts.mode ?? "percentile";
  const perFrame = opts.perFrame ?? true;
  const [plo, phi] = opts.percentiles ?? [0.1, 99.9];
  check(
    ["none", "minmax", "percentile", "zscore"].includes(mode),
    "normalizeImages",
    `mode must be "none", "minmax", "percentile" or "zscore", got ${JSON.stringify(mode)}`,
  );
  check(
    plo >= 0 && phi <= 100 && plo < phi,
    "normalizeImages",
    `percentiles must satisfy 0 <= lo < hi <= 100, got [${plo}, ${phi}]`,
  );
  const out = new Float32Array(stack.data);
  if (mode === "none") return { ...stack, data: out };
  // each detector channel on its own (ADF counts and ABF levels are not on one scale): the groups are the
  // (frame, channel) planes, or with perFrame false every channel's planes of all frames together
  const plane = stack.height * stack.width,
    C = channelCount(stack);
  const groups = perFrame ? stack.n * C : C;
  const groupOf = (g: number): Float32Array => {
    if (perFrame || stack.n === 1) return out.subarray(g * plane, (g + 1) * plane);
    const v = new Float32Array(stack.n * plane);
    for (let i = 0; i < stack.n; i++) v.set(out.subarray((i * C + g) * plane, (i * C + g + 1) * plane), i * plane);
    return v;
  };
  const putBack = (g: number, v: Float32Array): void => {
    if (perFrame || stack.n === 1 || C === 1) return; // v was a view (or the only plane group) of out
    for (let i = 0; i < stack.n; i++) out.set(v.subarray(i * plane, (i + 1) * plane), (i * C + g) * plane);
  };
  for (let g = 0; g < groups; g++) {
    const v = C === 1 && !perFrame ? out : groupOf(g);
    if (mode === "zscore") {
      let m = 0;
      for (let i = 0; i < v.length; i++) m += v[i];
      m /= v.length;
      let s = 0;
      for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
      s = Math.sqrt(s / v.length) || 1;
      for (let i = 0; i < v.length; i++) v[i] = (v[i] - m) / s;
      putBack(g, v);
      continue;
    }
    let lo: number, hi: number;
    if (mode === "minmax") {
      lo = Infinity;
      hi = -Infinity;
      for (let i = 0; i < v.length; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
      }
    } else {
      const sorted = Float32Array.from(v).sort();
      lo = sorted[Math.min(sorted.length - 1, Math.floor((plo / 100) * (sorted.length - 1)))];
      hi = sorted[Math.min(sorted.length - 1, Math.ceil((phi / 100) * (sorted.length - 1)))];
    }
    const span = hi - lo;
    for (let i = 0; i < v.length; i++) {
      const t = span > 0 ? (v[i] - lo) / span : 0.5;
      v[i] = mode === "percentile" ? Math.min(1, Math.max(0, t)) : t;
    }
    putBack(g, v);
  }
  return { ...stack, data: out };
}

/**
 * Decodes an image file's bytes (.npy, PNG or TIFF, recognised by content) into a stack of frames,
 * then normalises it (default: per-frame percentile to [0, 1]; `mode: "none"` keeps the raw counts).
 * Shapes: 2-D → one frame; 3-D [n, h, w] → n frames; 4-D [n, h, w, c] or [n, c, h, w] (c ≤ 4) → channels merged
 * (kept as channels with `channels: true`); a 4-D shape whose channel axis cannot be told apart is rejected.
 */
export function decodeImages(bytes: Uint8Array, opts: LoadOptions = {}, name = "the file"): ImageStack {
  if (opts.channels) return normalizeImages(decodeChannelFiles([{ bytes, name }], opts), opts);
  return normalizeImages(decodeRawImages(bytes, opts, name), opts);
}

/**
 * Reads an image file (.npy, .png, .tif/.tiff, .dm3/.dm4, .ser; single image or stack of frames) from disk; see
 * {@link decodeImages}. Detector channels: `loadImages([adfPath, abfPath])` (or with `{ channels: true }`) stacks
 * files of simultaneous detectors as the channels of one stack [n, C, h, w] in path order, refusing different
 * shapes or calibrated pixel sizes (see {@link stackChannels}); `{ channels: true }` on one file keeps the
 * channels it declares; `{ channels: "frames" }` reads a stack's frames as detectors. HDF5 files (.emd, .hspy)
 * are read asynchronously: `readChannelFiles` is the same with calibration and metadata.
 */
export function loadImages(file: string | string[], opts: LoadOptions = {}): ImageStack {
  if (Array.isArray(file) || opts.channels) return normalizeImages(loadChannelImages(file, opts), opts);
  check(typeof file === "string" && file.length > 0, "loadImages", "expected a file path");
  if (!fs.existsSync(file)) throw new IvaeInputError(`loadImages: no such file ${JSON.stringify(file)}`);
  check(
    !fs.statSync(file).isDirectory(),
    "loadImages",
    `${JSON.stringify(file)} is a directory; expected an image file`,
  );
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new IvaeInputError(`loadImages: cannot read ${JSON.stringify(file)} (${(e as Error).message})`);
  }
  return decodeImages(bytes, opts, path.basename(file));
}

/**
 * Writes a stack to disk: ".npy" stores float32 [n, h, w] (or [h, w] for one frame); ".png" stores one
 * frame scaled min–max to 8 bits (pass `frame` to choose).
 */
export function saveImages(file: string, stack: ImageStack, opts: { frame?: number; bitDepth?: 8 | 16 } = {}): void {
  const ext = path.extname(file).toLowerCase();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  if (ext === ".npy") {
    const shape = stack.n === 1 ? [stack.height, stack.width] : [stack.n, stack.height, stack.width];
    fs.writeFileSync(file, encodeNpy(stack.data, shape));
  } else if (ext === ".png") {
    const f = opts.frame ?? 0;
    check(Number.isInteger(f) && f >= 0 && f < stack.n, "saveImages", `frame ${f} out of range [0, ${stack.n})`);
    const size = stack.height * stack.width;
    fs.writeFileSync(
      file,
      encodePng(stack.data.subarray(f * size, (f + 1) * size), stack.width, stack.height, { bitDepth: opts.bitDepth }),
    );
  } else {
    throw new IvaeInputError(
      `saveImages: cannot write ${JSON.stringify(ext)} files; expected a path ending in .npy or .png`,
    );
  }
}
