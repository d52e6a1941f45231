/**
 * The tag tree of Gatan DigitalMicrograph 3/4 files (the container): header, tag groups, typed values; large
 * arrays (image data) are left in place as references for the image reader (dm.ts).
 */
import { Cursor, NumericType, fileError, toFloat32, typeSize } from "./bytes";

// Gatan DigitalMicrograph 3/4 tag files, after the format notes of openNCEM (ncempy/io/dm.py) and
// RosettaSciIO (rsciio/digitalmicrograph), no code copied. Header (big-endian): version (3|4), file size
// (u32 | u64), byte order of the data (1 = little). Then a tag group: sorted u8, open u8, count (u32 | u64),
// and per tag: kind u8 (20 group, 21 data), label length u16, label, [DM4: tag size u64], then for data
// "%%%%", info length, info words (u32 | u64, big-endian) and the value in the data byte order. Info words:
// [type] simple; [18, n] string; [15, nameLen, nFields, (nameLen, type)*] struct; [20, type, n] array;
// [20, 15, nameLen, nFields, (nameLen, type)*, n] array of structs.

const WHERE = "readDM";

/** True when the bytes start like a DM3 or DM4 file (version word 3 or 4 and a byte-order word 0 or 1). */
export function isDM(b: Uint8Array): boolean {
  if (b.length < 16) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const v = dv.getUint32(0, false);
  if (v === 3) return dv.getUint32(8, false) <= 1;
  if (v === 4) return dv.getUint32(12, false) <= 1;
  return false;
}

const SIMPLE: Record<number, NumericType | "bool"> = {
  2: "int16",
  3: "int32",
  4: "uint16",
  5: "uint32",
  6: "float32",
  7: "float64",
  8: "bool",
  9: "int8",
  10: "uint8",
  11: "int64",
  12: "uint64",
};

/** The element type of a simple tag type (bool is stored as one byte). */
function numeric(t: NumericType | "bool"): NumericType {
  return t === "bool" ? "uint8" : t;
}

/** A large numeric array left in the file: where it starts and what it holds. */
export interface DmArrayRef {
  offset: number;
  type: NumericType;
  count: number;
}

/** A tag value: number, string, numbers (small arrays, structs), a large array reference, or a group. */
export type DmValue = number | string | number[] | DmArrayRef | DmGroup;
/** A tag group: labels (or the index, for unlabelled tags such as ImageList entries) to values. */
export interface DmGroup {
  [label: string]: DmValue;
}

const MAX_DEPTH = 64;
const SMALL_ARRAY = 4096;

class DmParser {
  readonly c: Cursor;
  readonly v4: boolean;
  readonly le: boolean;

  constructor(bytes: Uint8Array, file: string) {
    this.c = new Cursor(bytes, WHERE, file);
    const version = this.c.u32("the version word", false);
    if (version !== 3 && version !== 4) {
      fileError(WHERE, file, `not a DigitalMicrograph file (version word ${version})`);
    }
    this.v4 = version === 4;
    this.word("the file size");
    const order = this.c.u32("the byte-order word", false);
    if (order > 1) fileError(WHERE, file, `unknown byte order ${order}; expected 0 (big) or 1 (little endian)`);
    this.le = order === 1;
  }

  fail(message: string): never {
    fileError(WHERE, this.c.file, message);
  }

  /** A size/info word: u32 in DM3, u64 in DM4 (big-endian). */
  word(what: string): number {
    return this.v4 ? this.c.u64(what, false) : this.c.u32(what, false);
  }

  group(depth: number): DmGroup {
    if (depth > MAX_DEPTH) this.fail(`tag groups nested deeper than ${MAX_DEPTH} (corrupt file?)`);
    this.c.skip(2, "a tag group header");
    const n = this.word("a tag count");
    // every tag takes at least 3 bytes, so a larger count than that cannot be real
    if (n * 3 > this.c.length - this.c.pos) {
      this.fail(
        `the file is truncated or corrupt: a tag group claims ${n} tags, more than the ` +
          `${this.c.length - this.c.pos} bytes left can hold`,
      );
    }
    // a null-prototype object: a tag labelled "__proto__" or "constructor" is data, nothing more
    const out = Object.create(null) as DmGroup;
    for (let i = 0; i < n; i++) {
      const kind = this.c.u8("a tag kind");
      const len = this.c.u16("a tag label length", false);
      const label = len > 0 ? this.c.text(len, "a tag label") : String(i);
      if (this.v4) this.word("a DM4 tag size");
      let value: DmValue;
      if (kind === 20) value = this.group(depth + 1);
      else if (kind === 21) value = this.data(label);
      else this.fail(`unknown tag kind ${kind} at offset ${this.c.pos - 3 - len}; the file is corrupt`);
      out[label in out ? `${label}#${i}` : label] = value;
    }
    return out;
  }

