import { ImageStack } from "../image-stack";

/** File formats that {@link readImageFile} recognises by content. */
export type SourceFormat =
  | "npy"
  | "png"
  | "tiff"
  | "dm3"
  | "dm4"
  | "ser"
  | "velox-emd"
  | "berkeley-emd"
  | "hyperspy"
  /** an ImageStack made in memory (see stackChannels) */
  | "array";

/**
 * One axis of the data as the file describes it. Physical position of index i is `offset + i * scale`
 * in `unit`. Uncalibrated axes have scale 1, offset 0 and unit "px" (or "frame" for a frame axis).
 */
export interface AxisInfo {
  /** "x" (columns), "y" (rows), "frame", or the file's own name for another axis */
  name: string;
  size: number;
  scale: number;
  offset: number;
  /** "nm", "pm", "Å", "µm", "1/nm", "s", "px", "frame", or the file's own string */
  unit: string;
  /** true for a navigation axis (frames of a series), false for the image (signal) axes */
  navigate: boolean;
}

/** Pixel size along one image axis. */
export interface PixelSize {
  value: number;
  unit: string;
}

/** What is known about the acquisition; only the facts that were cheap to read are set. */
export interface AcquisitionInfo {
  /** accelerating voltage in volts */
  voltage?: number;
  /** indicated magnification */
  magnification?: number;
  /** instrument or microscope name */
  microscope?: string;
  /** acquisition date/time as written in the file */
  date?: string;
}

/** A JSON-safe value (what `original` keeps of the file's own metadata). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Metadata every reader returns next to the pixels. Axes are listed slow to fast: frames (if any), y, x.
 * The frame axis is present only for stacks (n > 1) or files whose data has a navigation axis.
 */
export interface ImageMetadata {
  /** the file's base name (used in messages and tables) */
  file: string;
  format: SourceFormat;
  /** axes slow to fast: [frame?], y, x */
  axes: AxisInfo[];
  /** pixel size along x (columns) and y (rows) */
  pixelSize: { x: PixelSize; y: PixelSize };
  /** true when the file carried a spatial calibration (not the 1 px default) */
  calibrated: boolean;
  /** number of frames in `images` */
  frames: number;
  /** detector / channel names, one per channel ("HAADF", "ABF", ...); length 1 for single-channel files */
  channels: string[];
  /** e.g. "image", "spectrum", "diffraction", "EELS", as the file says; "image" when unknown */
  signalType: string;
  /** the element type stored in the file: "uint16", "int16", "float32", ... (pixels are always float32 here) */
  dtype: string;
  acquisition: AcquisitionInfo;
  /** a bounded, JSON-safe subset of the file's own metadata (see {@link boundJson}) */
  original: { [key: string]: JsonValue };
}

/** Result of {@link readImageFile}. */
export interface ImageFile {
  /** the first (or only) channel: frames × height × width, float32 */
  images: ImageStack;
  /**
   * all channels, aligned pixel for pixel (same n, height, width), in the order of `metadata.channels`;
   * present only when the file holds more than one simultaneous detector image. `channels[0] === images`.
   */
  channels?: ImageStack[];
  metadata: ImageMetadata;
}

/** Options of {@link readImageFile}. */
export interface ReadOptions {
  /**
   * for files holding several images of different shapes (Velox, Berkeley EMD, DM ImageList): the index
   * or name of the one to read; default: the largest image, with every other same-shape image as a channel
   */
  dataset?: number | string;
  /** keep only these frame indices */
  frames?: number[];
}

/** Limits of {@link boundJson}: keeps `original` metadata small enough to print and serialise. */
export const ORIGINAL_LIMITS = { depth: 6, keys: 200, string: 2000, array: 64 } as const;

/**
 * Returns a JSON-safe copy of `x` bounded in depth, keys per object, string length and array length
 * (typed arrays and long arrays are summarised), so that huge tag trees never bloat the metadata.
 */
export function boundJson(x: unknown, depth = 0): JsonValue {
  if (x === null || x === undefined) return null;
  if (typeof x === "number") return Number.isFinite(x) ? x : String(x);
  if (typeof x === "bigint") return Number(x);
  if (typeof x === "boolean") return x;
  if (typeof x === "string") {
    return x.length > ORIGINAL_LIMITS.string ? x.slice(0, ORIGINAL_LIMITS.string) + "…" : x;
  }
  if (depth >= ORIGINAL_LIMITS.depth) return "…";
  if (ArrayBuffer.isView(x) || Array.isArray(x)) {
    const arr = Array.from(x as ArrayLike<unknown>);
    if (arr.length > ORIGINAL_LIMITS.array) return `[${arr.length} values]`;
    return arr.map((v) => boundJson(v, depth + 1));
  }
  if (typeof x === "object") {
    const out: { [key: string]: JsonValue } = {};
    const keys = Object.keys(x as object);
    const obj = x as Record<string, unknown>;
    for (const k of keys.slice(0, ORIGINAL_LIMITS.keys)) out[k] = boundJson(obj[k], depth + 1);
    if (keys.length > ORIGINAL_LIMITS.keys) out["…"] = `${keys.length - ORIGINAL_LIMITS.keys} more keys`;
    return out;
  }
  return String(x);
}

