import { imageStack } from "../image-stack";
import { Cursor, NumericType, fileError, toFloat32, typeSize } from "./bytes";
import { selectFrames } from "./channels";
import {
  AcquisitionInfo,
  AxisInfo,
  ImageFile,
  JsonValue,
  ReadOptions,
  frameAxis,
  imageAxis,
  makeMetadata,
  normalizeUnit,
} from "./metadata";

// FEI/Thermo Fisher TIA .ser series files, after the format description used by openNCEM (ncempy/io/ser.py,
// from C. Boothroyd's notes) and RosettaSciIO (rsciio/tia), no code copied. Little-endian header:
// ByteOrder 0x4949, SeriesID 0x0197, SeriesVersion 0x0210 (32-bit offsets) | 0x0220 (64-bit offsets),
// DataTypeID 0x4120 (1-D elements) | 0x4122 (2-D elements), TagTypeID, TotalNumberElements,
// ValidNumberElements, OffsetArrayOffset, NumberDimensions, then per series dimension: size, calibration
// offset/delta (f64), calibration element (i32), description and units (length-prefixed text).
// Each 2-D element: CalibrationOffsetX/DeltaX (f64, metres), ElementX (i32), the same for Y, DataType (i16),
// ArraySizeX/Y (u32), then the pixels, x fastest, with the bottom row first (openNCEM flips it; so do we).

const WHERE = "readSER";

/** One dimension of the series (e.g. the frame number or a scan position) as the header describes it. */
interface SeriesDimension {
  size: number;
  offset: number;
  delta: number;
  element: number;
  description: string;
  units: string;
}

/** True when the bytes start with the TIA series header (little-endian mark and series id 0x0197). */
export function isSER(b: Uint8Array): boolean {
  return b.length >= 6 && b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x97 && b[3] === 0x01;
}

const SER_TYPES: Record<number, NumericType | "complex64" | "complex128"> = {
  1: "uint8",
  2: "uint16",
  3: "uint32",
  4: "int8",
  5: "int16",
  6: "int32",
  7: "float32",
  8: "float64",
  9: "complex64",
  10: "complex128",
};

