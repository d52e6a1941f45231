import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { decodeImages, decodeNpy, decodePng, encodeNpy, encodePng, loadImages } from "../../src/data/io";
import { IvaeInputError } from "../../src/util/errors";
import { closeSandbox, Outcome, sandboxed } from "./sandbox";

// PNG and .npy parts of the hostile-file corpus (issue 16 items 2, 3, 8 and the "lower" loader items).

/** A PNG chunk with its CRC computed by Node's zlib (independent of the reader's own CRC). */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(Buffer.from(type, "latin1"), 4);
  out.set(data, 8);
  const crc32 = (zlib as unknown as { crc32(d: Uint8Array): number }).crc32;
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit gray PNG of `w` x `h` whose IDAT holds only the first `rows` filtered rows. */
function grayPng(w: number, h: number, rows = h, claim?: [number, number]): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, claim ? claim[0] : w);
  dv.setUint32(4, claim ? claim[1] : h);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const raw = new Uint8Array(rows * (w + 1));
  for (let r = 0; r < rows; r++) for (let c = 0; c < w; c++) raw[r * (w + 1) + 1 + c] = (r * 16 + c) & 255;
  const sig = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

function assertClearError(o: Outcome, what: string, pattern?: RegExp): void {
  assert.equal(o.kind, "error", `${what}: expected an IvaeInputError, got ${JSON.stringify(o).slice(0, 300)}`);
  if (o.kind !== "error") return;
  assert.equal(o.name, "IvaeInputError", `${what}: ${o.name}: ${o.message}`);
  if (pattern) assert.match(o.message, pattern, what);
}