/** Axes for an uncalibrated stack (1 px per pixel), frame axis only when n > 1. */
export function defaultAxes(n: number, height: number, width: number): AxisInfo[] {
  const axes: AxisInfo[] = [];
  if (n > 1) axes.push({ name: "frame", size: n, scale: 1, offset: 0, unit: "frame", navigate: true });
  axes.push({ name: "y", size: height, scale: 1, offset: 0, unit: "px", navigate: false });
  axes.push({ name: "x", size: width, scale: 1, offset: 0, unit: "px", navigate: false });
  return axes;
}

/** An axis carries a calibration unless it is in px, or unit-less with scale 1. */
function isCalibrated(a: AxisInfo): boolean {
  return a.unit !== "px" && (a.unit !== "" || a.scale !== 1);
}

/** Builds the metadata from the axes (slow to fast, last two are y and x); fills pixelSize/frames/calibrated. */
export function makeMetadata(
  file: string,
  format: SourceFormat,
  axes: AxisInfo[],
  rest: Partial<Pick<ImageMetadata, "channels" | "signalType" | "dtype" | "acquisition" | "original">> = {},
): ImageMetadata {
  const x = axes[axes.length - 1],
    y = axes[axes.length - 2];
  const frames = axes.slice(0, -2).reduce((a, ax) => a * ax.size, 1);
  return {
    file,
    format,
    axes,
    pixelSize: { x: { value: x.scale, unit: x.unit }, y: { value: y.scale, unit: y.unit } },
    calibrated: isCalibrated(x) || isCalibrated(y),
    frames,
    channels: rest.channels ?? ["image"],
    signalType: rest.signalType ?? "image",
    dtype: rest.dtype ?? "float32",
    acquisition: rest.acquisition ?? {},
    original: rest.original ?? {},
  };
}

const NM_PER: Record<string, number> = {
  m: 1e9,
  mm: 1e6,
  µm: 1e3,
  μm: 1e3,
  um: 1e3,
  micron: 1e3,
  nm: 1,
  Å: 0.1,
  A: 0.1,
  angstrom: 0.1,
  pm: 1e-3,
};

/** A length in nanometres, or undefined when the unit is not a length (px, 1/nm, s, ...). */
export function lengthInNm(value: number, unit: string): number | undefined {
  const f = NM_PER[unit.trim()];
  return f === undefined ? undefined : value * f;
}

/**
 * Expresses a length calibration in nm when it is given in metres (TIA, Velox) or another length unit, so
 * that every reader reports image pixel sizes in one unit; other units (1/nm, s, px) pass through unchanged.
 */
export function toNm(value: number, unit: string): PixelSize {
  const v = lengthInNm(value, unit);
  return v === undefined ? { value, unit } : { value: v, unit: "nm" };
}

/**
 * Normalises a unit string as files write it: openNCEM's "[n_m]" and "n_m" become "nm", "A"/"Ang" "Å",
 * "um"/"micron" "µm"; HyperSpy's "<undefined>" becomes "" (unknown).
 */
export function normalizeUnit(raw: unknown): string {
  if (typeof raw !== "string") return "";
  const u = raw.trim().replace(/[[\]_]/g, "");
  if (u === "<undefined>" || u === "undefined") return "";
  const map: Record<string, string> = {
    A: "Å",
    Ang: "Å",
    angstrom: "Å",
    um: "µm",
    μm: "µm",
    micron: "µm",
    "1/A": "1/Å",
  };
  return map[u] ?? u;
}

/**
 * An image axis with its calibration expressed in nm when the unit is a length, and in 1/nm when it is a
 * reciprocal length (diffraction), so every reader reports pixel sizes in one unit; other units (eV, s, ""
 * when unknown) are kept as given.
 */
export function imageAxis(name: string, size: number, scale: number, offset: number, unit: string): AxisInfo {
  if (!(Number.isFinite(scale) && scale !== 0)) return { name, size, scale: 1, offset: 0, unit: "px", navigate: false };
  const off = Number.isFinite(offset) ? offset : 0;
  const f = lengthInNm(1, unit);
  if (f !== undefined) return { name, size, scale: scale * f, offset: off * f, unit: "nm", navigate: false };
  const inverse = /^1\s*\/\s*(.+)$/.exec(unit);
  const g = inverse ? lengthInNm(1, normalizeUnit(inverse[1])) : undefined;
  if (g !== undefined) return { name, size, scale: scale / g, offset: off / g, unit: "1/nm", navigate: false };
  return { name, size, scale, offset: off, unit, navigate: false };
}

/** A frame (navigation) axis; uncalibrated frames count in "frame". */
export function frameAxis(size: number, scale = 1, offset = 0, unit = "frame", name = "frame"): AxisInfo {
  const ok = Number.isFinite(scale) && scale !== 0;
  if (!ok) return { name, size, scale: 1, offset: 0, unit: "frame", navigate: true };
  return { name, size, scale, offset: Number.isFinite(offset) ? offset : 0, unit: unit || "frame", navigate: true };
}