/** Reads a TIA .ser file of 2-D elements (one image or a series of frames); `emi` is the sibling .emi file. */
export function readSER(bytes: Uint8Array, file: string, opts: ReadOptions = {}, emi?: Uint8Array): ImageFile {
  const c = new Cursor(bytes, WHERE, file);
  // typed on the const so that TypeScript narrows after a call (it never returns)
  const fail: (message: string) => never = (message) => fileError(WHERE, file, message);
  const order = c.u16("the byte-order mark", true);
  const id = c.u16("the series id", true);
  if (order !== 0x4949 || id !== 0x0197) fail("not a TIA .ser file (no 0x4949/0x0197 header)");
  const version = c.u16("the series version", true);
  if (version !== 0x0210 && version !== 0x0220) {
    fail(`unknown TIA series version 0x${version.toString(16)}; expected 0x0210 or 0x0220`);
  }
  const off64 = version === 0x0220;
  const dataTypeId = c.u32("the data type id", true);
  const tagType = c.u32("the tag type id", true);
  const total = c.u32("the total number of elements", true);
  const valid = c.u32("the valid number of elements", true);
  const offsetArray = off64 ? c.u64("the offset array offset", true) : c.u32("the offset array offset", true);
  const ndims = c.u32("the number of dimensions", true);
  if (dataTypeId === 0x4120) fail("holds 1-D elements (spectra); only 2-D images are read");
  if (dataTypeId !== 0x4122) {
    fail(`unknown data type id 0x${dataTypeId.toString(16)}; expected 0x4122 (2-D images)`);
  }
  if (valid < 1 || valid > total) {
    fail(`holds ${valid} valid of ${total} elements; expected at least one image`);
  }
  if (ndims > 16) fail(`claims ${ndims} series dimensions; the file is corrupt`);
  const dims: SeriesDimension[] = [];
  for (let i = 0; i < ndims; i++) {
    const size = c.u32("a dimension size", true);
    const offset = c.f64("a dimension calibration offset", true);
    const delta = c.f64("a dimension calibration delta", true);
    const element = c.i32("a dimension calibration element", true);
    const description = c.text(c.u32("a description length", true), "a dimension description");
    const units = c.text(c.u32("a units length", true), "dimension units");
    dims.push({ size, offset, delta, element, description, units });
  }
  const osize = off64 ? 8 : 4;
  // the data and tag offset arrays (TotalNumberElements each), then the data elements, then the tags
  c.need(2 * total * osize, "the data and tag offset arrays", offsetArray);
  const offsets: number[] = [];
  c.pos = offsetArray;
  for (let i = 0; i < valid; i++) offsets.push(off64 ? c.u64("a data offset", true) : c.u32("a data offset", true));
  // the tags (time, and position for 0x4152) come last: a file cut after the pixels still loses them, and is
  // refused as truncated rather than read as if whole
  c.pos = offsetArray + total * osize;
  const tagSize = tagType === 0x4152 ? 22 : 6;
  for (let i = 0; i < valid; i++) {
    const at = off64 ? c.u64("a tag offset", true) : c.u32("a tag offset", true);
    if (at !== 0) c.need(tagSize, `the tag of element ${i}`, at);
  }

  let w = 0,
    h = 0,
    dtype = "";
  let cal = { ox: 0, dx: 1, ex: 0, oy: 0, dy: 1, ey: 0 };
  let data = new Float32Array(0);
  offsets.forEach((at, k) => {
    c.pos = at;
    const ox = c.f64("the x calibration offset", true),
      dx = c.f64("the x calibration delta", true);
    const ex = c.i32("the x calibration element", true);
    const oy = c.f64("the y calibration offset", true),
      dy = c.f64("the y calibration delta", true);
    const ey = c.i32("the y calibration element", true);
    const code = c.i16("the element data type", true);
    const sx = c.u32("the array width", true),
      sy = c.u32("the array height", true);
    const type = SER_TYPES[code];
    if (!type) fail(`element ${k} has unknown data type ${code}`);
    if (type === "complex64" || type === "complex128") {
      fail(`element ${k} is ${type}; complex images are not supported`);
    }
    if (k === 0) {
      [w, h, dtype] = [sx, sy, type];
      cal = { ox, dx, ex, oy, dy, ey };
      // the whole series must fit in the file before the stack is allocated
      if (sx * sy * typeSize(type) * valid > bytes.length) {
        fail(
          `${valid} images of ${sx}×${sy} ${type} need more bytes than the file has (${bytes.length}); ` +
            `the file is truncated`,
        );
      }
      data = new Float32Array(valid * sx * sy);
    } else if (sx !== w || sy !== h || type !== dtype) {
      fail(`element ${k} is ${sx}×${sy} ${type} but element 0 is ${w}×${h} ${dtype}; ` + `a stack must be uniform`);
    }
    c.need(sx * sy * typeSize(type), `the pixels of element ${k}`);
    const px = toFloat32(bytes, c.pos, sx * sy, type, true);
    // bottom row first in the file: flip so that row 0 is the top of the image as TIA displays it
    for (let r = 0; r < sy; r++) data.set(px.subarray((sy - 1 - r) * sx, (sy - r) * sx), (k * sy + r) * sx);
  });
  const emiInfo = emi ? parseEmi(emi) : undefined;
  // TIA calibrates in SI units: metres, or 1/m for a TEM diffraction pattern (the .emi's Mode says which;
  // STEM images recorded in a "Diffraction" projector mode are still in metres, as RosettaSciIO reads them)
  const mode = emiInfo?.fields.Mode ?? "";
  const unit = /Diffraction/i.test(mode) && !/STEM/.test(mode) ? "1/m" : "m";
  const axes: AxisInfo[] = [
    imageAxis("y", h, cal.dy, cal.oy - cal.ey * cal.dy, unit),
    imageAxis("x", w, cal.dx, cal.ox - cal.ex * cal.dx, unit),
  ];
  if (valid > 1) {
    const d = dims.length === 1 ? dims[0] : undefined;
    const offset = d ? d.offset - d.element * d.delta : 0;
    const name = d?.description || "frame";
    axes.unshift(d ? frameAxis(valid, d.delta, offset, normalizeUnit(d.units), name) : frameAxis(valid));
  }
  const result: ImageFile = {
    images: imageStack(data, valid, h, w),
    metadata: makeMetadata(file, "ser", axes, {
      dtype,
      signalType: "image",
      acquisition: emiInfo?.acquisition ?? {},
      original: {
        seriesVersion: `0x${version.toString(16)}`,
        seriesDimensions: dims as unknown as JsonValue,
        ...(emiInfo ? { emi: emiInfo.fields } : {}),
      },
    }),
  };
  return selectFrames(result, opts, WHERE);
}

const EMI_LIMIT = 1 << 16;

/**
 * The acquisition facts of a TIA .emi file: its <ObjectInfo> XML (AcceleratingVoltage, and the Label/Value
 * pairs of ExperimentalDescription such as Microscope and Magnification). Fields are bounded in number and size.
 */
export function parseEmi(emi: Uint8Array): { acquisition: AcquisitionInfo; fields: Record<string, string> } {
  const text = Buffer.from(emi.buffer, emi.byteOffset, emi.byteLength).toString("latin1");
  const a = text.indexOf("<ObjectInfo>"),
    b = text.indexOf("</ObjectInfo>", a);
  const xml = a >= 0 && b > a ? text.slice(a, Math.min(b, a + EMI_LIMIT)) : "";
  const fields: Record<string, string> = {};
  const volt = /<AcceleratingVoltage>([^<]*)<\/AcceleratingVoltage>/.exec(xml);
  if (volt) fields.AcceleratingVoltage = volt[1];
  const re = /<Data><Label>([^<]{1,100})<\/Label><Value>([^<]{0,200})<\/Value><Unit>([^<]{0,20})<\/Unit><\/Data>/g;
  for (const m of xml.matchAll(re)) {
    if (Object.keys(fields).length >= 100) break;
    fields[m[1]] = m[3] ? `${m[2].trim()} ${m[3]}` : m[2].trim();
  }
  const acquisition: AcquisitionInfo = {};
  const v = Number(volt?.[1]);
  if (Number.isFinite(v) && v > 0) acquisition.voltage = v;
  const mag = parseFloat(fields.Magnification ?? "");
  if (Number.isFinite(mag) && mag > 0) acquisition.magnification = mag;
  if (fields.Microscope) acquisition.microscope = fields.Microscope;
  return { acquisition, fields };
}
