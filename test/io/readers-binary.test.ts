import { strict as assert } from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IvaeInputError } from "../../src/util/errors";
import { decodeImageFile, loadImages, readDM, readImageFile, readSER } from "../../src/data/io/index";
import { parseDMTags } from "../../src/data/io/dm";
import { dmImage, emiFile, serFile } from "./format-writers";

const close = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const ramp = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
const throwsNaming = (fn: () => unknown, file: string, what: RegExp): void =>
  assert.throws(fn, (e: Error) => e instanceof IvaeInputError && e.message.includes(file) && what.test(e.message));

describe("io readers: DigitalMicrograph .dm3/.dm4", () => {
  // every DM data type the reader accepts: [DataType, tag element type, name, a value range that fits]
  const TYPES: [number, number, string, number][] = [
    [1, 2, "int16", -3000],
    [10, 4, "uint16", 60000],
    [7, 3, "int32", -2e9],
    [11, 5, "uint32", 4e9],
    [2, 6, "float32", 0.125],
    [12, 7, "float64", -1.5e-3],
    [9, 9, "int8", -100],
    [6, 10, "uint8", 250],
  ];
  for (const version of [3, 4] as const) {
    for (const [dataType, elem, name, v] of TYPES) {
      it(`DM${version} ${name}: pixels, shape and calibration round-trip`, () => {
        const w = 5,
          h = 3;
        const values = ramp(w * h, (i) => (i === 7 ? v : i));
        const bytes = dmImage({
          version,
          values,
          dims: [w, h],
          dataType,
          elem,
          cal: [
            { scale: 20, origin: 2, units: "pm" },
            { scale: 0.5, origin: 0, units: "nm" },
          ],
          voltage: 300000,
        });
        const r = readDM(bytes, `t.dm${version}`);
        assert.deepEqual([r.images.n, r.images.height, r.images.width], [1, h, w]);
        assert.equal(r.metadata.dtype, name);
        assert.equal(r.metadata.format, `dm${version}`);
        for (let i = 0; i < w * h; i++) assert.ok(close(r.images.data[i], Math.fround(values[i])), `pixel ${i}`);
        // 20 pm = 0.02 nm along x; DM's Origin 2 (px) puts index 0 at −2·0.02 nm
        assert.ok(close(r.metadata.pixelSize.x.value, 0.02) && r.metadata.pixelSize.x.unit === "nm");
        assert.ok(close(r.metadata.pixelSize.y.value, 0.5) && r.metadata.pixelSize.y.unit === "nm");
        assert.ok(close(r.metadata.axes[1].offset, -0.04));
        assert.deepEqual(r.metadata.original.pixelOrigin, [0, 2]);
        assert.equal(r.metadata.acquisition.voltage, 300000);
        assert.equal(r.metadata.acquisition.microscope, "Test TEM");
        assert.ok(r.metadata.calibrated);
      });
    }
    it(`DM${version} 3-D stack: frames first, x fastest, frame axis kept`, () => {
      const [w, h, n] = [4, 3, 2];
      const values = ramp(w * h * n, (i) => i * 3 - 7);
      const r = readDM(
        dmImage({
          version,
          values,
          dims: [w, h, n],
          dataType: 1,
          elem: 2,
          cal: [
            { scale: 1, origin: 0, units: "nm" },
            { scale: 1, origin: 0, units: "nm" },
            { scale: 0.5, origin: 0, units: "s" },
          ],
        }),
        "s.dm",
      );
      assert.deepEqual([r.images.n, r.images.height, r.images.width], [n, h, w]);
      assert.equal(r.images.data[(1 * h + 2) * w + 3], values[(1 * h + 2) * w + 3]);
      assert.deepEqual(
        r.metadata.axes.map((a: { name: string }) => a.name),
        ["frame", "y", "x"],
      );
      assert.equal(r.metadata.axes[0].unit, "s");
      assert.equal(r.metadata.frames, 2);
    });
    it(`DM${version} large image (read in place from the file, not from the tag tree)`, () => {
      const [w, h] = [80, 64]; // 5120 values: above the size up to which tag arrays are copied into the tree
      const values = ramp(w * h, (i) => (i * 37) % 65536);
      const r = readDM(dmImage({ version, values, dims: [w, h], dataType: 10, elem: 4 }), "big.dm");
      assert.deepEqual([r.images.height, r.images.width], [h, w]);
      assert.deepEqual(Array.from(r.images.data), values);
    });
    it(`DM${version} big-endian data and an uncalibrated image`, () => {
      const values = ramp(6, (i) => 1000 * i + 1);
      const r = readDM(dmImage({ version, values, dims: [3, 2], dataType: 10, elem: 4, littleEndian: false }), "be.dm");
      assert.deepEqual(Array.from(r.images.data), values);
      assert.equal(r.metadata.calibrated, false);
      assert.equal(r.metadata.pixelSize.x.unit, "px");
    });
  }
  it("rejects complex and RGB images, naming the file and the type", () => {
    const cx = dmImage({ version: 3, values: ramp(8, (i) => i), dims: [2, 2], dataType: 3, elem: 6, thumbnail: false });
    throwsNaming(() => readDM(cx, "cx.dm3"), "cx.dm3", /complex64.*not supported/);
    const rgb = dmImage({
      version: 4,
      values: ramp(4, (i) => i),
      dims: [2, 2],
      dataType: 23,
      elem: 5,
      thumbnail: false,
    });
    throwsNaming(() => readDM(rgb, "rgb.dm4"), "rgb.dm4", /RGBA/);
  });
  it("rejects a Data array that disagrees with Dimensions", () => {
    const bad = dmImage({
      version: 3,
      values: ramp(5, (i) => i),
      dims: [2, 3],
      dataType: 10,
      elem: 4,
      thumbnail: false,
    });
    throwsNaming(() => readDM(bad, "bad.dm3"), "bad.dm3", /5 values but Dimensions \[2, 3\] need 6/);
  });
  for (const version of [3, 4] as const) {
    it(`every truncation of a DM${version} file is rejected with an IvaeInputError naming the file`, () => {
      const full = dmImage({ version, values: ramp(64, (i) => i), dims: [8, 8], dataType: 2, elem: 6 });
      fc.assert(
        fc.property(fc.integer({ min: 0, max: full.length - 1 }), (cut) => {
          const cutFile = full.subarray(0, cut);
          throwsNaming(() => readDM(cutFile, "cut.dm"), "cut.dm", /truncated|corrupt|not a DigitalMicrograph/);
        }),
        { numRuns: 200, seed: 14 },
      );
    });
  }
  it("random bytes in a DM file's tag area give an IvaeInputError or a valid image, never a crash", () => {
    const full = dmImage({ version: 4, values: ramp(16, (i) => i), dims: [4, 4], dataType: 10, elem: 4 });
    const where = fc.integer({ min: 16, max: full.length - 1 }),
      value = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(where, value, (at, byte) => {
        const b = full.slice();
        b[at] = byte;
        try {
          const r = readDM(b, "flip.dm4");
          assert.equal(r.images.data.length, r.images.n * r.images.height * r.images.width);
        } catch (e) {
          assert.ok(e instanceof IvaeInputError, `not an input error: ${(e as Error).message}`);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
  it("rejects tag counts and array sizes larger than the file before allocating", () => {
    const b = dmImage({ version: 3, values: ramp(4, (i) => i), dims: [2, 2], dataType: 10, elem: 4, thumbnail: false });
    const corrupt = b.slice();
    new DataView(corrupt.buffer).setUint32(14, 0x7fffffff); // root tag count
    throwsNaming(() => parseDMTags(corrupt, "huge.dm3"), "huge.dm3", /claims 2147483647 tags/);
  });
  it("loadImages opens a DM file by content whatever its name, and normalises like other formats", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-dm-"));
    const f = path.join(dir, "renamed.bin");
    fs.writeFileSync(f, dmImage({ version: 3, values: [0, 10, 20, 30], dims: [2, 2], dataType: 10, elem: 4 }));
    const s = loadImages(f, { mode: "minmax" });
    assert.deepEqual(
      Array.from(s.data).map((x) => Math.round(x * 3)),
      [0, 1, 2, 3],
    );
    fs.rmSync(dir, { recursive: true });
  });
});

describe("io readers: TIA .ser (+ .emi)", () => {
  const w = 4,
    h = 3;
  const frames = [ramp(w * h, (i) => i * 100), ramp(w * h, (i) => 5000 - i)];
  for (const version of [0x0210, 0x0220] as const) {
    it(`version 0x${version.toString(16)}: a 2-frame uint16 series, top row first, calibration in nm`, () => {
      const r = readSER(serFile({ frames, width: w, height: h, type: 2, delta: 1.001e-11, version }), "s_1.ser");
      assert.deepEqual([r.images.n, r.images.height, r.images.width], [2, h, w]);
      assert.deepEqual(Array.from(r.images.data.subarray(0, w * h)), frames[0]);
      assert.deepEqual(Array.from(r.images.data.subarray(w * h)), frames[1]);
      assert.ok(close(r.metadata.pixelSize.x.value, 0.01001) && r.metadata.pixelSize.x.unit === "nm");
      assert.equal(r.metadata.dtype, "uint16");
      assert.equal(r.metadata.axes[0].name, "Number");
    });
  }
  for (const [type, name] of [
    [1, "uint8"],
    [5, "int16"],
    [6, "int32"],
    [7, "float32"],
    [8, "float64"],
  ] as const) {
    it(`reads ${name} elements`, () => {
      const f = [ramp(w * h, (i) => (type === 1 ? 20 * i : (i % 2 ? -i : i) * 3))];
      const r = readSER(serFile({ frames: f, width: w, height: h, type, delta: 1e-10 }), "t.ser");
      assert.equal(r.metadata.dtype, name);
      assert.deepEqual(Array.from(r.images.data), f[0]);
    });
  }
  it("readImageFile finds the .emi sibling of name_1.ser: voltage, magnification, microscope", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-ser-"));
    const ser = serFile({ frames: [frames[0]], width: w, height: h, type: 2, delta: 2e-11 });
    fs.writeFileSync(path.join(dir, "scan_1.ser"), ser);
    fs.writeFileSync(path.join(dir, "scan.emi"), emiFile(80000, 13500000));
    const r = await readImageFile(path.join(dir, "scan_1.ser"));
    assert.equal(r.metadata.acquisition.voltage, 80000);
    assert.equal(r.metadata.acquisition.magnification, 13500000);
    assert.equal(r.metadata.acquisition.microscope, "Test TIA");
    assert.equal(r.metadata.frames, 1);
    assert.deepEqual(
      r.metadata.axes.map((a) => a.name),
      ["y", "x"],
    );
    fs.rmSync(dir, { recursive: true });
  });
  it("a TEM diffraction pattern (the .emi's Mode) is calibrated in 1/nm; a STEM image stays in nm", () => {
    const ser = serFile({ frames: [frames[0]], width: w, height: h, type: 2, delta: 2e7 });
    const diff = readSER(ser, "d_1.ser", {}, emiFile(300000, 1, "TEM LM Diffraction"));
    assert.deepEqual([diff.metadata.pixelSize.x.value, diff.metadata.pixelSize.x.unit], [0.02, "1/nm"]);
    const stem = readSER(ser, "s_1.ser", {}, emiFile(300000, 1, "STEM nP Mh Zoom Diffraction"));
    assert.deepEqual([stem.metadata.pixelSize.x.value, stem.metadata.pixelSize.x.unit], [2e16, "nm"]);
  });
  it("rejects spectra, complex images, truncation and foreign bytes with the file named", async () => {
    const spec = serFile({ frames: [frames[0]], width: w, height: h, type: 2, delta: 1e-10, dataTypeId: 0x4120 });
    throwsNaming(() => readSER(spec, "spec.ser"), "spec.ser", /1-D elements \(spectra\)/);
    const cx = serFile({ frames: [frames[0]], width: w, height: h, type: 9, delta: 1e-10 });
    throwsNaming(() => readSER(cx, "cx.ser"), "cx.ser", /complex64/);
    const full = serFile({ frames, width: w, height: h, type: 2, delta: 1e-10 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.length - 1 }), (cut) => {
        throwsNaming(() => readSER(full.subarray(0, cut), "cut.ser"), "cut.ser", /truncated|corrupt|not a TIA/);
      }),
      { numRuns: 100, seed: 3 },
    );
    // a cut that keeps every pixel but loses the tags at the end is still a truncated file
    throwsNaming(() => readSER(full.subarray(0, full.length - 10), "tags.ser"), "tags.ser", /the tag of element 1/);
    await assert.rejects(
      decodeImageFile(new Uint8Array(100).fill(0x41), "foreign.emd"),
      (e: Error) => e instanceof IvaeInputError && /foreign\.emd.*not a supported image/.test(e.message),
    );
  });
});
