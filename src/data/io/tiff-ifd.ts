import { IvaeInputError } from "../../util/errors";

/**
 * The structure of a classic TIFF file: header and the chain of image file directories (IFDs).
 * Every offset and count read here is checked against the file's length before it is followed, and
 * the IFD chain is checked for loops and overlaps, because a hostile or damaged file otherwise
 * sends a reader into an endless loop or a multi-gigabyte allocation (issue 16, items 7 and 8).
 * Layout from the TIFF 6.0 specification, sections 2 and 8.
 */

/** One IFD: its byte range and tag entries (values read on demand). */
export interface TiffDirectory {
  /** byte offset of the IFD in the file */
  offset: number;
  /** tag number -> entry */
  entries: Map<number, TiffEntry>;
}

/** A tag entry as stored: field type, count and where its values lie. */
export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** byte offset of the values (inside the entry when they fit in 4 bytes) */
  valueOffset: number;
}

/** A parsed TIFF header with its directories. */
export interface TiffFile {
  bytes: Uint8Array;
  dv: DataView;
  /** true for "II" (little-endian) files */
  le: boolean;
  ifds: TiffDirectory[];
}

/** Bytes per value of each field type (BYTE, ASCII, SHORT, LONG, RATIONAL, ..., DOUBLE, IFD). */
const TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

function fail(msg: string): never {
  throw new IvaeInputError(`decodeTiff: ${msg}`);
}

/** Parses the header and walks the IFD chain, rejecting loops, overlaps and offsets past the end. */
export function parseTiff(bytes: Uint8Array): TiffFile {
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes long, shorter than the 8-byte TIFF header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const magic = dv.getUint16(2, le);
  if (magic === 43) fail("BigTIFF files (magic 43) are not supported; save as classic TIFF (< 4 GB) or .npy");
  if (magic !== 42) fail(`bad TIFF magic ${magic}; expected 42`);
  const ifds: TiffDirectory[] = [];
  // sorted [start, end) ranges of the IFDs seen so far: a repeated or overlapping IFD means a loop or garbage
  const ranges: [number, number][] = [];
  let next = dv.getUint32(4, le);
  if (next === 0) fail("the header names no image directory (first IFD offset 0)");
  while (next !== 0) {
    if (next + 2 > bytes.length)
      fail(`IFD ${ifds.length} at offset ${next} lies past the end of the file (${bytes.length} bytes)`);
    const count = dv.getUint16(next, le);
    const end = next + 2 + 12 * count + 4;
    if (end > bytes.length) {
      fail(
        `IFD ${ifds.length} at offset ${next} has ${count} entries and runs past the end of the file ` +
          `(${bytes.length} bytes)`,
      );
    }
    const at = insertRange(ranges, next, end);
    if (at < 0) {
      fail(
        `the IFD chain loops or overlaps itself (IFD ${ifds.length} at offset ${next} was already read); the ` +
          `file is damaged`,
      );
    }
    const entries = new Map<number, TiffEntry>();
    for (let k = 0; k < count; k++) {
      const e = next + 2 + 12 * k;
      const tag = dv.getUint16(e, le),
        type = dv.getUint16(e + 2, le),
        n = dv.getUint32(e + 4, le);
      const size = TYPE_SIZE[type];
      if (size === undefined) continue; // unknown field types are skipped, as the specification asks
      const bytesNeeded = size * n;
      const valueOffset = bytesNeeded <= 4 ? e + 8 : dv.getUint32(e + 8, le);
      entries.set(tag, { tag, type, count: n, valueOffset });
    }
    ifds.push({ offset: next, entries });
    next = dv.getUint32(end - 4, le);
  }
  return { bytes, dv, le, ifds };
}

/** Inserts [s, e) into the sorted, disjoint list; returns -1 when it overlaps one already there. */
function insertRange(ranges: [number, number][], s: number, e: number): number {
  let lo = 0,
    hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][0] < s) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && ranges[lo - 1][1] > s) return -1;
  if (lo < ranges.length && ranges[lo][0] < e) return -1;
  ranges.splice(lo, 0, [s, e]);
  return lo;
}

/** The numeric values of a tag (rationals as numerator/denominator), or undefined when absent. */
export function tagValues(file: TiffFile, ifd: TiffDirectory, tag: number): number[] | undefined {
  const e = ifd.entries.get(tag);
  if (!e) return undefined;
  const size = TYPE_SIZE[e.type];
  if (e.valueOffset + size * e.count > file.bytes.length) {
    fail(
      `tag ${tag} of the IFD at offset ${ifd.offset} promises ${e.count} values at offset ${e.valueOffset}, ` +
        `past the end of the file (${file.bytes.length} bytes)`,
    );
  }
  const { dv, le } = file;
  const out = new Array<number>(e.count);
  for (let i = 0; i < e.count; i++) {
    const o = e.valueOffset + i * size;
    switch (e.type) {
      case 1:
      case 2:
      case 7:
        out[i] = dv.getUint8(o);
        break;
      case 6:
        out[i] = dv.getInt8(o);
        break;
      case 3:
        out[i] = dv.getUint16(o, le);
        break;
      case 8:
        out[i] = dv.getInt16(o, le);
        break;
      case 4:
      case 13:
        out[i] = dv.getUint32(o, le);
        break;
      case 9:
        out[i] = dv.getInt32(o, le);
        break;
      case 5:
        out[i] = dv.getUint32(o, le) / dv.getUint32(o + 4, le);
        break;
      case 10:
        out[i] = dv.getInt32(o, le) / dv.getInt32(o + 4, le);
        break;
      case 11:
        out[i] = dv.getFloat32(o, le);
        break;
      default:
        out[i] = dv.getFloat64(o, le);
    }
  }
  return out;
}

/** The first value of a tag, or `dflt` when the tag is absent or empty. */
export function tagNumber(file: TiffFile, ifd: TiffDirectory, tag: number, dflt: number): number {
  const e = ifd.entries.get(tag);
  if (!e || e.count === 0) return dflt;
  return tagValues(file, ifd, tag)![0];
}

/** An ASCII (or byte) tag as text, up to its first NUL; undefined when absent or out of the file. */
export function tagText(file: TiffFile, ifd: TiffDirectory, tag: number): string | undefined {
  const e = ifd.entries.get(tag);
  if (!e || (e.type !== 2 && e.type !== 1 && e.type !== 7)) return undefined;
  if (e.valueOffset + e.count > file.bytes.length) return undefined;
  let raw = file.bytes.subarray(e.valueOffset, e.valueOffset + e.count);
  const nul = raw.indexOf(0);
  if (nul >= 0) raw = raw.subarray(0, nul);
  return new TextDecoder("latin1").decode(raw);
}
