// Writers of small microscopy files with known content, for the reader tests. DM3/DM4 and TIA .ser are
// written byte by byte from the format descriptions (see the comments at the top of src/data/io/dm.ts and
// ser.ts); HDF5 files (Velox, Berkeley EMD, HyperSpy layouts) are written with h5wasm.
import { loadH5wasm } from "../../src/data/io/h5";

/** A growable big/little-endian byte buffer. */
export class Bytes {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  private put(n: number, set: (dv: DataView, at: number) => void): this {
    this.grow(n);
    set(this.dv, this.length);
    this.length += n;
    return this;
  }
  u8(v: number): this {
    return this.put(1, (dv, at) => dv.setUint8(at, v));
  }
  u16(v: number, le = false): this {
    return this.put(2, (dv, at) => dv.setUint16(at, v, le));
  }
  i16(v: number, le = false): this {
    return this.put(2, (dv, at) => dv.setInt16(at, v, le));
  }
  u32(v: number, le = false): this {
    return this.put(4, (dv, at) => dv.setUint32(at, v, le));
  }
  i32(v: number, le = false): this {
    return this.put(4, (dv, at) => dv.setInt32(at, v, le));
  }
  u64(v: number, le = false): this {
    return this.put(8, (dv, at) => dv.setBigUint64(at, BigInt(v), le));
  }
  f32(v: number, le = false): this {
    return this.put(4, (dv, at) => dv.setFloat32(at, v, le));
  }
  f64(v: number, le = false): this {
    return this.put(8, (dv, at) => dv.setFloat64(at, v, le));
  }
  text(s: string): this {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }
  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  setU32At(at: number, v: number, le = false): void {
    this.dv.setUint32(at, v, le);
  }
  setU64At(at: number, v: number, le = false): void {
    this.dv.setBigUint64(at, BigInt(v), le);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

// ---------------------------------------------------------------- DigitalMicrograph

/**
 * DM tag value types: 2 int16, 3 int32, 4 uint16, 5 uint32, 6 float32, 7 float64, 8 bool, 9 int8, 10 uint8,
 * 11 int64, 12 uint64; 20 array, 15 struct, 18 string.
 */
export type DmTagValue =
  | { type: number; value: number }
  | { type: 20; elem: number; values: ArrayLike<number> }
  | { type: 15; fields: number[]; values: number[] }
  | { type: 18; text: string }
  | DmTagGroup;
export interface DmTagGroup {
  group: [string, DmTagValue][];
}

const SIZES: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };

function putValue(b: Bytes, type: number, v: number, le: boolean): void {
  switch (type) {
    case 2:
      b.i16(v, le);
      break;
    case 3:
      b.i32(v, le);
      break;
    case 4:
      b.u16(v, le);
      break;
    case 5:
      b.u32(v, le);
      break;
    case 6:
      b.f32(v, le);
      break;
    case 7:
      b.f64(v, le);
      break;
    case 8:
    case 10:
      b.u8(v);
      break;
    case 9:
      b.u8(v & 0xff);
      break;
    case 11:
    case 12:
      b.u64(v, le);
      break;
    default:
      throw new Error(`type ${type}`);
  }
}

/** Writes a DM3 (version 3) or DM4 (version 4) file with the given root tag group. */
export function writeDM(version: 3 | 4, root: DmTagGroup, littleEndian = true): Uint8Array {
  const b = new Bytes();
  const word = (x: Bytes, v: number): void => {
    if (version === 4) x.u64(v);
    else x.u32(v);
  };
  b.u32(version);
  word(b, 0); // file size, patched below
  b.u32(littleEndian ? 1 : 0);
  const group = (x: Bytes, g: DmTagGroup): void => {
    x.u8(0).u8(1);
    word(x, g.group.length);
    for (const [label, v] of g.group) {
      const isGroup = "group" in v;
      x.u8(isGroup ? 20 : 21)
        .u16(label.length)
        .text(label);
      const body = new Bytes();
      if (isGroup) group(body, v);
      else data(body, v);
      if (version === 4) x.u64(body.length);
      x.bytes(body.done());
    }
  };
  const data = (x: Bytes, v: Exclude<DmTagValue, DmTagGroup>): void => {
    x.text("%%%%");
    let info: number[];
    if (v.type === 20 && "elem" in v) info = [20, v.elem, v.values.length];
    else if (v.type === 15 && "fields" in v) info = [15, 0, v.fields.length, ...v.fields.flatMap((t) => [0, t])];
    else if (v.type === 18 && "text" in v) info = [18, v.text.length];
    else info = [v.type];
    word(x, info.length);
    for (const w of info) word(x, w);
    if ("elem" in v) for (let i = 0; i < v.values.length; i++) putValue(x, v.elem, v.values[i], littleEndian);
    else if ("fields" in v) v.fields.forEach((t, i) => putValue(x, t, v.values[i], littleEndian));
    else if ("text" in v) for (let i = 0; i < v.text.length; i++) x.u16(v.text.charCodeAt(i), littleEndian);
    else putValue(x, v.type, (v as { value: number }).value, littleEndian);
  };
  group(b, root);
  const out = b.done();
  const dv = new DataView(out.buffer);
  if (version === 4) dv.setBigUint64(4, BigInt(out.length));
  else dv.setUint32(4, out.length);
  return out;
}

const units = (s: string): DmTagValue => ({ type: 20, elem: 4, values: Array.from(s, (c) => c.charCodeAt(0)) });

/** Options of {@link dmImage}. */
export interface DmImageSpec {
  version: 3 | 4;
  /** values in DM order: x fastest, then y, then z */
  values: ArrayLike<number>;
  /** [width, height] or [width, height, frames] */
  dims: number[];
  /**
   * DM ImageData.DataType (1 int16, 2 float32, 6 uint8, 7 int32, 9 int8, 10 uint16, 11 uint32, 12 float64,
   * 3 complex, 23 RGB)
   */
  dataType: number;
  /** tag element type of the Data array (see {@link DmTagValue}) */
  elem: number;
  /** per dimension (x, y, z): scale, origin, units */
  cal?: { scale: number; origin: number; units: string }[];
  voltage?: number;
  name?: string;
  littleEndian?: boolean;
  /** put a small RGB thumbnail first in the ImageList, as DigitalMicrograph does */
  thumbnail?: boolean;
}

/** A DM3/DM4 file holding one image (optionally after a thumbnail), with calibrations and microscope tags. */
export function dmImage(s: DmImageSpec): Uint8Array {
  const dimGroup: DmTagGroup = { group: s.dims.map((d) => ["", { type: 5, value: d }] as [string, DmTagValue]) };
  const calDims: DmTagGroup = {
    group: s.dims.map((_, i) => {
      const c = s.cal?.[i] ?? { scale: 1, origin: 0, units: "" };
      const tags: [string, DmTagValue][] = [
        ["Origin", { type: 6, value: c.origin }],
        ["Scale", { type: 6, value: c.scale }],
        ["Units", units(c.units)],
      ];
      return ["", { group: tags }];
    }),
  };
  const image: DmTagGroup = {
    group: [
      [
        "ImageData",
        {
          group: [
            ["Calibrations", { group: [["Dimension", calDims]] }],
            ["Data", { type: 20, elem: s.elem, values: s.values }],
            ["DataType", { type: 3, value: s.dataType }],
            ["Dimensions", dimGroup],
          ],
        },
      ],
      [
        "ImageTags",
        {
          group: [
            [
              "Microscope Info",
              {
                group: [
                  ["Voltage", { type: 7, value: s.voltage ?? 200000 }],
                  ["Microscope", { type: 18, text: "Test TEM" }],
                ],
              },
            ],
          ],
        },
      ],
      ["Name", units(s.name ?? "test image")],
    ],
  };
  const thumb: DmTagGroup = {
    group: [
      [
        "ImageData",
        {
          group: [
            ["Data", { type: 20, elem: 5, values: new Array(4 * 3).fill(0x00ff00ff) }],
            ["DataType", { type: 3, value: 23 }],
            [
              "Dimensions",
              {
                group: [
                  ["", { type: 5, value: 4 }],
                  ["", { type: 5, value: 3 }],
                ],
              },
            ],
          ],
        },
      ],
    ],
  };
  const list: [string, DmTagValue][] =
    s.thumbnail === false
      ? [["", image]]
      : [
          ["", thumb],
          ["", image],
        ];
  const bounds: DmTagValue = { type: 20, elem: 3, values: [0, 0, 100, 100] };
  const root: DmTagGroup = {
    group: [
      ["ApplicationBounds", bounds],
      ["ImageList", { group: list }],
    ],
  };
  return writeDM(s.version, root, s.littleEndian ?? true);
}

// ---------------------------------------------------------------- TIA .ser

/** Options of {@link serFile}. */
export interface SerSpec {
  /** frames, each row-major with row 0 at the top (the writer stores the bottom row first, as TIA does) */
  frames: ArrayLike<number>[];
  width: number;
  height: number;
  /** TIA data type: 1 uint8, 2 uint16, 3 uint32, 4 int8, 5 int16, 6 int32, 7 float32, 8 float64, 9 complex64 */
  type: number;
  /** pixel size in metres */
  delta: number;
  version?: 0x0210 | 0x0220;
  /** 0x4122 (2-D, default) or 0x4120 (1-D spectra) */
  dataTypeId?: number;
}

/** A TIA .ser series of 2-D images. */
export function serFile(s: SerSpec): Uint8Array {
  const v = s.version ?? 0x0210,
    off64 = v === 0x0220,
    le = true;
  const b = new Bytes();
  b.u16(0x4949, le)
    .u16(0x0197, le)
    .u16(v, le)
    .u32(s.dataTypeId ?? 0x4122, le)
    .u32(0x4152, le);
  b.u32(s.frames.length, le).u32(s.frames.length, le);
  const offAt = b.length;
  if (off64) b.u64(0, le);
  else b.u32(0, le);
  b.u32(1, le); // one series dimension
  b.u32(s.frames.length, le).f64(0, le).f64(1, le).i32(0, le).u32(6, le).text("Number").u32(0, le);
  const dataOffsets: number[] = [];
  const size = { 1: 1, 2: 2, 3: 4, 4: 1, 5: 2, 6: 4, 7: 4, 8: 8, 9: 8 }[s.type] ?? 4;
  for (const f of s.frames) {
    dataOffsets.push(b.length);
    b.f64(0, le).f64(s.delta, le).i32(0, le); // x: calibration offset, delta, element
    b.f64(0, le).f64(s.delta, le).i32(0, le); // y
    b.i16(s.type, le).u32(s.width, le).u32(s.height, le);
    for (let r = s.height - 1; r >= 0; r--) {
      for (let c = 0; c < s.width; c++) {
        const x = f[r * s.width + c];
        switch (s.type) {
          case 1:
            b.u8(x);
            break;
          case 2:
            b.u16(x, le);
            break;
          case 3:
            b.u32(x, le);
            break;
          case 4:
            b.u8(x & 0xff);
            break;
          case 5:
            b.i16(x, le);
            break;
          case 6:
            b.i32(x, le);
            break;
          case 7:
            b.f32(x, le);
            break;
          case 8:
            b.f64(x, le);
            break;
          default:
            for (let k = 0; k < size; k++) b.u8(0);
        }
      }
    }
  }
  const arrayAt = b.length,
    n = dataOffsets.length;
  // the time-and-position tags (0x4152: type, time, x, y = 22 bytes each) end the file, as TIA writes them
  const tagAt = (i: number) => arrayAt + 2 * n * (off64 ? 8 : 4) + 22 * i;
  for (const o of dataOffsets) {
    if (off64) b.u64(o, le);
    else b.u32(o, le);
  }
  for (let i = 0; i < n; i++) {
    if (off64) b.u64(tagAt(i), le);
    else b.u32(tagAt(i), le);
  }
  for (let i = 0; i < n; i++)
    b.u16(0x4152, le)
      .u32(1700000000 + i, le)
      .f64(0, le)
      .f64(0, le);
  if (off64) b.setU64At(offAt, arrayAt, le);
  else b.setU32At(offAt, arrayAt, le);
  return b.done();
}

/** A minimal .emi: binary padding around the <ObjectInfo> XML that TIA writes. */
export function emiFile(voltage: number, magnification: number, mode = "STEM nP SA Zoom Image"): Uint8Array {
  const xml =
    `<ObjectInfo><ExperimentalConditions><MicroscopeConditions><AcceleratingVoltage>${voltage}` +
    `</AcceleratingVoltage></MicroscopeConditions></ExperimentalConditions><ExperimentalDescription><Root>` +
    `<Data><Label>Microscope</Label><Value>Test TIA</Value><Unit></Unit></Data>` +
    `<Data><Label>Mode</Label><Value>${mode}</Value><Unit></Unit></Data>` +
    `<Data><Label>Magnification</Label><Value>${magnification}</Value><Unit>x</Unit></Data></Root>` +
    `</ExperimentalDescription></ObjectInfo>`;
  return new Bytes().bytes(new Uint8Array(64).fill(7)).text(xml).bytes(new Uint8Array(16)).done();
}

// ---------------------------------------------------------------- HDF5 (h5wasm)

type H5File = InstanceType<Awaited<ReturnType<typeof loadH5wasm>>["h5"]["File"]>;
let fileNo = 0;

/** Runs `build` on a new HDF5 file in h5wasm's memory and returns the file's bytes. */
export async function writeH5(build: (f: H5File) => void): Promise<Uint8Array> {
  const { h5, module } = await loadH5wasm();
  const p = `/test-writer-${++fileNo}.h5`;
  const f = new h5.File(p, "w");
  try {
    build(f);
  } finally {
    f.close();
  }
  const bytes = module.FS.readFile(p);
  module.FS.unlink(p);
  return bytes;
}

/** The frame-major stack [n][h][w] as Velox's [h][w][n] order. */
export function framesLast(data: ArrayLike<number>, n: number, h: number, w: number): Uint16Array {
  const out = new Uint16Array(n * h * w);
  for (let k = 0; k < n; k++) for (let p = 0; p < h * w; p++) out[p * n + k] = data[k * h * w + p];
  return out;
}

/** Velox's per-frame metadata dataset: JSON bytes in column k of a uint8 [len, frames] array. */
export function veloxMetadata(json: object, frames: number, len = 4096): Uint8Array {
  const text = Buffer.from(JSON.stringify(json), "utf8");
  const out = new Uint8Array(len * frames);
  for (let k = 0; k < frames; k++) for (let i = 0; i < text.length; i++) out[i * frames + k] = text[i];
  return out;
}