  data(label: string): DmValue {
    const delim = this.c.text(4, `the %%%% mark of tag "${label}"`);
    if (delim !== "%%%%") {
      this.fail(`tag "${label}" lacks its %%%% mark (offset ${this.c.pos - 4}); the file is corrupt`);
    }
    const ninfo = this.word("a tag info length");
    if (ninfo < 1 || ninfo > 10000) this.fail(`tag "${label}" has ${ninfo} info words; the file is corrupt`);
    const info: number[] = [];
    for (let i = 0; i < ninfo; i++) info.push(this.word("a tag info word"));
    return this.value(info, label);
  }

  value(info: number[], label: string): DmValue {
    const t = info[0];
    if (SIMPLE[t]) return this.simple(t, label);
    if (t === 18) {
      const n = info[1] ?? 0;
      this.c.need(2 * n, `string tag "${label}"`);
      let s = "";
      for (let i = 0; i < n; i++) s += String.fromCharCode(this.c.dv.getUint16(this.c.pos + 2 * i, this.le));
      this.c.pos += 2 * n;
      return s;
    }
    if (t === 15) return this.struct(info.slice(1), label);
    if (t === 20) return this.array(info.slice(1), label);
    this.fail(`tag "${label}" has unknown type ${t}; the file is corrupt`);
  }

  simple(t: number, label: string): number {
    const type = SIMPLE[t];
    const nt = numeric(type);
    const size = typeSize(nt);
    this.c.need(size, `tag "${label}"`);
    const v = toFloat32Exact(this.c.bytes, this.c.pos, nt, this.le);
    this.c.pos += size;
    return v;
  }

  struct(desc: number[], label: string): number[] {
    const nFields = desc[1];
    if (!(nFields >= 0 && nFields <= 100 && desc.length >= 2 + 2 * nFields)) {
      this.fail(`struct tag "${label}" has a bad description; the file is corrupt`);
    }
    const out: number[] = [];
    for (let i = 0; i < nFields; i++) {
      const ft = desc[3 + 2 * i];
      if (!SIMPLE[ft]) this.fail(`struct tag "${label}" has a field of type ${ft}; expected numbers`);
      out.push(this.simple(ft, label));
    }
    return out;
  }

  array(desc: number[], label: string): DmValue {
    const et = desc[0];
    if (et === 15) {
      // array of structs (e.g. complex pairs or RGB in some files): skipped, reported as its size
      const nFields = desc[2];
      if (!(nFields >= 0 && nFields <= 100)) {
        this.fail(`array-of-structs tag "${label}" has ${nFields} fields; the file is corrupt`);
      }
      const fields = Array.from({ length: nFields }, (_, i) => desc[4 + 2 * i]);
      const count = desc[3 + 2 * nFields];
      const size = fields.reduce((a, ft) => a + (SIMPLE[ft] ? typeSize(numeric(SIMPLE[ft])) : NaN), 0);
      this.c.skip(size * count, `array-of-structs tag "${label}"`);
      return `[${count} structs]`;
    }
    const type = SIMPLE[et];
    const count = desc[1];
    if (!type || count === undefined) this.fail(`array tag "${label}" holds type ${et}; the file is corrupt`);
    const nt = numeric(type);
    const bytes = typeSize(nt) * count;
    this.c.need(bytes, `array tag "${label}" (${count} × ${nt})`);
    const at = this.c.pos;
    this.c.pos += bytes;
    if (count > SMALL_ARRAY) return { offset: at, type: nt, count };
    return Array.from(toFloat32Exact64(this.c.bytes, at, count, nt, this.le));
  }
}

/** One value at full precision (float64 scales and origins must not pass through float32). */
function toFloat32Exact(b: Uint8Array, at: number, t: NumericType, le: boolean): number {
  return toFloat32Exact64(b, at, 1, t, le)[0];
}

function toFloat32Exact64(b: Uint8Array, at: number, count: number, t: NumericType, le: boolean): Float64Array {
  const dv = new DataView(b.buffer, b.byteOffset + at, count * typeSize(t));
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (t) {
      case "float64":
        out[i] = dv.getFloat64(8 * i, le);
        break;
      case "float32":
        out[i] = dv.getFloat32(4 * i, le);
        break;
      case "int64":
        out[i] = Number(dv.getBigInt64(8 * i, le));
        break;
      case "uint64":
        out[i] = Number(dv.getBigUint64(8 * i, le));
        break;
      default:
        out[i] = toFloat32(b, at + i * typeSize(t), 1, t, le)[0];
    }
  }
  return out;
}

/** A parsed DM file: its version, the byte order of its values and the root tag group. */
export interface DmTags {
  version: 3 | 4;
  littleEndian: boolean;
  root: DmGroup;
}

/** Parses the whole tag tree of a DM3/DM4 file; large arrays (image data) are left in place as references. */
export function parseDMTags(bytes: Uint8Array, file = "the file"): DmTags {
  const p = new DmParser(bytes, file);
  const root = p.group(0);
  return { version: p.v4 ? 4 : 3, littleEndian: p.le, root };
}
