import { strict as assert } from "assert";
import { decodeTiff, readTiffCalibration } from "../../src/data/io";
import { IvaeInputError } from "../../src/util/errors";
import { Random } from "../../src/util/random";
import { closeSandbox, Outcome, sandboxed } from "./sandbox";
import { buildTiff, BuiltTiff, lzwEncode, PageSpec, SampleType, sampleValues } from "./tiff-builder";

// The hostile-file corpus of issue 16: every file is generated here, from valid files the tests write.

const TYPES: SampleType[] = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float16", "float32", "float64"];
const COMPRESSIONS = [1, 5, 8, 32773] as const;

function page(type: SampleType, w: number, h: number, seed: number, extra: Partial<PageSpec> = {}): PageSpec {
  const rng = new Random(seed);
  const spp = extra.spp ?? 1;
  return { width: w, height: h, type, values: sampleValues(type, w * h * spp, () => rng.next()), ...extra };
}

/** What decodeTiff must return for a gray page: the samples themselves. */
function assertPixels(got: Float32Array, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: pixel count`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== Math.fround(want[i]))
      assert.fail(`${what}: pixel ${i} is ${got[i]}, expected ${Math.fround(want[i])}`);
  }
}

function assertClearError(o: Outcome, what: string, pattern?: RegExp): void {
  assert.equal(
    o.kind,
    "error",
    `${what}: expected an IvaeInputError, got ${o.kind}${o.kind === "ok" ? "" : ": " + JSON.stringify(o)}`,
  );
  if (o.kind !== "error") return;
  assert.equal(o.name, "IvaeInputError", `${what}: ${o.name}: ${o.message}`);
  if (pattern) assert.match(o.message, pattern, what);
}

describe("io: TIFF hostile-file corpus", function () {
  this.timeout(60000);
  after(closeSandbox);

  it("reads every sample type in both byte orders, every compression, predictors, strips and tiles", () => {
    let k = 0;
    for (const le of [true, false]) {
      for (const type of TYPES) {
        for (const compression of COMPRESSIONS) {
          k++;
          const float = type.startsWith("float");
          const predictor = compression === 5 || compression === 8 ? (float ? 3 : 2) : 1;
          const layout: Partial<PageSpec> = k % 3 === 0 ? { tile: [16, 16] } : { rowsPerStrip: k % 3 === 1 ? 3 : 13 };
          const spec = page(type, 20, 13, k, { compression, predictor, ...layout });
          const what =
            `${le ? "LE" : "BE"} ${type} compression ${compression} predictor ${predictor} ` +
            `${JSON.stringify(layout)}`;
          const t = decodeTiff(buildTiff([spec], le, k % 2 === 0).bytes);
          assert.deepEqual([t.n, t.height, t.width, t.sampleType], [1, 13, 20, type], what);
          assertPixels(t.data, spec.values, what);
        }
      }
    }
  });

  it("reads a last strip padded to full rowsPerStrip rows, with every compression", () => {
    for (const compression of COMPRESSIONS) {
      const spec = page("uint16", 7, 10, compression, { compression, rowsPerStrip: 4, padStrips: true });
      assertPixels(decodeTiff(buildTiff([spec]).bytes).data, spec.values, `padded, compression ${compression}`);
    }
  });

  it("reads big-endian 16-bit as ImageJ/Fiji writes it without swapping the bytes (item 1)", () => {
    const values = [0, 1, 255, 256, 1000, 65535];
    const t = decodeTiff(buildTiff([{ width: 3, height: 2, type: "uint16", values }], false).bytes);
    assert.deepEqual(Array.from(t.data), values);
  });

  it("the test's LZW and PackBits encoders agree with an independent decoder (UTIF)", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const UTIF = require("utif");
    for (const compression of [5, 32773] as const) {
      // long runs and a large image so that LZW passes through 10-, 11- and 12-bit codes and a table reset
      const w = 256,
        h = 96,
        rng = new Random(7);
      const values = Array.from({ length: w * h }, (_, i) =>
        i % 700 < 300 ? (i >> 4) & 255 : Math.floor(rng.next() * 256),
      );
      const bytes = buildTiff([{ width: w, height: h, type: "uint8", values, compression }]).bytes;
      const ifds = UTIF.decode(bytes);
      UTIF.decodeImage(bytes, ifds[0]);
      assert.deepEqual(Array.from(ifds[0].data as Uint8Array), values, `UTIF decodes compression ${compression}`);
      assertPixels(decodeTiff(bytes).data, values, `decodeTiff, compression ${compression}`);
    }
    assert.ok(lzwEncode(new Uint8Array(20000).fill(3)).length < 300, "LZW compresses a constant run");
  });

  it("skips thumbnails, converts RGB to luminance and inverts WhiteIsZero", () => {
    const gray = page("uint8", 6, 4, 1);
    const thumb = page("uint8", 3, 2, 2, { subfile: 1 });
    const rgbValues = Array.from({ length: 72 }, (_, i) => (i * 37) % 256);
    const rgb: PageSpec = { width: 6, height: 4, type: "uint8", spp: 3, values: rgbValues };
    const t = decodeTiff(buildTiff([gray, thumb, rgb], false).bytes);
    assert.equal(t.n, 2);
    assert.ok(Math.abs(t.data[24] - (0.299 * 0 + 0.587 * 37 + 0.114 * 74)) < 1e-3);
    const white: PageSpec = { width: 2, height: 1, type: "uint16", values: [0, 65000], photometric: 0 };
    const inv = decodeTiff(buildTiff([white]).bytes);
    assert.deepEqual(Array.from(inv.data), [65535, 535]);
  });

  it("a cut at every structural boundary (and a byte either side): a clear error or the right pixels", async () => {
    const variants: [string, BuiltTiff, ArrayLike<number>][] = [];
    for (const [i, compression] of COMPRESSIONS.entries()) {
      for (const le of [true, false]) {
        const spec = page(i % 2 ? "uint16" : "float32", 9, 7, i, { compression, rowsPerStrip: 3 });
        const second = page(spec.type, 9, 7, 50 + i, { compression });
        variants.push([`${compression} ${le}`, buildTiff([spec, second], le, !le), spec.values]);
      }
    }
    variants.push([
      "tiles",
      buildTiff([page("uint16", 20, 18, 3, { tile: [16, 16], compression: 8, predictor: 2 })]),
      [],
    ]);
    let cases = 0;
    for (const [name, built] of variants) {
      const cuts = new Set<number>();
      for (const b of built.boundaries) {
        for (const d of [-1, 0, 1]) if (b + d > 0 && b + d < built.bytes.length) cuts.add(b + d);
      }
      const full = decodeTiff(built.bytes);
      for (const cut of cuts) {
        const o = await sandboxed("tiff", built.bytes.subarray(0, cut), 2000);
        cases++;
        if (o.kind === "ok") assertPixels(o.data, full.data, `${name} cut at ${cut} decoded`);
        else assertClearError(o, `${name} cut at ${cut} of ${built.bytes.length}`);
      }
    }
    assert.ok(cases > 300, `only ${cases} cuts`);
  });

  it("rejects strips that are short, past the end of the file, or compressed data ending early (item 2)", async () => {
    const built = buildTiff([page("uint16", 16, 16, 1, { rowsPerStrip: 4 })]);
    const le = true;
    const set32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
      const c = b.slice();
      new DataView(c.buffer).setUint32(at, v, le);
      return c;
    };
    const pg = built.pages[0];
    const countsAt = new DataView(built.bytes.buffer).getUint32(pg.entry.get(279)! + 8, le);
    const offsetsAt = new DataView(built.bytes.buffer).getUint32(pg.entry.get(273)! + 8, le);
    assertClearError(
      await sandboxed("tiff", set32(built.bytes, countsAt + 4, 100)),
      "short strip",
      /strip 1 holds 100 bytes but 128/,
    );
    assertClearError(
      await sandboxed("tiff", set32(built.bytes, offsetsAt + 8, 1e6)),
      "offset past EOF",
      /past the end of the file/,
    );
    const lzw = buildTiff([page("uint8", 32, 32, 2, { compression: 5 })]);
    const cut = lzw.bytes.slice();
    const dv = new DataView(cut.buffer);
    const e = lzw.pages[0].entry.get(279)!;
    dv.setUint32(e + 8, Math.floor(lzw.pages[0].chunks[0].length / 2), true); // the strip now ends halfway
    assertClearError(await sandboxed("tiff", cut), "LZW cut", /decodes to \d+ bytes but 1024 are needed/);
    const garbage = buildTiff([page("uint8", 32, 32, 2, { compression: 8 })]);
    const g = garbage.bytes.slice();
    g.fill(0xff, garbage.pages[0].chunks[0].offset, garbage.pages[0].chunks[0].offset + 4);
    assertClearError(await sandboxed("tiff", g), "Deflate garbage", /damaged Deflate data/);
  });

  it("rejects IFD chains that loop (self, 3-cycle, back to the first) quickly (item 7)", async () => {
    const three = buildTiff([page("uint8", 4, 4, 1), page("uint8", 4, 4, 2), page("uint8", 4, 4, 3)]);
    const nextPtr = (p: number): number => three.pages[p].ifd + 2 + 12 * three.pages[p].entry.size;
    for (const [name, from, to] of [
      ["self", 0, 0],
      ["3-cycle", 2, 0],
      ["2 to 1", 2, 1],
    ] as const) {
      const b = three.bytes.slice();
      new DataView(b.buffer).setUint32(nextPtr(from), three.pages[to].ifd, true);
      const o = await sandboxed("tiff", b, 2000);
      assertClearError(o, name, /loops/);
      assert.ok(o.kind === "error" && o.ms < 500, `${name} took too long`);
    }
  });

  it("bounds allocations by what the file can hold before allocating (item 8)", async () => {
    const b = buildTiff([page("uint8", 8, 8, 1)]);
    const lie = new Uint8Array(512);
    lie.set(b.bytes.subarray(0, Math.min(512, b.bytes.length)));
    const dv = new DataView(lie.buffer);
    dv.setUint32(b.pages[0].entry.get(256)! + 8, 60000, true);
    dv.setUint32(b.pages[0].entry.get(257)! + 8, 60000, true);
    dv.setUint32(b.pages[0].entry.get(278)! + 8, 60000, true);
    const o = await sandboxed("tiff", lie, 2000);
    assertClearError(o, "60000x60000 in 512 bytes", /holds 64 bytes but 3600000000 are needed/);
    assert.ok(
      o.kind === "error" && o.maxAlloc < 64 * 1024 && o.ms < 500,
      `allocated ${JSON.stringify(o).slice(0, 200)}`,
    );
    // an LZW page may expand, but not beyond what LZW can reach
    const lzw = buildTiff([page("uint8", 8, 8, 1, { compression: 5 })]);
    const l2 = lzw.bytes.slice();
    new DataView(l2.buffer).setUint32(lzw.pages[0].entry.get(257)! + 8, 1e6, true);
    new DataView(l2.buffer).setUint32(lzw.pages[0].entry.get(278)! + 8, 1e6, true);
    assertClearError(await sandboxed("tiff", l2), "LZW lying height", /claims 8x1000000/);
    // many IFDs sharing one strip: each page is in the file, together they are not
    const one = buildTiff([page("uint8", 64, 64, 1)]);
    const ifd = one.bytes.subarray(one.pages[0].ifd, one.bytes.length);
    const copies = 200,
      base = one.bytes.length;
    const many = new Uint8Array(base + copies * ifd.length);
    many.set(one.bytes);
    const mv = new DataView(many.buffer);
    for (let k = 0; k < copies; k++) {
      const at = base + k * ifd.length;
      many.set(ifd, at);
      mv.setUint32(at + 2 + 12 * one.pages[0].entry.size, k + 1 < copies ? at + ifd.length : 0, true);
    }
    mv.setUint32(one.pages[0].ifd + 2 + 12 * one.pages[0].entry.size, base, true);
    const m = await sandboxed("tiff", many);
    assertClearError(m, "shared strips", /more than a \d+-byte file can hold/);
    assert.ok(m.kind === "error" && m.maxAlloc < many.length, "rejected before allocating the frames");
  });

  it("names what it does not support (JPEG, BigTIFF, palette, a tag pointing past the end)", () => {
    const b = buildTiff([page("uint8", 4, 4, 1)]);
    const set16 = (at: number, v: number): Uint8Array => {
      const c = b.bytes.slice();
      new DataView(c.buffer).setUint16(at, v, true);
      return c;
    };
    assert.throws(() => decodeTiff(set16(b.pages[0].entry.get(259)! + 8, 7)), /compression 7 \(JPEG\)/);
    assert.throws(
      () => decodeTiff(set16(2, 43)),
      (e: Error) => e instanceof IvaeInputError,
    );
    assert.throws(() => decodeTiff(set16(b.pages[0].entry.get(262)! + 8, 3)), /palette/);
    const rgb = buildTiff([{ width: 3, height: 1, type: "uint8", spp: 3, values: new Array(9).fill(5) }]);
    const c = rgb.bytes.slice();
    new DataView(c.buffer).setUint32(rgb.pages[0].entry.get(258)! + 8, 1e7, true);
    assert.throws(() => decodeTiff(c), /tag 258 .* past the end of the file/);
  });

  it("returns the calibration of ImageJ, FEI and centimetre-resolution files", () => {
    const ij = page("uint8", 4, 4, 1, {
      extraTags: [
        { tag: 270, type: 2, values: "ImageJ=1.54f\nimages=1\nunit=nm\nspacing=2.5\n" },
        { tag: 282, type: 5, values: [20] },
        { tag: 283, type: 5, values: [25] },
        { tag: 296, type: 3, values: [1] },
      ],
    });
    const c1 = decodeTiff(buildTiff([ij], false).bytes).calibration;
    assert.equal(c1.source, "imagej");
    assert.equal(c1.pixelSize!.unit, "nm");
    assert.ok(Math.abs(c1.pixelSize!.x - 0.05) < 1e-9 && Math.abs(c1.pixelSize!.y - 0.04) < 1e-9);
    assert.equal(c1.frameSpacing, 2.5);
    const micron = page("uint8", 4, 4, 1, {
      extraTags: [
        { tag: 270, type: 2, values: "ImageJ=1.54f\nunit=micron\n" },
        { tag: 282, type: 5, values: [4] },
      ],
    });
    assert.deepEqual(readTiffCalibration(buildTiff([micron]).bytes).pixelSize, { x: 0.25, y: 0.25, unit: "µm" });
    const fei = page("uint8", 4, 4, 1, {
      extraTags: [
        {
          tag: 34682,
          type: 2,
          values:
            "[User]\r\nDate=01/02/2020\r\n[Scan]\r\nPixelWidth=1.5e-09\r\nPixelHeight=2e-09\r\n" +
            "[Stage]\r\nX=0.1\r\n",
        },
      ],
    });
    const c2 = readTiffCalibration(buildTiff([fei]).bytes);
    assert.equal(c2.source, "fei");
    assert.ok(Math.abs(c2.pixelSize!.x - 1.5) < 1e-9 && Math.abs(c2.pixelSize!.y - 2) < 1e-9);
    const cm = page("uint8", 4, 4, 1, {
      extraTags: [
        { tag: 282, type: 5, values: [1e6] },
        { tag: 296, type: 3, values: [3] },
      ],
    });
    assert.deepEqual(readTiffCalibration(buildTiff([cm]).bytes).pixelSize, { x: 10, y: 10, unit: "nm" });
    const dpi = page("uint8", 4, 4, 1, {
      extraTags: [
        { tag: 282, type: 5, values: [72] },
        { tag: 296, type: 3, values: [2] },
      ],
    });
    assert.equal(
      readTiffCalibration(buildTiff([dpi]).bytes).pixelSize,
      null,
      "72 dpi is a print resolution, not a pixel size",
    );
  });
});
