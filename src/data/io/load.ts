import * as fs from "fs";
import * as path from "path";
import { channelCount, ImageStack, imageStack, selectImages } from "../image-stack";
import { decodeChannelFiles, loadChannelImages } from "./load-channels";
import { check, IvaeInputError } from "../../util/errors";
import { decodeNpy, encodeNpy, isNpy } from "./npy";
import { decodePng, encodePng } from "./png";
import { decodeTiff, isTiff } from "./tiff";
import { decodeMicroscopeSync } from "./sniff";

/** How {@link normalizeImages} maps intensities. */
export type Normalization =
  | "none"
  /** linear to [0, 1] between the minimum and the maximum */
  | "minmax"
  /** linear to [0, 1] between the low and high percentile, clipped (robust to hot pixels) */
  | "percentile"
  /** zero mean, unit standard deviation */
  | "zscore";

/** Options of {@link normalizeImages}. */
export interface NormalizeOptions {
  mode?: Normalization;
  /** normalise each frame on its own (default true: beam current drifts between frames of a movie) */
  perFrame?: boolean;
  /** percentiles for mode "percentile", default [0.1, 99.9] */
  percentiles?: [number, number];
}

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

/** Options of {@link loadImages} / {@link decodeImages}. */
export interface LoadOptions extends NormalizeOptions {
  /** force the format instead of sniffing the file's magic bytes */
  format?: "npy" | "png" | "tiff";
  /** keep only these frame indices */
  frames?: number[];
  /**
   * for .npy arrays with a channel axis ([n, h, w, c], [n, c, h, w] or [h, w, c], c ≤ 4): "mean" averages the
   * channels (default); a number picks that channel
   */
  channel?: "mean" | number;
  /**
   * keep detector channels as the channels of the stack ([n, C, h, w], each channel normalised on its own)
   * instead of merging them: `true` keeps the channels the file declares (ImageJ hyperstack, DM/TIA detectors,
   * a .npy channel axis), and is implied by an array of paths (one file per detector, see {@link loadImages});
   * `"frames"` reads the frames of one stack as detectors of one scan (a 3-D file written without channel
   * metadata): frame k becomes channel k of a single image (after `frames` picked them)
   */
  channels?: boolean | "frames";
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
 * {@link decodeImages} without the normalisation (raw values). With `channels: true` only a .npy channel axis
 * is kept as channels; the detector channels of TIFF/DM/TIA files come through `decodeImageFileSync`.
 */
export function decodeRawImages(bytes: Uint8Array, opts: LoadOptions = {}, name = "the file"): ImageStack {
  const fmt = opts.format ?? (isNpy(bytes) ? "npy" : isTiff(bytes) ? "tiff" : isPngBytes(bytes) ? "png" : undefined);
  let stack: ImageStack;
  if (fmt === "npy") stack = npyToStack(bytes, opts, name);
  else if (fmt === "png") {
    const d = decodePng(bytes);
    stack = imageStack(d.data, 1, d.height, d.width);
  } else if (fmt === "tiff") {
    const d = decodeTiff(bytes);
    stack = imageStack(d.data, d.n, d.height, d.width);
  } else {
    // DM3/DM4 and TIA .ser by content (HDF5 is refused there with a pointer to the async readImageFile)
    const micro = opts.format === undefined ? decodeMicroscopeSync(bytes, name) : undefined;
    if (!micro) {
      const head = Array.from(bytes.subarray(0, 8))
        .map((b) => b.toString(16).padStart(2, "0"))
        .join(" ");
      throw new IvaeInputError(
        `loadImages: ${name} is not a supported image (first bytes ${head}); expected .npy, .png or .tif/.tiff, ` +
          `or a microscope file (.dm3/.dm4, .ser; .emd/.hspy through readImageFile)`,
      );
    }
    stack = micro.images;
  }
  if (opts.frames) {
    for (const f of opts.frames) {
      check(
        Number.isInteger(f) && f >= 0 && f < stack.n,
        "loadImages",
        `frame ${f} out of range; ${name} has ${stack.n} frame(s)`,
      );
    }
    stack = selectImages(stack, opts.frames);
  }
  const C = channelCount(stack),
    size = stack.height * stack.width;
  for (let i = 0; i < stack.data.length; i++) {
    if (!Number.isFinite(stack.data[i])) {
      const plane = Math.floor(i / size);
      const where = C > 1 ? `frame ${Math.floor(plane / C)}, channel ${plane % C}` : `frame ${plane}`;
      throw new IvaeInputError(
        `loadImages: ${name} has a non-finite pixel (${stack.data[i]}) in ${where} at row ` +
          `${Math.floor((i % size) / stack.width)}, column ${i % stack.width}; replace NaN/Inf pixels before loading`,
      );
    }
  }
  return stack;
}

function isPngBytes(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function npyToStack(bytes: Uint8Array, opts: LoadOptions, name: string): ImageStack {
  const a = decodeNpy(bytes);
  let shape = a.shape;
  let data = a.data;
  const layout = channelLayout(shape, name);
  if (layout !== "none" && opts.channels === true) return npyChannels(a.data, shape, layout === "first");
  if (layout !== "none") {
    // channels last: [.., h, w, c], the channel stride is 1; channels first [n, c, h, w]: stride h*w within an image
    const first = layout === "first";
    const c = first ? shape[1] : shape[shape.length - 1];
    const plane = first ? shape[2] * shape[3] : 1;
    const pix = data.length / c;
    const merged = new Float32Array(pix);
    const ch = opts.channel ?? "mean";
    check(
      ch === "mean" || (Number.isInteger(ch) && ch >= 0 && ch < c),
      "loadImages",
      `channel must be "mean" or an integer in [0, ${c}), got ${String(ch)}`,
    );
    for (let p = 0; p < pix; p++) {
      const base = first ? Math.floor(p / plane) * c * plane + (p % plane) : p * c;
      if (ch === "mean") {
        let s = 0;
        for (let k = 0; k < c; k++) s += data[base + k * plane];
        merged[p] = s / c;
      } else merged[p] = data[base + ch * plane];
    }
    data = merged;
    shape = first ? [shape[0], shape[2], shape[3]] : shape.slice(0, -1);
  }
  if (shape.length === 2) return imageStack(data, 1, shape[0], shape[1]);
  if (shape.length === 3) return imageStack(data, shape[0], shape[1], shape[2]);
  throw new IvaeInputError(
    `loadImages: ${name} holds an array of shape [${a.shape.join(", ")}]; expected [height, width], [frames, ` +
      `height, width] ` +
      `or [frames, height, width, channels]`,
  );
}

/** A .npy array with a channel axis as a multi-channel stack: channel planes [n, C, h, w] (channels-last reordered). */
function npyChannels(data: Float32Array, shape: number[], first: boolean): ImageStack {
  if (first) return imageStack(data, shape[0], shape[2], shape[3], shape[1]);
  const [n, h, w, c] = shape.length === 3 ? [1, ...shape] : shape;
  const out = new Float32Array(data.length),
    plane = h * w;
  for (let i = 0; i < n; i++)
    for (let p = 0; p < plane; p++)
      for (let k = 0; k < c; k++) out[(i * c + k) * plane + p] = data[(i * plane + p) * c + k];
  return imageStack(out, n, h, w, c);
}

/**
 * Where the channel axis of a .npy array is. 3-D [h, w, c] with c <= 4 (and h, w > 4) is channels-last;
 * 4-D is [n, h, w, c] when only the last axis is <= 4, [n, c, h, w] (PyTorch's order) when only axis 1 is;
 * any other 4-D shape is ambiguous and rejected rather than guessed (a wrong guess averages rows as channels).
 */
function channelLayout(shape: number[], name: string): "none" | "last" | "first" {
  if (shape.length === 3) return shape[2] <= 4 && shape[0] > 4 && shape[1] > 4 ? "last" : "none";
  if (shape.length !== 4) return "none";
  const lastSmall = shape[3] <= 4,
    firstSmall = shape[1] <= 4;
  if (lastSmall && !firstSmall) return "last";
  if (firstSmall && !lastSmall) return "first";
  throw new IvaeInputError(
    `loadImages: ${name} holds a 4-D array of shape [${shape.join(", ")}] whose channel axis cannot be told apart ` +
      `from the image axes; expected [frames, height, width, channels] or [frames, channels, height, width] with ` +
      `at most 4 channels and images larger than 4 pixels. Save it as [frames, height, width] (e.g. arr.mean(axis=1))`,
  );
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
