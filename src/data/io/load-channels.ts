import * as path from "path";
import { ImageStack, imageStack } from "../image-stack";
import { check, IvaeInputError } from "../../util/errors";
import { channelImages, selectFrames, stackChannels, StackChannelsOptions } from "./channels";
import type { LoadOptions } from "./load-options";
import { ImageFile, ReadOptions } from "./metadata";
import { decodeImageFile, decodeImageFileSync, findEmi, readFileBytes } from "./read";

/**
 * Detector channels from files: several files of one scan (ADF and ABF written separately, as atomap's
 * example pair or a DigitalMicrograph session writes them), one file that declares its detectors, or a stack
 * whose frames are detectors. Every route ends in {@link stackChannels}, so shapes and calibrations are
 * checked the same way; HyperSpy and Velox keep the detectors of one scan as separate signals of one file,
 * which `readImageFile` already returns as `channels`.
 */

/** Options of {@link readChannelFiles}. */
export interface ChannelFileOptions extends ReadOptions, StackChannelsOptions {
  /** true (default): one channel per file, or the channels one file declares; "frames": a stack's frames */
  channels?: true | "frames";
}

/**
 * Several detector files (or one multi-channel file) read with their calibration and metadata, as one
 * {@link ImageFile} whose `channels` are the detectors in path order; `channelImages(result)` is the model's
 * [n, C, h, w] input. Shapes must agree and calibrated pixel sizes within `pixelSizeTolerance`. Reads HDF5
 * (.emd, .hspy) too; the synchronous `loadImages([...paths])` gives the normalised stack of the other formats.
 */
export async function readChannelFiles(files: string | string[], opts: ChannelFileOptions = {}): Promise<ImageFile> {
  const paths = pathList(files, "readChannelFiles");
  const read = await Promise.all(
    paths.map((p) =>
      decodeImageFile(
        readFileBytes(p, "readChannelFiles"),
        path.basename(p),
        { dataset: opts.dataset },
        { emi: findEmi(p) },
        true,
      ),
    ),
  );
  return combineChannelFiles(read, opts, "readChannelFiles");
}

/**
 * The sync route of `loadImages(paths, { channels })`: raw values, channels [n, C, h, w] (normalise with
 * `normalizeImages`, which scales each channel on its own).
 */
export function loadChannelImages(files: string | string[], opts: LoadOptions & StackChannelsOptions = {}): ImageStack {
  const paths = pathList(files, "loadImages");
  const inputs = paths.map((p) => ({ bytes: readFileBytes(p, "loadImages"), name: path.basename(p), emi: findEmi(p) }));
  return decodeChannelFiles(inputs, opts);
}

/** {@link loadChannelImages} on bytes in memory (one entry per file). */
export function decodeChannelFiles(
  inputs: { bytes: Uint8Array; name: string; emi?: Uint8Array }[],
  opts: LoadOptions & StackChannelsOptions = {},
): ImageStack {
  check(
    opts.channel === undefined,
    "loadImages",
    "`channel` merges or picks the channels of a .npy file; it cannot be combined with `channels`",
  );
  check(
    opts.format === undefined,
    "loadImages",
    "`format` is not used with `channels`: each file's reader is chosen by its content",
  );
  check(
    opts.channels !== false || inputs.length === 1,
    "loadImages",
    `channels: false with ${inputs.length} paths; several paths are read as the channels of one stack`,
  );
  const files = inputs.map((i) => decodeImageFileSync(i.bytes, i.name, {}, { emi: i.emi }, true));
  const mode = opts.channels === "frames" ? "frames" : true;
  return channelImages(combineChannelFiles(files, { ...opts, channels: mode }, "loadImages"));
}

/** The files' channels stacked (or one stack's frames as channels), then `opts.frames` selected. */
function combineChannelFiles(files: ImageFile[], opts: ChannelFileOptions, where: string): ImageFile {
  if (opts.channels === "frames") {
    check(
      files.length === 1,
      where,
      `channels: "frames" reads the frames of one file as detectors; got ${files.length} files`,
    );
    return framesAsChannels(selectFrames(files[0], opts, where), opts.names, where);
  }
  check(
    opts.channels === undefined || opts.channels === true,
    where,
    `channels must be true or "frames", got ${JSON.stringify(opts.channels)}`,
  );
  const one = files.length === 1 && !opts.names;
  return selectFrames(one ? files[0] : stackChannels(files, opts), opts, where);
}

/** A stack of n frames recorded as n detectors of one scan: one image with n channels, names "frame k". */
function framesAsChannels(f: ImageFile, names: string[] | undefined, where: string): ImageFile {
  const file = f.metadata.file;
  if (f.channels && f.channels.length > 1) {
    throw new IvaeInputError(
      `${where}: ${file} already has ${f.channels.length} channels (${f.metadata.channels.join(", ")}); ` +
        `channels: "frames" is for stacks whose frames are detectors; use channels: true`,
    );
  }
  const { n, height: h, width: w, data } = f.images;
  const label = names ?? Array.from({ length: n }, (_, k) => `frame ${k}`);
  check(label.length === n, where, `got ${label.length} names for the ${n} frames of ${file}`);
  const plane = h * w;
  const channels = Array.from({ length: n }, (_, k) => imageStack(data.slice(k * plane, (k + 1) * plane), 1, h, w));
  const axes = f.metadata.axes.filter((a) => !a.navigate);
  const metadata = { ...f.metadata, axes, frames: 1, channels: label };
  return n > 1 ? { images: channels[0], channels, metadata } : { images: channels[0], metadata };
}

function pathList(files: string | string[], where: string): string[] {
  const paths = Array.isArray(files) ? files : [files];
  check(paths.length >= 1, where, "expected at least one file path");
  paths.forEach((p, i) =>
    check(typeof p === "string" && p.length > 0, where, `path ${i} must be a non-empty string, got ${String(p)}`),
  );
  return paths;
}
