import * as zlib from "zlib";

/**
 * A TIFF writer for the tests, independent of the reader in src/: any byte order, sample type, compression
 * (none, LZW, Deflate, PackBits), predictor, strips or tiles, extra tags. It returns the byte offsets of every
 * structural boundary so that the hostile-file corpus can cut and corrupt the file exactly there.
 */

export type SampleType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float16" | "float32" | "float64";

export interface PageSpec {
  width: number;
  height: number;
  /** samples per pixel (1 gray, 3 RGB, 4 RGBA) */
  spp?: number;
  type: SampleType;
  /** samples, row-major, interleaved: width*height*spp values */
  values: ArrayLike<number>;
  compression?: 1 | 5 | 8 | 32773;
  predictor?: 1 | 2 | 3;
  rowsPerStrip?: number;
  tile?: [number, number];
  /** write the last strip with full rowsPerStrip rows (zero padding), as some writers do */
  padStrips?: boolean;
  photometric?: number;
  subfile?: number;
  extraTags?: ExtraTag[];
}

export interface ExtraTag {
  tag: number;
  /** 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL */
  type: 2 | 3 | 4 | 5;
  values: number[] | string;
}

export interface BuiltTiff {
  bytes: Uint8Array;
  /** offsets where one structure ends and another starts, sorted */
  boundaries: number[];
  /** per page: IFD offset, offset of the first entry of each tag, data chunk offsets */
  pages: { ifd: number; entry: Map<number, number>; chunks: { offset: number; length: number }[] }[];
}

const BYTES: Record<SampleType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float16: 2,
  float32: 4,
  float64: 8,
};

function putSample(dv: DataView, o: number, type: SampleType, v: number, le: boolean): void {
  switch (type) {
    case "uint8":
      dv.setUint8(o, v);
      break;
    case "int8":
      dv.setInt8(o, v);
      break;
    case "uint16":
      dv.setUint16(o, v, le);
      break;
    case "int16":
      dv.setInt16(o, v, le);
      break;
    case "uint32":
      dv.setUint32(o, v, le);
      break;
    case "int32":
      dv.setInt32(o, v, le);
      break;
    case "float16":
      dv.setUint16(o, toHalf(v), le);
      break;
    case "float32":
      dv.setFloat32(o, v, le);
      break;
    default:
      dv.setFloat64(o, v, le);
  }
}