describe("io: PNG and .npy hostile-file corpus", function () {
  this.timeout(60000);
  after(closeSandbox);

  it("reads a valid hand-built PNG, and rejects one whose IDAT holds 5 of 16 rows (item 2)", async () => {
    const ok = decodePng(grayPng(16, 16));
    assert.equal(ok.data[16 * 3 + 2], 50);
    assertClearError(await sandboxed("png", grayPng(16, 16, 5)), "5 of 16 rows", /5 of 16 rows/);
  });

  it("rejects a 20000x20000 header over a tiny IDAT at once, without allocating the image (item 8)", async () => {
    const o = await sandboxed("png", grayPng(2, 2, 2, [20000, 20000]), 3000);
    assertClearError(o, "20000^2", /claims 20000x20000/);
    assert.ok(o.kind === "error" && o.ms < 500 && o.maxAlloc < 1 << 20, JSON.stringify(o).slice(0, 200));
  });

  it("says a CRC error is a damaged file, naming the chunk", async () => {
    const b = encodePng(
      Float32Array.from({ length: 64 }, (_, i) => i),
      8,
      8,
    );
    const idat = Buffer.from(b).indexOf("IDAT");
    const c = Uint8Array.from(b);
    c[idat + 6] ^= 0x40;
    assertClearError(await sandboxed("png", c), "CRC", /chunk "IDAT" at byte \d+ fails its CRC check/);
  });

  it("turns every cut of a PNG into a clear error (16-bit, colour, interlaced)", async () => {
    const files = [
      Uint8Array.from(
        encodePng(
          Float32Array.from({ length: 35 }, (_, i) => i * i),
          7,
          5,
          { bitDepth: 16 },
        ),
      ),
      grayPng(9, 4),
    ];
    // an Adam7-interlaced RGB file written by pngjs
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { PNG } = require("pngjs");
    const png = new PNG({ width: 11, height: 9 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 7) & 255;
    const plain = Uint8Array.from(PNG.sync.write(png));
    files.push(plain);
    for (const f of files) {
      const full = decodePng(f);
      for (let cut = 1; cut < f.length; cut++) {
        const o = await sandboxed("png", f.subarray(0, cut), 2000);
        if (o.kind === "ok") assert.deepEqual(Array.from(o.data), Array.from(full.data), `cut at ${cut}`);
        else assertClearError(o, `cut at ${cut} of ${f.length}`);
      }
    }
  });

  it("reads interlaced PNGs after the size check", () => {
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, 5);
    new DataView(ihdr.buffer).setUint32(4, 3);
    ihdr[8] = 8;
    ihdr[12] = 1;
    // Adam7 on 5x3: the passes hold 1x1, 0x0, 1x1, 1x1, 3x1, 2x2 and 5x1 pixels
    const passes = [
      [0, 0, 8, 8],
      [4, 0, 8, 8],
      [0, 4, 4, 8],
      [2, 0, 4, 4],
      [0, 2, 2, 4],
      [1, 0, 2, 2],
      [0, 1, 1, 2],
    ];
    const img = Array.from({ length: 15 }, (_, i) => i * 10);
    const raw: number[] = [];
    for (const [x0, y0, dx, dy] of passes) {
      for (let y = y0; y < 3; y += dy) {
        const row: number[] = [];
        for (let x = x0; x < 5; x += dx) row.push(img[y * 5 + x]);
        if (row.length) raw.push(0, ...row);
      }
    }
    const sig = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const bytes = Buffer.concat([
      sig,
      chunk("IHDR", ihdr),
      chunk("IDAT", zlib.deflateSync(Uint8Array.from(raw))),
      chunk("IEND", new Uint8Array(0)),
    ]);
    assert.deepEqual(Array.from(decodePng(bytes).data), img);
  });

  it("reports a .npy cut anywhere, including at 7-9 bytes, as an IvaeInputError", () => {
    const b = encodeNpy(
      Float32Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    for (let cut = 0; cut < b.length; cut++) {
      assert.throws(
        () => decodeImages(b.subarray(0, cut), { format: "npy" }),
        (e: Error) => e instanceof IvaeInputError,
        `cut at ${cut}`,
      );
    }
    assert.throws(() => decodeNpy(b.subarray(0, 8)), /truncated/);
  });

  it("rejects a .npy header promising more values than the file holds before allocating", async () => {
    const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }";
    const head = text + " ".repeat(118 - text.length) + "\n";
    const b = new Uint8Array(10 + head.length + 64);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(b.buffer).setUint16(8, head.length, true);
    b.set(Buffer.from(head, "latin1"), 10);
    const o = await sandboxed("npy", b);
    assertClearError(o, "lying .npy", /truncated/);
    assert.ok(o.kind === "error" && o.maxAlloc < 1 << 16);
  });

  it("reads channel-first 4-D .npy [n, c, h, w] right and rejects ambiguous 4-D layouts (item 3)", () => {
    const n = 2,
      c = 3,
      h = 16,
      w = 16;
    const data = new Float32Array(n * c * h * w);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < c; k++) {
        for (let p = 0; p < h * w; p++) data[(i * c + k) * h * w + p] = i * 1000 + k * 100 + p;
      }
    }
    const s = decodeImages(encodeNpy(data, [n, c, h, w]), { mode: "none" });
    assert.deepEqual([s.n, s.height, s.width], [2, 16, 16]);
    assert.equal(s.data[0], 100, "mean over the 3 channels of image 0 pixel 0");
    assert.equal(s.data[256 + 17], 1000 + 100 + 17);
    assert.equal(decodeImages(encodeNpy(data, [n, c, h, w]), { mode: "none", channel: 2 }).data[5], 205);
    const last = decodeImages(encodeNpy(new Float32Array(2 * 16 * 16 * 3).fill(4), [2, 16, 16, 3]), { mode: "none" });
    assert.deepEqual([last.n, last.height, last.width], [2, 16, 16]);
    for (const shape of [
      [2, 3, 4, 4],
      [2, 8, 16, 16],
    ]) {
      const arr = new Float32Array(shape.reduce((a, b) => a * b, 1));
      assert.throws(() => decodeImages(encodeNpy(arr, shape)), /cannot be told apart/);
    }
  });

  it("says a directory is not an image file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-dir-"));
    try {
      assert.throws(
        () => loadImages(dir),
        (e: Error) => e instanceof IvaeInputError && /is a directory/.test(e.message),
      );
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
