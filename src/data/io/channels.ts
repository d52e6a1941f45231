import { channelAt, channelCount, ImageStack, imageStack, isImageStack, mergeChannels } from "../image-stack";
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
 * An input that has channels itself contributes all of them, in its own order. The first input gives the
 * metadata; its `channels` lists the names in input order (a name used twice gets the file's name added).
 */
export function stackChannels(inputs: (ImageFile | ImageStack)[], opts: StackChannelsOptions = {}): ImageFile {
  check(Array.isArray(inputs) && inputs.length >= 1, "stackChannels", "expected at least one image");
  inputs.forEach((x, i) =>
    check(
      !!x && typeof x === "object" && ("images" in x || isImageStack(x)),
      "stackChannels",
      `input ${i} is neither an ImageFile (readImageFile) nor an ImageStack`,
    ),
  );
  const files: ImageFile[] = inputs.flatMap((x, i) => ("images" in x ? splitFile(x) : splitStack(x, i)));
  const first = files[0];
  // a file that names no detector (makeMetadata's "image") is named by its file: "sto_ADF.npy" → "sto_ADF"
  const given = files.map((f, i) => {
    const c = f.metadata.channels[0];
    return c === "image" || !c ? fileStem(f.metadata.file) || `channel ${i}` : c;
  });
  const names =
    opts.names ??
    given.map((g, i) => (given.indexOf(g) !== given.lastIndexOf(g) ? `${g} (${files[i].metadata.file})` : g));
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
        `stackChannels: ${f.metadata.file} has ${+pb.toPrecision(6)} nm per pixel but ${first.metadata.file} ` +
          `has ${+pa.toPrecision(6)} nm; images of different calibration are not aligned channels`,
      );
    }
  });
  const out: ImageFile = { images: first.images, metadata: { ...first.metadata, channels: names } };
  if (files.length > 1) out.channels = files.map((f) => f.images);
  return out;
}

/** A file with several channels as one single-channel file per channel (same metadata, that channel's name). */
function splitFile(f: ImageFile): ImageFile[] {
  const chans = f.channels && f.channels.length > 1 ? f.channels : [f.images];
  return chans.map((images, k) => {
    const name = f.metadata.channels[k] ?? `channel ${k}`;
    const metadata = { ...f.metadata, channels: [name] };
    return { images, metadata };
  });
}

/** "dir/sto_ADF.npy" → "sto_ADF" (by hand: this module imports no Node built-in). */
function fileStem(file: string): string {
  return file.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
}

function nmPerPixel(m: ImageMetadata): number | undefined {
  return m.calibrated ? lengthInNm(m.pixelSize.x.value, m.pixelSize.x.unit) : undefined;
}

/** An ImageStack input as one file per channel, named "channel i" (or "channel i.k" for its channel k). */
function splitStack(s: ImageStack, i: number): ImageFile[] {
  const C = channelCount(s);
  if (C === 1) return [bareFile(s, `channel ${i}`)];
  return Array.from({ length: C }, (_, k) => bareFile(channelAt(s, k), `channel ${i}.${k}`));
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
