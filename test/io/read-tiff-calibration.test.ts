import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeImageFile, readImageFile } from "../../src/data/io";
import { Random } from "../../src/util/random";
import { buildTiff, ExtraTag, PageSpec, SampleType, sampleValues } from "./tiff-builder";

// readImageFile on TIFF files written by the test writer: the calibration decodeTiff finds must reach
// ImageMetadata (axes in nm, pixelSize, calibrated, frame spacing) with the pixels unchanged.

function page(type: SampleType, w: number, h: number, seed: number, extraTags: ExtraTag[] = []): PageSpec {
  const rng = new Random(seed);
  return { width: w, height: h, type, values: sampleValues(type, w * h, () => rng.next()), extraTags };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe("io: readImageFile fills ImageMetadata from the TIFF calibration", () => {
  let dir = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-tiffcal-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an ImageJ stack in microns: pixel sizes in nm, spacing= as the frame step, kept by opts.frames", async () => {
    // ImageJ puts the calibration on the first page; XResolution/YResolution are pixels per unit
    const desc = "ImageJ=1.54f\nimages=3\nslices=3\nunit=micron\nspacing=0.5\n";
    const tags: ExtraTag[] = [
      { tag: 270, type: 2, values: desc },
      { tag: 282, type: 5, values: [4] },
      { tag: 283, type: 5, values: [5] },
    ];
    const pages = [page("uint16", 6, 5, 1, tags), page("uint16", 6, 5, 2), page("uint16", 6, 5, 3)];
    const file = path.join(dir, "imagej.tif");
    fs.writeFileSync(file, buildTiff(pages, false).bytes);
    const r = await readImageFile(file);
    const m = r.metadata;
    assert.equal(m.format, "tiff");
    assert.equal(m.dtype, "uint16");
    assert.equal(m.calibrated, true);
    assert.equal(m.frames, 3);
    assert.deepEqual(
      m.axes.map((a) => [a.name, a.size, a.unit, a.navigate]),
      [
        ["frame", 3, "nm", true],
        ["y", 5, "nm", false],
        ["x", 6, "nm", false],
      ],
    );
    assert.ok(close(m.axes[0].scale, 500), `frame step ${m.axes[0].scale} nm, expected 500`);
    assert.ok(close(m.pixelSize.x.value, 250) && m.pixelSize.x.unit === "nm", JSON.stringify(m.pixelSize));
    assert.ok(close(m.pixelSize.y.value, 200) && m.pixelSize.y.unit === "nm", JSON.stringify(m.pixelSize));
    assert.equal(m.original.calibrationSource, "imagej");
    for (let p = 0; p < 3; p++) {
      const want = pages[p].values;
      for (let i = 0; i < 30; i++) assert.equal(r.images.data[p * 30 + i], want[i], `frame ${p} pixel ${i}`);
    }
    const two = await readImageFile(file, { frames: [2, 0] });
    assert.equal(two.metadata.axes[0].size, 2);
    assert.ok(close(two.metadata.axes[0].scale, 500) && close(two.metadata.pixelSize.x.value, 250));
  });

  it("an FEI/Thermo SEM image: [Scan] PixelWidth/PixelHeight in metres become nm", async () => {
    const ini =
      "[User]\r\nDate=01/02/2020\r\n[Scan]\r\nPixelWidth=1.5e-09\r\nPixelHeight=2e-09\r\n" + "[Stage]\r\nX=0.1\r\n";
    const bytes = buildTiff([page("uint8", 8, 4, 4, [{ tag: 34682, type: 2, values: ini }])]).bytes;
    const m = (await decodeImageFile(bytes, "fei.tif")).metadata;
    assert.equal(m.file, "fei.tif");
    assert.equal(m.calibrated, true);
    assert.equal(m.frames, 1);
    assert.deepEqual(
      m.axes.map((a) => a.name),
      ["y", "x"],
      "a single image has no frame axis",
    );
    assert.ok(close(m.pixelSize.x.value, 1.5) && close(m.pixelSize.y.value, 2), JSON.stringify(m.pixelSize));
    assert.equal(m.pixelSize.x.unit, "nm");
    assert.equal(m.original.calibrationSource, "fei");
  });

  it("a TIFF with only a 72 dpi print resolution stays uncalibrated (1 px)", async () => {
    const tags: ExtraTag[] = [
      { tag: 282, type: 5, values: [72] },
      { tag: 296, type: 3, values: [2] },
    ];
    const m = (await decodeImageFile(buildTiff([page("float32", 4, 4, 5, tags)]).bytes, "dpi.tif")).metadata;
    assert.equal(m.calibrated, false);
    assert.deepEqual(m.pixelSize, { x: { value: 1, unit: "px" }, y: { value: 1, unit: "px" } });
    assert.equal(m.dtype, "float32");
    assert.equal(m.original.calibrationSource, null);
  });
});
