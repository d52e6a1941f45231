import { strict as assert } from "assert";
import {
  channelAt,
  channelImages,
  decodeImageFile,
  decodeTiff,
  encodeTiff,
  extractPatches,
  imageStack,
  IvaeInputError,
  mergeChannels,
  readTiffCalibration,
  selectImages,
  slidingWindows,
  sliceImages,
} from "../../src/index";

/** n frames × C channels of H × W with a distinct value pattern per (frame, channel, pixel). */
function pattern(n: number, C: number, H: number, W: number) {
  const data = new Float32Array(n * C * H * W).map((_, i) => Math.sin(0.7 * i) * 100 + i / 7);
  return imageStack(data, n, H, W, C);
}

describe("io: TIFF writer with calibration and channels (ImageJ hyperstack), read back by readImageFile", () => {
  it("a calibrated single-channel TIFF: the pixel size comes back in nm through the ImageJ tags", async () => {
    const s = pattern(2, 1, 5, 7);
    const bytes = encodeTiff(s.data, 2, 5, 7, "float32", { pixelSize: 0.0195 });
    const cal = readTiffCalibration(bytes);
    assert.equal(cal.source, "imagej");
    assert.ok(Math.abs(cal.pixelSize!.x - 0.0195) < 1e-9 && Math.abs(cal.pixelSize!.y - 0.0195) < 1e-9);
    assert.equal(cal.pixelSize!.unit, "nm");
    const f = await decodeImageFile(bytes, "cal.tif");
    assert.equal(f.metadata.calibrated, true);
    assert.ok(Math.abs(f.metadata.pixelSize.x.value - 0.0195) < 1e-9);
    assert.equal(f.metadata.pixelSize.x.unit, "nm");
    assert.equal(f.metadata.frames, 2);
    assert.deepEqual(f.images.data, s.data);
    assert.equal(f.channels, undefined);
    // in Å: stored as ImageJ's escaped unit, read back converted to nm
    const fa = await decodeImageFile(encodeTiff(s.data, 2, 5, 7, "float32", { pixelSize: { value: 0.2, unit: "Å" } }));
    assert.ok(Math.abs(fa.metadata.pixelSize.x.value - 0.02) < 1e-9);
  });

  it("two channels: pages channel-fastest, read back as named channels; channelImages rebuilds the stack", async () => {
    const s = pattern(3, 2, 4, 6);
    const bytes = encodeTiff(s.data, 3, 4, 6, "float32", {
      pixelSize: 0.05,
      channels: 2,
      channelNames: ["HAADF", "ABF"],
    });
    const d = decodeTiff(bytes);
    assert.equal(d.n, 6, "one page per frame and channel");
    assert.equal(d.channels, 2);
    const f = await decodeImageFile(bytes, "pair.tif");
    assert.deepEqual(f.metadata.channels, ["HAADF", "ABF"]);
    assert.equal(f.metadata.frames, 3);
    assert.equal(f.channels!.length, 2);
    assert.deepEqual(f.images.data, channelAt(s, 0).data);
    assert.deepEqual(f.channels![1].data, channelAt(s, 1).data);
    const back = channelImages(f);
    assert.equal(back.channels, 2);
    assert.deepEqual(back.data, s.data);
    // frames selected on read keep both channels
    const g = await decodeImageFile(bytes, "pair.tif", { frames: [2, 0] });
    assert.deepEqual(channelImages(g).data, selectImages(s, [2, 0]).data);
  });

  it("refuses bad options with IvaeInputError", () => {
    const s = pattern(1, 2, 3, 3);
    assert.throws(() => encodeTiff(s.data, 1, 3, 3, "float32"), IvaeInputError); // 2 channels of data, channels: 1
    assert.throws(() => encodeTiff(s.data, 1, 3, 3, "float32", { channels: 0 }), IvaeInputError);
    assert.throws(() => encodeTiff(s.data, 1, 3, 3, "float32", { channels: 2, pixelSize: -1 }), IvaeInputError);
    assert.throws(() => encodeTiff(s.data, 1, 3, 3, "float32", { channels: 2, channelNames: ["a"] }), IvaeInputError);
    assert.throws(
      () => encodeTiff(s.data, 1, 3, 3, "float32", { channels: 2, channelNames: ["a,b", "c"] }),
      IvaeInputError,
    );
  });
});

describe("data: multi-channel stacks and patches", () => {
  it("select, slice and channelAt keep channel planes together", () => {
    const s = pattern(4, 3, 2, 3);
    const sel = selectImages(s, [3, 1]);
    assert.equal(sel.channels, 3);
    assert.deepEqual(sel.data, Float32Array.from([...s.data.subarray(54, 72), ...s.data.subarray(18, 36)]));
    const sl = sliceImages(s, 1, 3);
    assert.deepEqual(sl.data, s.data.subarray(18, 54));
    assert.equal(sl.channels, 3);
    assert.deepEqual(
      channelAt(s, 2).data,
      Float32Array.from([
        ...s.data.subarray(12, 18),
        ...s.data.subarray(30, 36),
        ...s.data.subarray(48, 54),
        ...s.data.subarray(66, 72),
      ]),
    );
    assert.deepEqual(mergeChannels([channelAt(s, 0), channelAt(s, 1), channelAt(s, 2)]).data, s.data);
  });

  it("patches and sliding windows of a 2-channel image: every channel cut at the same positions", () => {
    const img = pattern(2, 2, 20, 24);
    const atoms = { x: [5.3, 12.0, 22.5, 9.7], y: [6.1, 10.0, 3.0, 14.2], frame: [0, 1, 0, 1] };
    for (const edge of ["drop", "pad", "reflect"] as const) {
      const p = extractPatches(img, atoms, { size: 7, edge });
      assert.equal(p.images.channels, 2);
      for (let k = 0; k < 2; k++) {
        const one = extractPatches(channelAt(img, k), atoms, { size: 7, edge });
        assert.deepEqual(channelAt(p.images, k).data, one.images.data, `${edge} channel ${k}`);
        assert.deepEqual(p.source, one.source);
      }
    }
    const w = slidingWindows(img, { size: 8, stride: 5 });
    assert.equal(w.images.channels, 2);
    assert.deepEqual(
      channelAt(w.images, 1).data,
      slidingWindows(channelAt(img, 1), { size: 8, stride: 5 }).images.data,
    );
  });
});