/** Half-precision bits of a value exactly representable in float16 (tests use such values only). */
function toHalf(v: number): number {
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  const s = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (e < -14) return s | Math.round(a / Math.pow(2, -24));
  let m = Math.round((a / Math.pow(2, e) - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return s | ((e + 15) << 10) | m;
}

/** Forward predictor 2 or 3 on one chunk of `rows` rows (the inverse of what a reader undoes). */
function predict(
  pred: number,
  buf: Uint8Array,
  rows: number,
  perRow: number,
  spp: number,
  bps: number,
  le: boolean,
): void {
  const rowBytes = perRow * bps;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let r = 0; r < rows; r++) {
    const o = r * rowBytes;
    if (pred === 2) {
      for (let i = perRow - 1; i >= spp; i--) {
        const a = o + i * bps,
          b = a - spp * bps;
        if (bps === 1) buf[a] = (buf[a] - buf[b]) & 0xff;
        else if (bps === 2) dv.setUint16(a, (dv.getUint16(a, le) - dv.getUint16(b, le)) & 0xffff, le);
        else dv.setUint32(a, (dv.getUint32(a, le) - dv.getUint32(b, le)) >>> 0, le);
      }
    } else if (pred === 3) {
      const row = buf.slice(o, o + rowBytes);
      const planes = new Uint8Array(rowBytes);
      for (let k = 0; k < perRow; k++) {
        for (let j = 0; j < bps; j++) planes[j * perRow + k] = row[k * bps + (le ? bps - 1 - j : j)];
      }
      for (let i = rowBytes - 1; i >= spp; i--) planes[i] = (planes[i] - planes[i - spp]) & 0xff;
      buf.set(planes, o);
    }
  }
}

/** TIFF LZW encoder following libtiff's code-width rule (a code is widened once the next free entry needs it). */
export function lzwEncode(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0,
    nacc = 0,
    width = 9,
    next = 258;
  const emit = (code: number): void => {
    acc = (acc << width) | code;
    nacc += width;
    while (nacc >= 8) {
      out.push((acc >>> (nacc - 8)) & 0xff);
      nacc -= 8;
      acc &= (1 << nacc) - 1;
    }
  };
  let dict = new Map<number, number>();
  emit(256);
  let w = -1;
  const added = (): void => {
    next++;
    if (next === 4094) {
      emit(256);
      width = 9;
      next = 258;
      dict = new Map();
    } else if (next > (1 << width) - 1) width++;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (w < 0) {
      w = c;
      continue;
    }
    const key = w * 256 + c;
    const hit = dict.get(key);
    if (hit !== undefined) {
      w = hit;
      continue;
    }
    emit(w);
    dict.set(key, next);
    added();
    w = c;
  }
  if (w >= 0) {
    emit(w);
    added();
  }
  emit(257);
  if (nacc > 0) out.push((acc << (8 - nacc)) & 0xff);
  return Uint8Array.from(out);
}

/** PackBits: repeat runs of 3+ equal bytes, literal runs otherwise (at most 128 each). */
export function packBitsEncode(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 3) {
      out.push((257 - run) & 0xff, src[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < src.length && i - start < 128) {
      if (i + 2 < src.length && src[i] === src[i + 1] && src[i] === src[i + 2]) break;
      i++;
    }
    out.push(i - start - 1, ...src.subarray(start, i));
  }
  return Uint8Array.from(out);
}

function compress(c: number, raw: Uint8Array): Uint8Array {
  if (c === 5) return lzwEncode(raw);
  if (c === 8) return new Uint8Array(zlib.deflateSync(raw));
  if (c === 32773) return packBitsEncode(raw);
  return raw;
}

/** Writes the pages; `le` picks the byte order, `ifdFirst` puts the IFDs before the pixel data (as tifffile does). */
export function buildTiff(pages: PageSpec[], le = true, ifdFirst = false): BuiltTiff {
  const prepared = pages.map((pg) => {
    const spp = pg.spp ?? 1,
      bps = BYTES[pg.type],
      comp = pg.compression ?? 1,
      pred = pg.predictor ?? 1;
    const [cw, ch] = pg.tile ?? [pg.width, Math.min(pg.height, pg.rowsPerStrip ?? pg.height)];
    const across = Math.ceil(pg.width / cw),
      down = Math.ceil(pg.height / ch);
    const payloads: Uint8Array[] = [];
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const rows = pg.tile || pg.padStrips ? ch : Math.min(ch, pg.height - ty * ch);
        const raw = new Uint8Array(cw * rows * spp * bps);
        const dv = new DataView(raw.buffer);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cw; c++) {
            const y = ty * ch + r,
              x = tx * cw + c;
            for (let s = 0; s < spp; s++) {
              const v = y < pg.height && x < pg.width ? pg.values[(y * pg.width + x) * spp + s] : 0;
              putSample(dv, ((r * cw + c) * spp + s) * bps, pg.type, v, le);
            }
          }
        }
        predict(pred, raw, rows, cw * spp, spp, bps, le);
        payloads.push(compress(comp, raw));
      }
    }
    const fmt = pg.type.startsWith("float") ? 3 : pg.type.startsWith("int") ? 2 : 1;
    const tags = (offsets: number[]): ExtraTag[] => {
      const lengths = payloads.map((pl) => pl.length);
      const t: ExtraTag[] = [
        { tag: 256, type: 4, values: [pg.width] },
        { tag: 257, type: 4, values: [pg.height] },
        { tag: 258, type: 3, values: new Array(spp).fill(bps * 8) },
        { tag: 259, type: 3, values: [comp] },
        { tag: 262, type: 3, values: [pg.photometric ?? (spp >= 3 ? 2 : 1)] },
        { tag: 277, type: 3, values: [spp] },
        { tag: 339, type: 3, values: new Array(spp).fill(fmt) },
        ...(pg.extraTags ?? []),
      ];
      if (pg.subfile !== undefined) t.push({ tag: 254, type: 4, values: [pg.subfile] });
      if (pred !== 1) t.push({ tag: 317, type: 3, values: [pred] });
      if (pg.tile) {
        t.push(
          { tag: 322, type: 4, values: [cw] },
          { tag: 323, type: 4, values: [ch] },
          { tag: 324, type: 4, values: offsets },
          { tag: 325, type: 4, values: lengths },
        );
      } else {
        t.push(
          { tag: 273, type: 4, values: offsets },
          { tag: 278, type: 4, values: [ch] },
          { tag: 279, type: 4, values: lengths },
        );
      }
      return t.sort((x, y) => x.tag - y.tag);
    };
    return { payloads, tags };
  });
  const align = (x: number): number => x + (x % 2);
  const ifdLen = prepared.map((q) => ifdBytes(q.tags(q.payloads.map(() => 0)), 0, 0, le, new Map()).length);
  const dataLen = prepared.map((q) => q.payloads.reduce((a, pl) => a + align(pl.length), 0));
  const ifdAt: number[] = [],
    dataAt: number[] = [];
  let cursor = 8;
  const placeIfds = (): void => {
    ifdLen.forEach((l) => {
      ifdAt.push(cursor);
      cursor += align(l);
    });
  };
  const placeData = (): void => {
    dataLen.forEach((l) => {
      dataAt.push(cursor);
      cursor += l;
    });
  };
  if (ifdFirst) {
    placeIfds();
    placeData();
  } else {
    placeData();
    placeIfds();
  }
  const out = new Uint8Array(cursor);
  const dv = new DataView(out.buffer);
  out[0] = out[1] = le ? 0x49 : 0x4d;
  dv.setUint16(2, 42, le);
  dv.setUint32(4, ifdAt[0], le);
  const boundaries = [4, 8];
  const built: BuiltTiff["pages"] = prepared.map((q, p) => {
    const chunks: { offset: number; length: number }[] = [];
    let o = dataAt[p];
    for (const pl of q.payloads) {
      out.set(pl, o);
      chunks.push({ offset: o, length: pl.length });
      boundaries.push(o, o + pl.length);
      o += align(pl.length);
    }
    const entry = new Map<number, number>();
    const next = p + 1 < prepared.length ? ifdAt[p + 1] : 0;
    const blob = ifdBytes(q.tags(chunks.map((k) => k.offset)), ifdAt[p], next, le, entry);
    out.set(blob, ifdAt[p]);
    const nTags = entry.size;
    const at = ifdAt[p];
    boundaries.push(at, at + 2, at + 2 + 12 * nTags, at + 6 + 12 * nTags, at + blob.length);
    for (const e of entry.values()) boundaries.push(e, e + 8);
    return { ifd: ifdAt[p], entry, chunks };
  });
  const bs = [...new Set(boundaries)].filter((b) => b > 0 && b < out.length).sort((a, b) => a - b);
  return { bytes: out, boundaries: bs, pages: built };
}

