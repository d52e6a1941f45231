import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  channelAt,
  channelImages,
  decodeImages,
  encodeNpy,
  encodeTiff,
  imageStack,
  IvaeInputError,
  loadImages,
  normalizeImages,
  readChannelFiles,
  stackChannels,
} from "../../src/index";
import { dmImage } from "./format-writers";

/** Detector files of one scan written by the test: distinct values per (file, frame, pixel). */
function plane(seed: number, n: number, h: number, w: number): Float32Array {
  return Float32Array.from({ length: n * h * w }, (_, i) => seed * 1000 + Math.sin(0.37 * i + seed) * 50 + i);
}

describe("io: loadImages / readChannelFiles with detector channels", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-ch-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };

  it("two detector files become one stack [n, 2, h, w] in path order, raw values kept with mode none", () => {
    const adf = plane(1, 2, 5, 6),
      abf = plane(2, 2, 5, 6);
    const a = file("adf.npy", encodeNpy(adf, [2, 5, 6])),
      b = file("abf.tif", encodeTiff(abf, 2, 5, 6, "float32"));
    const s = loadImages([a, b], { mode: "none" });
    assert.deepEqual([s.n, s.channels, s.height, s.width], [2, 2, 5, 6]);
    // layout [n, C, h, w]: frame 1, channel 0 is adf's frame 1; frame 1, channel 1 is abf's frame 1
    assert.deepEqual(Array.from(s.data.subarray(2 * 30, 3 * 30)), Array.from(adf.subarray(30, 60)));
    assert.deepEqual(Array.from(s.data.subarray(3 * 30, 4 * 30)), Array.from(abf.subarray(30, 60)));
    assert.deepEqual(Array.from(channelAt(s, 1).data), Array.from(abf));
    // the reverse order swaps the channels; `channels: true` is the same call spelled out
    assert.deepEqual(Array.from(channelAt(loadImages([b, a], { mode: "none" }), 0).data), Array.from(abf));
    assert.deepEqual(loadImages([a, b], { mode: "none", channels: true }).data, s.data);
    // frames picked after stacking, in every channel
    const f1 = loadImages([a, b], { mode: "none", frames: [1] });
    assert.deepEqual([f1.n, f1.channels], [1, 2]);
    assert.deepEqual(Array.from(channelAt(f1, 1).data), Array.from(abf.subarray(30, 60)));
  });

  it("normalises each channel on its own (an ABF level does not squash the ADF counts)", () => {
    const adf = Float32Array.from({ length: 20 }, (_, i) => 1000 + 100 * i);
    const abf = Float32Array.from({ length: 20 }, (_, i) => 0.5 - 0.01 * i);
    const a = file("n-adf.npy", encodeNpy(adf, [4, 5])),
      b = file("n-abf.npy", encodeNpy(abf, [4, 5]));
    const s = loadImages([a, b], { mode: "minmax" });
    const c0 = channelAt(s, 0).data,
      c1 = channelAt(s, 1).data;
    assert.ok(Math.abs(c0[0]) < 1e-6 && Math.abs(c0[19] - 1) < 1e-6);
    assert.ok(Math.abs(c1[0] - 1) < 1e-6 && Math.abs(c1[19]) < 1e-6);
    // perFrame false on a 2-frame, 2-channel stack: each channel over both frames
    const st = imageStack(Float32Array.from([0, 2, 10, 30, 1, 3, 20, 50]), 2, 1, 2, 2);
    const z = normalizeImages(st, { mode: "minmax", perFrame: false });
    assert.deepEqual(z.data, Float32Array.from([0, 2 / 3, 0, 0.5, 1 / 3, 1, 0.25, 1]));
    const zf = normalizeImages(st, { mode: "minmax" });
    assert.deepEqual(Array.from(zf.data), [0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it("refuses mismatched shapes and calibrations, naming both files", async () => {
    const a = file("m-adf.npy", encodeNpy(plane(1, 1, 5, 6), [5, 6])),
      b = file("m-abf.npy", encodeNpy(plane(2, 1, 6, 5), [6, 5]));
    assert.throws(
      () => loadImages([a, b]),
      (e: Error) =>
        e instanceof IvaeInputError && /m-abf\.npy.*1×6×5.*m-adf\.npy.*1×5×6.*pixel for pixel/.test(e.message),
    );
    const t1 = file("c1.tif", encodeTiff(plane(1, 1, 5, 6), 1, 5, 6, "float32", { pixelSize: 0.01 }));
    const t2 = file("c2.tif", encodeTiff(plane(2, 1, 5, 6), 1, 5, 6, "float32", { pixelSize: 0.012 }));
    assert.throws(() => loadImages([t1, t2]), /c2\.tif has 0\.012 nm per pixel but c1\.tif has 0\.01 nm/);
    await assert.rejects(readChannelFiles([t1, t2]), /c2\.tif has 0\.012 nm per pixel/);
    // within the tolerance (1 % by default, or as given) the pair is accepted
    const t3 = file("c3.tif", encodeTiff(plane(3, 1, 5, 6), 1, 5, 6, "float32", { pixelSize: 0.01005 }));
    assert.equal(loadImages([t1, t3]).channels, 2);
    assert.equal((await readChannelFiles([t1, t2], { pixelSizeTolerance: 0.2 })).channels!.length, 2);
    assert.throws(() => loadImages([a, path.join(dir, "none.npy")]), /no such file.*none\.npy/);
    assert.throws(() => loadImages([a, a], { channel: 0 }), /`channel` merges or picks/);
    assert.throws(() => loadImages([a, a], { channels: false }), /channels: false with 2 paths/);
    assert.throws(() => loadImages([]), /at least one file path/);
  });

  it("readChannelFiles keeps the calibration and names channels by detector or file", async () => {
    const v0 = plane(1, 1, 4, 6),
      v1 = plane(2, 1, 4, 6);
    // a DM4 that names its detector, and an uncalibrated .npy (named by its file)
    const dm = file(
      "haadf.dm4",
      dmImage({
        version: 4,
        values: v0,
        dims: [6, 4],
        dataType: 2,
        elem: 6,
        name: "HAADF",
        cal: [
          { scale: 0.0093, origin: 0, units: "nm" },
          { scale: 0.0093, origin: 0, units: "nm" },
        ],
      }),
    );
    const npy = file("sto_ABF.npy", encodeNpy(v1, [4, 6]));
    const f = await readChannelFiles([dm, npy]);
    assert.deepEqual(f.metadata.channels, ["HAADF", "sto_ABF"]);
    assert.equal(f.metadata.calibrated, true);
    assert.ok(Math.abs(f.metadata.pixelSize.x.value - 0.0093) < 1e-7);
    const s = channelImages(f);
    assert.deepEqual([s.n, s.channels], [1, 2]);
    assert.deepEqual(Array.from(channelAt(s, 0).data), Array.from(v0));
    assert.deepEqual(Array.from(channelAt(s, 1).data), Array.from(v1));
    // the same two files through the sync loader give the same raw stack
    assert.deepEqual(loadImages([dm, npy], { mode: "none" }).data, s.data);
    const named = await readChannelFiles([dm, npy], { names: ["ADF", "ABF"] });
    assert.deepEqual(named.metadata.channels, ["ADF", "ABF"]);
  });

  it("one file: declared channels kept with channels: true (ImageJ hyperstack, .npy axis); frames as detectors", () => {
    // an ImageJ hyperstack of 2 frames × 2 channels: without `channels` its 4 pages read as frames (as before)
    const hs = plane(4, 4, 3, 5);
    const t = file("hyper.tif", encodeTiff(hs, 2, 3, 5, "float32", { channels: 2, channelNames: ["ADF", "ABF"] }));
    const kept = loadImages(t, { channels: true, mode: "none" });
    assert.deepEqual([kept.n, kept.channels], [2, 2]);
    assert.deepEqual(kept.data, hs);
    // a channels-last .npy [h, w, 2]: merged by default, kept as channel planes on request
    const hw2 = Float32Array.from({ length: 5 * 6 * 2 }, (_, i) => (i % 2 === 0 ? i : -i));
    const n = file("hw2.npy", encodeNpy(hw2, [5, 6, 2]));
    assert.equal(loadImages(n, { mode: "none" }).channels, undefined);
    const k = loadImages(n, { channels: true, mode: "none" });
    assert.deepEqual([k.n, k.channels, k.height, k.width], [1, 2, 5, 6]);
    assert.deepEqual(
      Array.from(channelAt(k, 1).data),
      Array.from({ length: 30 }, (_, p) => -(2 * p + 1)),
    );
    // a 3-frame stack whose frames are 3 detectors of one scan
    const st = plane(5, 3, 4, 4);
    const f3 = file("three.npy", encodeNpy(st, [3, 4, 4]));
    const asC = loadImages(f3, { channels: "frames", mode: "none" });
    assert.deepEqual([asC.n, asC.channels], [1, 3]);
    assert.deepEqual(asC.data, st);
    const two = loadImages(f3, { channels: "frames", frames: [2, 0], mode: "none" });
    assert.deepEqual(Array.from(channelAt(two, 0).data), Array.from(st.subarray(32, 48)));
    assert.throws(() => loadImages([f3, f3], { channels: "frames" }), /reads the frames of one file.*got 2 files/);
    assert.throws(() => loadImages(t, { channels: "frames" }), /already has 2 channels \(ADF, ABF\)/);
    // decodeImages (bytes in memory) takes the same option
    assert.deepEqual(decodeImages(fs.readFileSync(f3), { channels: "frames", mode: "none" }).data, st);
  });

  it("stackChannels takes every channel of a multi-channel input and disambiguates repeated names", () => {
    const two = imageStack(plane(1, 2, 3, 3), 1, 3, 3, 2);
    const one = imageStack(plane(2, 1, 3, 3), 1, 3, 3);
    const s = stackChannels([two, one]);
    assert.deepEqual(s.metadata.channels, ["channel 0.0", "channel 0.1", "channel 1"]);
    const m = channelImages(s);
    assert.equal(m.channels, 3);
    assert.deepEqual(Array.from(channelAt(m, 1).data), Array.from(channelAt(two, 1).data));
    assert.deepEqual(Array.from(channelAt(m, 2).data), Array.from(one.data));
  });
});
