import { ImageStack, imageStack, mergeChannels } from "../image-stack";
import { check, IvaeInputError } from "../../util/errors";
import { ImageFile, ImageMetadata, ReadOptions, defaultAxes, lengthInNm, makeMetadata } from "./metadata";

/** One image found in a file, before the choice of the main image and its channels. */
export interface Candidate {
  /** detector / title name ("HAADF", "DF4", ...) */
  name: string;
  /** an id of the image within the file (Velox uuid, EMD group, DM ImageList index) */
  id: string;
  stack: ImageStack;
  metadata: ImageMetadata;
}

/**
 * Chooses the image to return: `opts.dataset` by index, id or name; by default the largest. Every other
 * candidate of the same frames × height × width becomes a channel (simultaneous detector images are
 * recorded on one scan grid, so equal shape is what marks them as aligned).
 */
export function chooseCandidate(cands: Candidate[], opts: ReadOptions, where: string, file: string): ImageFile {
  check(cands.length > 0, where, `${file}: the file holds no image`);
  let main: Candidate;
  const sel = opts.dataset;
  if (sel === undefined) {
    main = cands.reduce((a, c) => (c.stack.data.length > a.stack.data.length ? c : a));
  } else if (typeof sel === "number") {
    const names = cands.map((c) => c.name).join(", ");
    check(
      Number.isInteger(sel) && sel >= 0 && sel < cands.length,
      where,
      `${file}: dataset ${sel} out of range; the file holds ${cands.length} image(s): ${names}`,
    );
    main = cands[sel];
  } else {
    const found = cands.find((c) => c.id === sel || c.name === sel);
    if (!found) {
      throw new IvaeInputError(
        `${where}: ${file}: no image named ${JSON.stringify(sel)}; ` +
          `the file holds ${cands.map((c) => `${c.name} (${c.id})`).join(", ")}`,
      );
    }
    main = found;
  }
  const same = cands.filter((c) => c === main || (sel === undefined && sameShape(c.stack, main.stack)));
  const ordered = [main, ...same.filter((c) => c !== main)];
  const metadata: ImageMetadata = { ...main.metadata, channels: ordered.map((c) => c.name) };
  if (ordered.length > 1) {
    metadata.original = { ...metadata.original, channelIds: ordered.map((c) => c.id) };
  }
  const result: ImageFile = { images: main.stack, metadata };
  if (ordered.length > 1) result.channels = ordered.map((c) => c.stack);
  return selectFrames(result, opts, where);
}

function sameShape(a: ImageStack, b: ImageStack): boolean {
  return a.n === b.n && a.height === b.height && a.width === b.width;
}

/** Keeps the frames listed in `opts.frames` (in that order) in the images, every channel and the frame axis. */
export function selectFrames(r: ImageFile, opts: ReadOptions, where: string): ImageFile {
  const frames = opts.frames;
  if (!frames) return r;
  const n = r.images.n;
  for (const f of frames) {
    check(
      Number.isInteger(f) && f >= 0 && f < n,
      where,
      `frame ${f} out of range; ${r.metadata.file} has ${n} frame(s)`,
    );
  }
  const pick = (s: ImageStack): ImageStack => {
    const size = s.height * s.width;
    const data = new Float32Array(frames.length * size);
    frames.forEach((f, k) => data.set(s.data.subarray(f * size, (f + 1) * size), k * size));
    return imageStack(data, frames.length, s.height, s.width);
  };
  const images = pick(r.images);
  const channels = r.channels?.map((c) => (c === r.images ? images : pick(c)));
  const axes = r.metadata.axes.map((a) => (a.navigate ? { ...a, size: frames.length } : a));
  const out: ImageFile = { images, metadata: { ...r.metadata, axes, frames: frames.length } };
  if (channels) out.channels = channels;
  return out;
}

/** Options of {@link stackChannels}. */
export interface StackChannelsOptions {
  /** names of the channels, default: each file's first channel name, or "channel i" */
  names?: string[];
  /**
   * largest relative difference of the pixel sizes of calibrated inputs (default 0.01): images of different
   * calibration cannot be aligned pixel for pixel
   */
  pixelSizeTolerance?: number;
}

/**
 * Stacks separately loaded images of the same area (e.g. the simultaneous ADF and ABF files) as the channels
 * of one result: all must have the same frames × height × width, and calibrated inputs the same pixel size.
 * The first input gives the metadata; its `channels` lists the names in input order.
 */
export function stackChannels(inputs: (ImageFile | ImageStack)[], opts: StackChannelsOptions = {}): ImageFile {
  check(Array.isArray(inputs) && inputs.length >= 1, "stackChannels", "expected at least one image");
  const files: ImageFile[] = inputs.map((x, i) => ("images" in x ? x : bareFile(x, `channel ${i}`)));
  const first = files[0];
  const names = opts.names ?? files.map((f, i) => f.metadata.channels[0] ?? `channel ${i}`);
  check(names.length === files.length, "stackChannels", `got ${names.length} names for ${files.length} images`);
  const tol = opts.pixelSizeTolerance ?? 0.01;
  files.forEach((f, i) => {
    const a = first.images,
      b = f.images;
    if (!sameShape(a, b)) {
      throw new IvaeInputError(
        `stackChannels: ${f.metadata.file} (${names[i]}) is ${b.n}×${b.height}×${b.width} ` +
          `(frames×height×width) but ${first.metadata.file} (${names[0]}) is ${a.n}×${a.height}×${a.width}; ` +
          `channels must be aligned pixel for pixel`,
      );
    }
    const pa = nmPerPixel(first.metadata),
      pb = nmPerPixel(f.metadata);
    if (pa !== undefined && pb !== undefined && Math.abs(pa - pb) > tol * Math.max(pa, pb)) {
      throw new IvaeInputError(
        `stackChannels: ${f.metadata.file} has ${pb} nm per pixel but ${first.metadata.file} ` +
          `has ${pa} nm; images of different calibration are not aligned channels`,
      );
    }
  });
  return {
    images: first.images,
    channels: files.map((f) => f.images),
    metadata: { ...first.metadata, channels: names },
  };
}

function nmPerPixel(m: ImageMetadata): number | undefined {
  return m.calibrated ? lengthInNm(m.pixelSize.x.value, m.pixelSize.x.unit) : undefined;
}

function bareFile(s: ImageStack, name: string): ImageFile {
  const axes = defaultAxes(s.n, s.height, s.width);
  return { images: s, metadata: makeMetadata(name, "array", axes, { channels: [name] }) };
}

/**
 * The images of a file as one stack with all its channels ([frames, channels, height, width], channel order of
 * `metadata.channels`), the input of a multi-channel model (`new RVAE({ channels })`); the single-channel
 * `images` when the file has one channel.
 */
export function channelImages(file: ImageFile): ImageStack {
  return file.channels && file.channels.length > 1 ? mergeChannels(file.channels) : file.images;
}