function ifdBytes(tags: ExtraTag[], at: number, next: number, le: boolean, entry: Map<number, number>): Uint8Array {
  const size = { 2: 1, 3: 2, 4: 4, 5: 8 };
  const head = 2 + 12 * tags.length + 4;
  const values: number[][] = tags.map((t) =>
    typeof t.values === "string" ? [...Buffer.from(t.values + "\0", "latin1")] : t.values,
  );
  let extra = 0;
  const placed = tags.map((t, k) => {
    const n = t.type === 5 ? values[k].length : values[k].length;
    const bytes = n * size[t.type];
    if (bytes <= 4) return -1;
    const off = at + head + extra;
    extra += bytes + (bytes % 2);
    return off;
  });
  const out = new Uint8Array(head + extra);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, tags.length, le);
  tags.forEach((t, k) => {
    const e = 2 + 12 * k;
    entry.set(t.tag, at + e);
    dv.setUint16(e, t.tag, le);
    dv.setUint16(e + 2, t.type, le);
    dv.setUint32(e + 4, values[k].length, le);
    const base = placed[k] < 0 ? e + 8 : placed[k] - at;
    if (placed[k] >= 0) dv.setUint32(e + 8, placed[k], le);
    values[k].forEach((v, i) => {
      if (t.type === 2) dv.setUint8(base + i, v);
      else if (t.type === 3) dv.setUint16(base + 2 * i, v, le);
      else if (t.type === 4) dv.setUint32(base + 4 * i, v, le);
      else {
        const den = Number.isInteger(v) ? 1 : 1e6;
        dv.setUint32(base + 8 * i, Math.round(v * den), le);
        dv.setUint32(base + 8 * i + 4, den, le);
      }
    });
  });
  dv.setUint32(2 + 12 * tags.length, next, le);
  return out;
}

/** Sample values of a type that survive a round trip exactly, from a seeded generator. */
export function sampleValues(type: SampleType, count: number, rnd: () => number): number[] {
  const v = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const u = rnd();
    switch (type) {
      case "uint8":
        v[i] = Math.floor(u * 256);
        break;
      case "int8":
        v[i] = Math.floor(u * 256) - 128;
        break;
      case "uint16":
        v[i] = Math.floor(u * 65536);
        break;
      case "int16":
        v[i] = Math.floor(u * 65536) - 32768;
        break;
      case "uint32":
        v[i] = Math.floor(u * 4294967296);
        break;
      case "int32":
        v[i] = Math.floor(u * 4294967296) - 2147483648;
        break;
      case "float16":
        v[i] = Math.round((u - 0.5) * 2048) / 16;
        break;
      case "float32":
        v[i] = Math.fround((u - 0.5) * 1e4);
        break;
      default:
        v[i] = (u - 0.5) * 1e4;
    }
  }
  return v;
}
