/** DigitalMicrograph images: the largest image of the ImageList with its calibrations and acquisition tags. */
import { imageStack } from "../image-stack";
import { fileError, toFloat32 } from "./bytes";
import { Candidate, chooseCandidate } from "./channels";
import {
  AcquisitionInfo,
  AxisInfo,
  ImageFile,
  ReadOptions,
  boundJson,
  frameAxis,
  imageAxis,
  makeMetadata,
  normalizeUnit,
} from "./metadata";
import { DmArrayRef, DmGroup, DmValue, parseDMTags } from "./dm-tags";

export { isDM, parseDMTags } from "./dm-tags";
export type { DmArrayRef, DmGroup, DmTags, DmValue } from "./dm-tags";

const WHERE = "readDM";

// DM's ImageData.DataType codes (Gatan DM scripting documentation, also listed by openNCEM and RosettaSciIO)
const DATA_TYPES: Record<number, string> = {
  1: "int16",
  2: "float32",
  3: "complex64",
  5: "packed complex",
  6: "uint8",
  7: "int32",
  8: "RGB",
  9: "int8",
  10: "uint16",
  11: "uint32",
  12: "float64",
  13: "complex128",
  14: "binary",
  23: "RGBA",
  39: "int64",
  40: "uint64",
};

/** Reads a DM3/DM4 file: the largest image of the ImageList (the first is usually a thumbnail), 2-D or 3-D. */
export function readDM(bytes: Uint8Array, file: string, opts: ReadOptions = {}): ImageFile {
  const { version, littleEndian, root } = parseDMTags(bytes, file);
  const list = root.ImageList;
  if (!isGroup(list)) fileError(WHERE, file, "no ImageList tag group; not a DigitalMicrograph image file");
  const cands: Candidate[] = [];
  const problems: string[] = [];
  for (const [key, img] of Object.entries(list)) {
    if (!isGroup(img) || !isGroup(img.ImageData)) continue;
    const id = img.ImageData;
    const data = id.Data;
    const dimTag = id.Dimensions;
    const dims = Array.isArray(dimTag) ? dimTag : isGroup(dimTag) ? Object.values(dimTag) : [];
    const dt = typeof id.DataType === "number" ? id.DataType : -1;
    const dtName = DATA_TYPES[dt] ?? `DataType ${dt}`;
    if (/complex|RGB/.test(dtName)) {
      problems.push(`image ${key} is ${dtName}`);
      continue;
    }
    if (!dims.every((d) => typeof d === "number" && d >= 1) || dims.length < 1 || dims.length > 3) {
      problems.push(`image ${key} has dimensions [${dims.join(", ")}] (1 to 3 expected)`);
      continue;
    }
    const shape = dims as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const ref = toRef(data);
    if (!ref) {
      problems.push(`image ${key} has no numeric Data array`);
      continue;
    }
    if (ref.count !== count) {
      problems.push(`image ${key}: Data holds ${ref.count} values but Dimensions [${shape.join(", ")}] need ${count}`);
      continue;
    }
    const values = ref.values ?? toFloat32(bytes, ref.offset, count, ref.type, littleEndian);
    // DM lists dimensions fastest first: [x, y, z]
    const w = shape[0],
      h = shape[1] ?? 1,
      n = shape[2] ?? 1;
    const cal = calibrations(id);
    const axes: AxisInfo[] = [axisFor("y", h, cal[1]), axisFor("x", w, cal[0])];
    if (shape.length === 3) {
      const z = cal[2] ?? { scale: 1, origin: 0, unit: "" };
      axes.unshift(frameAxis(n, z.scale, -z.origin * z.scale, z.unit || "frame"));
    }
    const tags = isGroup(img.ImageTags) ? img.ImageTags : {};
    const origins = shape.map((_, i) => cal[i]?.origin ?? 0).reverse();
    cands.push({
      name: str(img.Name) || `image ${key}`,
      id: key,
      stack: imageStack(values, n, h, w),
      metadata: makeMetadata(file, version === 4 ? "dm4" : "dm3", axes, {
        dtype: DATA_TYPES[dt] ?? ref.type,
        signalType: signalType(tags),
        acquisition: acquisition(tags),
        original: { pixelOrigin: origins, ImageTags: boundJson(tags) as never },
      }),
    });
  }
  if (cands.length === 0) {
    fileError(
      WHERE,
      file,
      `no readable image (${problems.join("; ") || "empty ImageList"}); ` +
        `complex and RGB images are not supported: convert them to real gray images in DigitalMicrograph`,
    );
  }
  return chooseCandidate(cands, opts, WHERE, file);
}

function isGroup(v: DmValue | undefined): v is DmGroup {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !("offset" in v && "count" in v && "type" in v);
}

function toRef(v: DmValue | undefined): (DmArrayRef & { values?: Float32Array }) | undefined {
  if (Array.isArray(v)) return { offset: 0, type: "float32", count: v.length, values: Float32Array.from(v) };
  if (typeof v === "object" && v !== null && "offset" in v && "count" in v) return v as DmArrayRef;
  return undefined;
}

interface DmCal {
  scale: number;
  origin: number;
  unit: string;
}

function calibrations(id: DmGroup): DmCal[] {
  const cal = isGroup(id.Calibrations) ? id.Calibrations.Dimension : undefined;
  if (!isGroup(cal)) return [];
  return Object.values(cal).map((d) => {
    if (!isGroup(d)) return { scale: 1, origin: 0, unit: "" };
    const unit = str(d.Units) ?? "";
    const scale = typeof d.Scale === "number" ? d.Scale : 1;
    return { scale, origin: typeof d.Origin === "number" ? d.Origin : 0, unit: normalizeUnit(unit) };
  });
}

/** DM calibrates index i as (i − Origin) · Scale, so the physical offset of index 0 is −Origin · Scale. */
function axisFor(name: string, size: number, c: DmCal | undefined): AxisInfo {
  if (!c || !c.unit) return { name, size, scale: 1, offset: 0, unit: "px", navigate: false };
  return imageAxis(name, size, c.scale, -c.origin * c.scale, c.unit);
}

function path(g: DmGroup, ...keys: string[]): DmValue | undefined {
  let v: DmValue | undefined = g;
  for (const k of keys) v = isGroup(v) ? v[k] : undefined;
  return v;
}

/** A text tag: DM writes text as UTF-16 strings or as arrays of 16-bit characters. */
function str(v: DmValue | undefined): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.length <= 1024) return String.fromCharCode(...v);
  return undefined;
}

function signalType(tags: DmGroup): string {
  return str(path(tags, "Meta Data", "Signal")) || str(path(tags, "Meta Data", "Format")) || "image";
}

function acquisition(tags: DmGroup): AcquisitionInfo {
  const out: AcquisitionInfo = {};
  const v = path(tags, "Microscope Info", "Voltage");
  if (typeof v === "number" && v > 0) out.voltage = v;
  const info = path(tags, "Microscope Info");
  const m = isGroup(info) ? (info["Indicated Magnification"] ?? info["Actual Magnification"]) : undefined;
  if (typeof m === "number" && m > 0) out.magnification = m;
  const mic = str(path(tags, "Microscope Info", "Microscope"));
  if (mic) out.microscope = mic;
  const d = str(path(tags, "DataBar", "Acquisition Date")),
    t = str(path(tags, "DataBar", "Acquisition Time"));
  if (d) out.date = t ? `${d} ${t}` : d;
  return out;
}
