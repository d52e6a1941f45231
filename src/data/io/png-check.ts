import * as zlib from "zlib";
import { IvaeInputError } from "../../util/errors";

/**
 * Checks a PNG file's structure before any pixel buffer is allocated (PNG specification, 2nd ed., sections 5,
 * 7, 8 and 11.2.2): every chunk lies inside the file and has a correct CRC, IHDR is valid, IEND is present, and
 * the IDAT stream inflates to exactly the bytes the header's size needs. pngjs allocates from the header alone
 * and zero-fills rows the data lacks (issue 16, items 2 and 8), so without this a 20000x20000 header over a
 * 10-byte IDAT cost 1.5 GB and returned a black image.
 */
export function checkPng(bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8,
    ihdr: { w: number; h: number; depth: number; colour: number; interlace: number } | null = null;
  const idat: Uint8Array[] = [];
  let idatBytes = 0,
    ended = false;
  while (o < bytes.length) {
    if (o + 8 > bytes.length)
      fail(`the file ends inside a chunk header at byte ${o} (${bytes.length} bytes); it is truncated`);
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    if (len > 0x7fffffff || o + 12 + len > bytes.length) {
      fail(
        `chunk ${JSON.stringify(type)} at byte ${o} promises ${len} bytes but the file ends at byte ` +
          `${bytes.length}; ` +
          "it is truncated",
      );
    }
    const stored = dv.getUint32(o + 8 + len);
    const computed = crc32(bytes.subarray(o + 4, o + 8 + len));
    if (stored !== computed) {
      fail(
        `chunk ${JSON.stringify(type)} at byte ${o} fails its CRC check (stored ${hex(stored)}, computed ` +
          `${hex(computed)}): ` +
          "the bytes were altered after writing, e.g. a damaged download or a text-mode transfer",
      );
    }
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (ihdr === null) {
      if (type !== "IHDR" || len !== 13)
        fail(`the first chunk is ${JSON.stringify(type)} of ${len} bytes; expected IHDR of 13`);
      const d = new DataView(data.buffer, data.byteOffset, 13);
      ihdr = { w: d.getUint32(0), h: d.getUint32(4), depth: data[8], colour: data[9], interlace: data[12] };
    } else if (type === "IDAT") {
      idat.push(data);
      idatBytes += len;
    } else if (type === "IEND") {
      ended = true;
      break;
    }
    o += 12 + len;
  }
  if (ihdr === null) fail("the file has no IHDR chunk");
  const { w, h, depth, colour, interlace } = ihdr;
  if (w < 1 || h < 1 || w > 0x7fffffff || h > 0x7fffffff)
    fail(`IHDR gives a size of ${w}x${h}; expected 1 to 2^31-1 pixels`);
  const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  if (!depths[colour]?.includes(depth))
    fail(`IHDR has colour type ${colour} with bit depth ${depth}, which PNG does not define`);
  if (interlace > 1) fail(`IHDR has interlace method ${interlace}; expected 0 or 1`);
  if (!ended) fail("the file ends before its IEND chunk; it is truncated");
  if (idatBytes === 0) fail("the file has no image data (IDAT chunk)");
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colour as 0 | 2 | 3 | 4 | 6];
  const rowBytes = (pw: number): number => 1 + Math.ceil((pw * channels * depth) / 8); // filter byte + samples
  const rawBytes = (pw: number, ph: number): number => (pw > 0 && ph > 0 ? ph * rowBytes(pw) : 0);
  let expected = rawBytes(w, h);
  if (interlace === 1) {
    // Adam7 passes: [x0, y0, dx, dy]
    const passes = [
      [0, 0, 8, 8],
      [4, 0, 8, 8],
      [0, 4, 4, 8],
      [2, 0, 4, 4],
      [0, 2, 2, 4],
      [1, 0, 2, 2],
      [0, 1, 1, 2],
    ];
    const pass = ([x0, y0, dx, dy]: number[]): number => rawBytes(Math.ceil((w - x0) / dx), Math.ceil((h - y0) / dy));
    expected = passes.reduce((s, p) => s + pass(p), 0);
  }
  // deflate cannot expand more than about 1032:1: a larger claim is a lying header, rejected before inflating
  if (expected > idatBytes * 1032 + 1024) {
    fail(
      `IHDR claims ${w}x${h} pixels (${expected} bytes of filtered rows) but the image data is only ${idatBytes} ` +
        `bytes; ` +
        "the file is damaged",
    );
  }
  let raw: Buffer;
  try {
    const finishFlush = zlib.constants.Z_SYNC_FLUSH; // a cut stream returns what it holds
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected, finishFlush });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    fail(
      err.code === "ERR_BUFFER_TOO_LARGE"
        ? `the image data holds more than the ${expected} bytes a ${w}x${h} ` + `image needs`
        : `the image data is not a valid zlib stream (${err.message})`,
    );
  }
  if (raw.length < expected) {
    fail(
      `the image data holds ${raw.length} of the ${expected} bytes a ${w}x${h} image needs` +
        (interlace === 0 ? ` (${Math.floor(raw.length / rowBytes(w))} of ${h} rows)` : "") +
        "; the file is truncated or damaged",
    );
  }
}

function fail(msg: string): never {
  throw new IvaeInputError(`decodePng: ${msg}`);
}

function hex(v: number): string {
  return "0x" + v.toString(16).padStart(8, "0");
}

let table: Uint32Array | undefined;

/** CRC-32 of PNG chunks (ISO 3309 polynomial, PNG specification annex D). */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
