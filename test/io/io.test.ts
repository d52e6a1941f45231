import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  decodeImages,
  decodeNpy,
  decodePng,
  decodeTiff,
  encodeNpy,
  encodePng,
  encodePngRgb,
  encodeTiff,
  loadImages,
  normalizeImages,
  saveImages,
} from "../../src/data/io";
import { IvaeInputError } from "../../src/util/errors";

const fx = (f: string) => new Uint8Array(fs.readFileSync(path.join(__dirname, "fixtures", f)));

describe("io: .npy", () => {
  it("round-trips float32 arrays through encodeNpy/decodeNpy with the numpy header layout", () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.25 - 3);
    const bytes = encodeNpy(data, [2, 3, 4]);
    assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, "data start must be 64-byte aligned");
    const back = decodeNpy(bytes);
    assert.deepEqual(back.shape, [2, 3, 4]);
    assert.deepEqual(Array.from(back.data), Array.from(data));
  });
  it("reads files written by numpy: Fortran-order float64, big-endian uint16, float16, channels", () => {
    const f = decodeNpy(fx("f8_fortran.npy"));
    assert.deepEqual(f.shape, [3, 4]);
    assert.deepEqual(
      Array.from(f.data),
      Array.from({ length: 12 }, (_, i) => i * 1.5),
      "Fortran order must be re-ordered to rows",
    );
    const u = decodeNpy(fx("u2_big.npy"));
    assert.equal(u.dtype, ">u2");
    assert.deepEqual(Array.from(u.data.subarray(0, 4)), [0, 1000, 2000, 3000]);
    assert.equal(u.data[23], 23000);
    const h = decodeNpy(fx("f2.npy"));
    assert.deepEqual(
      Array.from(h.data).map((v) => +v.toPrecision(6)),
      [0.5, -2, 65504, 0.0010004],
    );
    const rgb = decodeImages(fx("rgb_u1.npy"), { mode: "none" });
    assert.deepEqual([rgb.n, rgb.height, rgb.width], [1, 5, 6]);
    assert.equal(rgb.data[0], 30, "channels are averaged by default");
    assert.equal(decodeImages(fx("rgb_u1.npy"), { mode: "none", channel: 2 }).data[7], 60);
  });
  it("rejects object arrays and truncated files with a clear message", () => {
    assert.throws(
      () => decodeNpy(fx("obj.npy")),
      (e: Error) => e instanceof IvaeInputError && /dtype '\|O'/.test(e.message),
    );
    const b = encodeNpy(new Float32Array(100), [10, 10]);
    assert.throws(() => decodeNpy(b.subarray(0, b.length - 8)), /truncated/);
  });
});

describe("io: PNG", () => {
  it("keeps 16-bit levels and orders rows correctly", () => {
    const w = 7,
      h = 3;
    const g = Float32Array.from({ length: w * h }, (_, i) => i);
    const d = decodePng(encodePng(g, w, h, { bitDepth: 16 }));
    assert.equal(d.bitDepth, 16);
    assert.deepEqual([d.width, d.height], [w, h]);
    for (let i = 0; i < w * h; i++) assert.equal(d.data[i], Math.round((i / 20) * 65535));
  });
  it("decodes colour PNGs to luminance and flags them", () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0]);
    const d = decodePng(encodePngRgb(rgb, 2, 1));
    assert.ok(d.wasColor);
    assert.ok(Math.abs(d.data[0] - 0.299 * 255) < 1e-3 && Math.abs(d.data[1] - 0.587 * 255) < 1e-3);
  });
  it("rejects a non-PNG", () => {
    assert.throws(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), /not a PNG/);
  });
});

