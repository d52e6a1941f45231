import { IvaeInputError } from "../../util/errors";

/** Throws the readers' error: names the function, the file and what was wrong. */
export function fileError(where: string, file: string, message: string): never {
  throw new IvaeInputError(`${where}: ${file}: ${message}`);
}

/**
 * Runs a byte decoder that does not know the file's name (the TIFF, PNG and .npy decoders work on bytes) and
 * puts the name into its input errors ("decodeTiff: scan.tif: page 0 ..."), so that a user who opened many
 * files learns which one was truncated. Other errors pass unchanged.
 */
export function withFileName<T>(file: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (!(e instanceof IvaeInputError) || e.message.includes(file)) throw e;
    const m = /^([\w.]+): /.exec(e.message);
    throw new IvaeInputError(m ? `${m[1]}: ${file}: ${e.message.slice(m[0].length)}` : `${file}: ${e.message}`);
  }
}

/** Element types the readers convert to float32 (complex and RGB are rejected before reaching here). */
export type NumericType =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float16"
  | "float32"
  | "float64";

/** Size in bytes of one element. */
export function typeSize(t: NumericType): number {
  switch (t) {
    case "int8":
    case "uint8":
      return 1;
    case "int16":
    case "uint16":
    case "float16":
      return 2;
    case "int32":
    case "uint32":
    case "float32":
      return 4;
    default:
      return 8;
  }
}

/** IEEE 754 half precision to a JS number. */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

/**
 * Converts `count` elements of type `t` starting at byte `offset` into float32. The caller has checked that
 * the bytes exist; 64-bit integers lose precision above 2^24 like every value stored as float32.
 */
export function toFloat32(
  bytes: Uint8Array,
  offset: number,
  count: number,
  t: NumericType,
  little: boolean,
): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, count * typeSize(t));
  const out = new Float32Array(count);
  switch (t) {
    case "int8":
      for (let i = 0; i < count; i++) out[i] = dv.getInt8(i);
      break;
    case "uint8":
      for (let i = 0; i < count; i++) out[i] = dv.getUint8(i);
      break;
    case "int16":
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, little);
      break;
    case "uint16":
      for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, little);
      break;
    case "float16":
      for (let i = 0; i < count; i++) out[i] = halfToNumber(dv.getUint16(2 * i, little));
      break;
    case "int32":
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, little);
      break;
    case "uint32":
      for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, little);
      break;
    case "float32":
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, little);
      break;
    case "float64":
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, little);
      break;
    case "int64":
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(8 * i, little));
      break;
    case "uint64":
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(8 * i, little));
      break;
  }
  return out;
}

/**
 * A read cursor over a file's bytes that checks every read against the end of the file, so that a
 * truncated or corrupt file stops with a message instead of a RangeError or a huge allocation.
 */
export class Cursor {
  readonly dv: DataView;
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
    readonly file: string,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws "truncated" unless `n` bytes are available at `at` (default: the cursor). */
  need(n: number, what: string, at = this.pos): void {
    if (!(n >= 0) || !Number.isFinite(n) || at + n > this.bytes.length || at < 0) {
      fileError(
        this.where,
        this.file,
        `the file is truncated or corrupt: ${what} needs ${n} bytes at offset ${at} ` +
          `but the file has ${this.bytes.length}`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.dv.getUint8(this.pos++);
  }
  u16(what: string, le: boolean): number {
    return this.read(2, what, (o) => this.dv.getUint16(o, le));
  }
  i16(what: string, le: boolean): number {
    return this.read(2, what, (o) => this.dv.getInt16(o, le));
  }
  u32(what: string, le: boolean): number {
    return this.read(4, what, (o) => this.dv.getUint32(o, le));
  }
  i32(what: string, le: boolean): number {
    return this.read(4, what, (o) => this.dv.getInt32(o, le));
  }
  f64(what: string, le: boolean): number {
    return this.read(8, what, (o) => this.dv.getFloat64(o, le));
  }

  /** Checks that n bytes follow the cursor, reads them with `get` and advances. */
  private read(n: number, what: string, get: (offset: number) => number): number {
    this.need(n, what);
    const v = get(this.pos);
    this.pos += n;
    return v;
  }

  /** An unsigned 64-bit integer as a number; values beyond 2^53 are reported as corrupt. */
  u64(what: string, le: boolean): number {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos, le);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      fileError(this.where, this.file, `${what} is ${v}, which no real file holds (corrupt file?)`);
    }
    return Number(v);
  }

  /** Latin-1 text of n bytes. */
  text(n: number, what: string): string {
    this.need(n, what);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[this.pos + i]);
    this.pos += n;
    return s;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}
