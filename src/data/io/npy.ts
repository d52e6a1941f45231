import { check, checkInt, IvaeInputError } from "../../util/errors";
import { halfToFloat } from "./half";

/** An array read from a .npy file: values as float32 plus the shape. */
export interface NpyArray {
  data: Float32Array;
  shape: number[];
  /** the dtype string in the file header, e.g. "<f4", "<u2" */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** True when the bytes start with the .npy magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses a NumPy .npy file (format versions 1–3) holding a numeric array (bool, int8–64, uint8–64,
 * float16/32/64, either byte order, C or Fortran order). Values are converted to float32, which is
 * what the models and atom finders work on. Object arrays and structured dtypes are rejected with a
 * message, since they cannot be images.
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (!isNpy(bytes)) {
    throw new IvaeInputError(
      "decodeNpy: not a .npy file (missing the \\x93NUMPY magic); expected a file written by numpy.save",
    );
  }
  check(bytes.length >= 8, "decodeNpy", `the file is ${bytes.length} bytes long, truncated before its format version`);
  const major = bytes[6];
  check(major >= 1 && major <= 3, "decodeNpy", `unsupported .npy format version ${major}; expected 1, 2 or 3`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  // the header length field itself must be there before it is read (a cut at 7-9 bytes used to throw a RangeError)
  check(
    bytes.length >= headerStart,
    "decodeNpy",
    `the file is ${bytes.length} bytes long, truncated inside its header length`,
  );
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  check(headerStart + headerLen <= bytes.length, "decodeNpy", "the file is truncated inside its header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, headerStart + headerLen),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] === "True";
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) {
    throw new IvaeInputError(
      `decodeNpy: cannot read the header ${JSON.stringify(header.trim())}; expected a plain numeric array`,
    );
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s));
  check(
    shape.every((s) => Number.isInteger(s) && s >= 0),
    "decodeNpy",
    `bad shape (${shapeText})`,
  );
  const count = shape.reduce((a, b) => a * b, 1);
  const m = /^([<>|=])([biuf])(\d+)$/.exec(descr);
  if (!m) {
    throw new IvaeInputError(
      `decodeNpy: dtype '${descr}' is not supported; expected a numeric dtype (bool, int, uint or float). ` +
        `Convert with arr.astype(np.float32) before numpy.save`,
    );
  }
  // '|' (single byte) and '=' (native, little on every numpy platform we meet) read as little
  const little = m[1] !== ">";
  const kind = m[2],
    size = Number(m[3]);
  const offset = headerStart + headerLen;
  check(
    offset + count * size <= bytes.length,
    "decodeNpy",
    `the file is truncated: the header promises ${count} values of ${size} bytes but only ${bytes.length - offset} ` +
      `bytes follow`,
  );
  const read = reader(kind, size, descr);
  const raw = new Float32Array(count);
  for (let i = 0; i < count; i++) raw[i] = read(dv, offset + i * size, little);
  const data = fortran && shape.length > 1 ? fortranToC(raw, shape) : raw;
  return { data, shape, dtype: descr };
}

function reader(kind: string, size: number, descr: string): (dv: DataView, o: number, le: boolean) => number {
  const key = kind + size;
  switch (key) {
    case "b1":
    case "u1":
      return (dv, o) => dv.getUint8(o);
    case "i1":
      return (dv, o) => dv.getInt8(o);
    case "u2":
      return (dv, o, le) => dv.getUint16(o, le);
    case "i2":
      return (dv, o, le) => dv.getInt16(o, le);
    case "u4":
      return (dv, o, le) => dv.getUint32(o, le);
    case "i4":
      return (dv, o, le) => dv.getInt32(o, le);
    case "u8":
      return (dv, o, le) => Number(dv.getBigUint64(o, le));
    case "i8":
      return (dv, o, le) => Number(dv.getBigInt64(o, le));
    case "f2":
      return (dv, o, le) => halfToFloat(dv.getUint16(o, le));
    case "f4":
      return (dv, o, le) => dv.getFloat32(o, le);
    case "f8":
      return (dv, o, le) => dv.getFloat64(o, le);
  }
  throw new IvaeInputError(`decodeNpy: dtype '${descr}' is not supported; expected bool, (u)int8-64 or float16/32/64`);
}

/** Re-orders a column-major (Fortran) array into row-major order. */
function fortranToC(src: Float32Array, shape: number[]): Float32Array {
  const nd = shape.length,
    out = new Float32Array(src.length);
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d];
  }
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fStride[d];
    out[c] = src[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Writes a float32 array as a .npy (version 1.0, little-endian '<f4', C order) readable by numpy.load.
 */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  check(data instanceof Float32Array, "encodeNpy", "data must be a Float32Array");
  shape.forEach((s, i) => checkInt(s, "encodeNpy", `shape[${i}]`, 0));
  const count = shape.reduce((a, b) => a * b, 1);
  check(
    count === data.length,
    "encodeNpy",
    `shape [${shape.join(", ")}] holds ${count} values but data has ${data.length}`,
  );
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // header padded with spaces and ended by \n so that the data start is 64-byte aligned (numpy's rule)
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  return out;
}