describe("io: TIFF", () => {
  it("reads uint16 and float32 multi-page stacks (frames)", () => {
    const n = 3,
      h = 4,
      w = 5;
    const v = Float32Array.from({ length: n * h * w }, (_, i) => i * 700 + 3);
    const t16 = decodeTiff(encodeTiff(v, n, h, w, "uint16"));
    assert.equal(t16.sampleType, "uint16");
    assert.deepEqual([t16.n, t16.height, t16.width], [3, 4, 5]);
    assert.deepEqual(
      Array.from(t16.data),
      Array.from(v).map((x) => Math.min(65535, x)),
    );
    const vf = Float32Array.from({ length: n * h * w }, (_, i) => Math.sin(i) * 1e-3 - 0.5);
    const tf = decodeTiff(encodeTiff(vf, n, h, w, "float32"));
    assert.equal(tf.sampleType, "float32");
    assert.deepEqual(Array.from(tf.data), Array.from(vf));
  });
  it("reads a big-endian RGBA TIFF written by another encoder (UTIF)", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const UTIF = require("utif");
    const rgba = new Uint8Array([200, 200, 200, 255, 0, 0, 255, 255]);
    const d = decodeTiff(new Uint8Array(UTIF.encodeImage(rgba, 2, 1)));
    assert.equal(d.width, 2);
    assert.ok(Math.abs(d.data[0] - 200) < 1e-3 && Math.abs(d.data[1] - 0.114 * 255) < 1e-3);
  });
});

describe("io: loadImages / saveImages / normalisation", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-io-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  it("sniffs the format by content, selects frames and normalises per frame", () => {
    const n = 2,
      h = 8,
      w = 8;
    const v = Float32Array.from({ length: n * h * w }, (_, i) => (i < 64 ? i : 1000 + 3 * i));
    const file = path.join(dir, "stack.weird-ext");
    fs.writeFileSync(file, encodeTiff(v, n, h, w, "float32"));
    const s = loadImages(file, { mode: "minmax" });
    assert.deepEqual([s.n, s.height, s.width], [2, 8, 8]);
    assert.equal(s.data[0], 0);
    assert.equal(s.data[63], 1);
    assert.equal(s.data[64], 0);
    assert.equal(s.data[127], 1);
    const one = loadImages(file, { mode: "none", frames: [1] });
    assert.equal(one.n, 1);
    assert.equal(one.data[0], 1000 + 3 * 64);
    assert.throws(() => loadImages(file, { frames: [2] }), /frame 2 out of range/);
  });
  it("round-trips .npy and .png through saveImages/loadImages", () => {
    const st = { data: Float32Array.from({ length: 2 * 6 * 5 }, (_, i) => i), n: 2, height: 6, width: 5 };
    saveImages(path.join(dir, "a.npy"), st);
    const back = loadImages(path.join(dir, "a.npy"), { mode: "none" });
    assert.deepEqual(Array.from(back.data), Array.from(st.data));
    saveImages(path.join(dir, "a.png"), st, { frame: 1, bitDepth: 16 });
    const p = loadImages(path.join(dir, "a.png"), { mode: "minmax" });
    assert.ok(Math.abs(p.data[7] - 7 / 29) < 1e-4);
  });
  it("percentile normalisation is robust to a hot pixel; zscore gives mean 0 / sd 1", () => {
    const d = Float32Array.from({ length: 10000 }, (_, i) => (i % 100) / 100);
    d[5] = 1e6;
    const p = normalizeImages({ data: d, n: 1, height: 100, width: 100 }, { mode: "percentile", percentiles: [1, 99] });
    assert.ok(p.data[50] > 0.45 && p.data[50] < 0.55, "a hot pixel must not squash the range");
    const z = normalizeImages(
      { data: Float32Array.from({ length: 100 }, (_, i) => i), n: 1, height: 10, width: 10 },
      { mode: "zscore" },
    );
    const m = z.data.reduce((a, b) => a + b, 0) / 100;
    assert.ok(Math.abs(m) < 1e-5);
  });
  it("explains unsupported files and non-finite pixels", () => {
    const f = path.join(dir, "x.dm4");
    fs.writeFileSync(f, Buffer.from([0, 0, 0, 4, 1, 2, 3, 4, 5]));
    assert.throws(
      () => loadImages(f),
      (e: Error) => e instanceof IvaeInputError && /expected \.npy, \.png or \.tif/.test(e.message),
    );
    assert.throws(() => loadImages(path.join(dir, "missing.npy")), /no such file/);
    const nan = new Float32Array(4);
    nan[2] = NaN;
    assert.throws(() => decodeImages(encodeNpy(nan, [2, 2])), /non-finite pixel.*row 1, column 0/);
  });
});
