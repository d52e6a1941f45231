// Decoding an image file's bytes into a raw (not normalised) stack: below load.ts (which normalises) and read.ts
// (which adds metadata), so both can use it without an import circle.
import { channelCount, ImageStack, imageStack, selectImages } from "../image-stack";
import { check, IvaeInputError } from "../../util/errors";
import type { LoadOptions } from "./load-options";
import { decodeNpy, isNpy } from "./npy";
import { decodePng } from "./png";
import { decodeTiff, isTiff } from "./tiff";
import { decodeMicroscopeSync } from "./sniff";
import { withFileName } from "./bytes";

/**
 * `decodeImages` (load.ts) without the normalisation (raw values). With `channels: true` only a .npy channel axis
 * is kept as channels; the detector channels of TIFF/DM/TIA files come through `decodeImageFileSync`.
 */
export function decodeRawImages(bytes: Uint8Array, opts: LoadOptions = {}, name = "the file"): ImageStack {
  const fmt = opts.format ?? (isNpy(bytes) ? "npy" : isTiff(bytes) ? "tiff" : isPngBytes(bytes) ? "png" : undefined);
  let stack: ImageStack;
  if (fmt === "npy") stack = withFileName(name, () => npyToStack(bytes, opts, name));
  else if (fmt === "png") {
    const d = withFileName(name, () => decodePng(bytes));
    stack = imageStack(d.data, 1, d.height, d.width);
  } else if (fmt === "tiff") {
    const d = withFileName(name, () => decodeTiff(bytes));
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
