import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IvaeInputError } from "../../src/util/errors";
import { imageStack } from "../../src/data/image-stack";
import { decodeImageFile, encodeNpy, loadImages, readImageFile, stackChannels } from "../../src/data/io/index";
import { framesLast, veloxMetadata, writeH5 } from "./format-writers";

const close = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const ramp = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
const rejectsNaming = (p: Promise<unknown>, file: string, what: RegExp): Promise<void> =>
  assert.rejects(p, (e: Error) => e instanceof IvaeInputError && e.message.includes(file) && what.test(e.message));

/** The part of h5wasm's Group/Dataset API the writers use. */
interface Writable {
  create_attribute(k: string, v: unknown): void;
  create_dataset(o: object): void;
}

const [n, h, w] = [2, 3, 4];
const haadf = ramp(n * h * w, (i) => 1000 + i);
const df4 = ramp(n * h * w, (i) => 50 + 2 * i);

/** A Velox-shaped file: two detectors recorded together (same shape) and a smaller camera image. */
function velox(): Promise<Uint8Array> {
  return writeH5((f) => {
    f.create_dataset({ name: "Version", data: ['{"version": "8", "format": "Velox"}'] });
    f.create_group("Data");
    f.create_group("Data/Image");
    const put = (id: string, det: string, values: number[], shape: [number, number, number], px: number): void => {
      f.create_group(`Data/Image/${id}`);
      const g = f.get(`Data/Image/${id}`) as unknown as { create_dataset(o: object): void };
      g.create_dataset({ name: "Data", data: framesLast(values, shape[2], shape[0], shape[1]), shape, dtype: "<H" });
      const meta = {
        BinaryResult: {
          Detector: det,
          PixelSize: { width: String(px), height: String(px) },
          PixelUnitX: "m",
          PixelUnitY: "m",
          Offset: { x: "-1e-9", y: "-2e-9" },
        },
        Optics: { AccelerationVoltage: "300000", NominalMagnification: "2550000" },
        Instrument: { InstrumentModel: "Titan", InstrumentId: "42" },
      };
      g.create_dataset({ name: "Metadata", data: veloxMetadata(meta, shape[2]), shape: [4096, shape[2]], dtype: "<B" });
    };
    put("aaa111", "HAADF", haadf, [h, w, n], 1.5e-11);
    put("bbb222", "DF4", df4, [h, w, n], 1.5e-11);
    put(
      "ccc333",
      "BM-Ceta",
      ramp(4, (i) => i),
      [2, 2, 1],
      3e-9,
    );
  });
}

describe("io readers: HDF5 (h5wasm): Velox, Berkeley EMD, HyperSpy", function () {
  this.timeout(60000);

  it("Velox .emd: frames moved first, detectors as aligned channels, pixel size m → nm, voltage", async () => {
    const r = await decodeImageFile(await velox(), "v.emd");
    assert.equal(r.metadata.format, "velox-emd");
    assert.deepEqual([r.images.n, r.images.height, r.images.width], [n, h, w]);
    assert.deepEqual(Array.from(r.images.data), haadf);
    assert.deepEqual(r.metadata.channels, ["HAADF", "DF4"]);
    assert.equal(r.channels?.length, 2);
    assert.deepEqual(Array.from(r.channels![1].data), df4);
    assert.ok(close(r.metadata.pixelSize.x.value, 0.015) && r.metadata.pixelSize.x.unit === "nm");
    assert.ok(close(r.metadata.axes[2].offset, -1) && close(r.metadata.axes[1].offset, -2));
    assert.equal(r.metadata.acquisition.voltage, 300000);
    assert.equal(r.metadata.acquisition.magnification, 2550000);
    assert.equal(r.metadata.acquisition.microscope, "Titan 42");
    assert.equal(r.metadata.dtype, "uint16");
  });
  it("Velox: dataset by detector name picks one image; frames keeps the listed frames of every channel", async () => {
    const bytes = await velox();
    const cam = await decodeImageFile(bytes, "v.emd", { dataset: "BM-Ceta" });
    assert.deepEqual([cam.images.n, cam.images.height, cam.images.width], [1, 2, 2]);
    assert.equal(cam.channels, undefined);
    assert.ok(close(cam.metadata.pixelSize.x.value, 3));
    const one = await decodeImageFile(bytes, "v.emd", { frames: [1] });
    assert.equal(one.images.n, 1);
    assert.deepEqual(Array.from(one.channels![1].data), df4.slice(h * w));
    await rejectsNaming(decodeImageFile(bytes, "v.emd", { dataset: "ABF" }), "v.emd", /no image named "ABF".*HAADF/);
  });

  it("Berkeley EMD: a float32 stack calibrated by its dim vectors, openNCEM's [n_m] unit read as nm", async () => {
    const stack = ramp(3 * h * w, (i) => i / 7);
    const bytes = await writeH5((f) => {
      f.create_attribute("version_major", 0);
      f.create_attribute("version_minor", 2);
      f.create_group("data");
      f.create_group("data/series");
      const g = f.get("data/series") as unknown as Writable;
      g.create_attribute("emd_group_type", 1);
      g.create_dataset({ name: "data", data: Float32Array.from(stack), shape: [3, h, w], dtype: "<f" });
      const dim = (name: string, values: number[], label: string, unit: string): void => {
        g.create_dataset({ name, data: Float64Array.from(values) });
        const d = f.get(`data/series/${name}`) as unknown as { create_attribute(k: string, v: unknown): void };
        d.create_attribute("name", label);
        d.create_attribute("units", unit);
      };
      dim("dim1", [0, 0.5, 1], "time", "[s]");
      dim(
        "dim2",
        ramp(h, (i) => 2 + 0.0122 * i),
        "Y",
        "[n_m]",
      );
      dim(
        "dim3",
        ramp(w, (i) => 0.0122 * i),
        "X",
        "n_m",
      );
      f.create_group("microscope");
      const m = f.get("microscope") as unknown as { create_attribute(k: string, v: unknown): void };
      m.create_attribute("high tension", 200000);
      m.create_attribute("name", "TEAM 0.5");
    });
    const r = await decodeImageFile(bytes, "b.emd");
    assert.equal(r.metadata.format, "berkeley-emd");
    assert.deepEqual([r.images.n, r.images.height, r.images.width], [3, h, w]);
    for (let i = 0; i < stack.length; i++) assert.ok(close(r.images.data[i], Math.fround(stack[i])));
    assert.ok(close(r.metadata.pixelSize.x.value, 0.0122, 1e-9) && r.metadata.pixelSize.y.unit === "nm");
    assert.ok(close(r.metadata.axes[1].offset, 2));
    assert.deepEqual([r.metadata.axes[0].name, r.metadata.axes[0].unit, r.metadata.axes[0].scale], ["time", "s", 0.5]);
    assert.equal(r.metadata.acquisition.voltage, 200000);
    assert.equal(r.metadata.acquisition.microscope, "TEAM 0.5");
  });

  it("HyperSpy .hspy: axis-i groups give scale/offset/units, beam_energy (keV) gives the voltage", async () => {
    const img = ramp(h * w, (i) => Math.sin(i) * 100);
    const bytes = await writeH5((f) => {
      f.create_attribute("file_format", "HyperSpy");
      f.create_attribute("file_format_version", "3.1");
      for (const p of [
        "Experiments",
        "Experiments/ABF",
        "Experiments/ABF/metadata",
        "Experiments/ABF/metadata/General",
        "Experiments/ABF/metadata/Signal",
        "Experiments/ABF/metadata/Acquisition_instrument",
        "Experiments/ABF/metadata/Acquisition_instrument/TEM",
      ])
        f.create_group(p);
      const at = (p: string, k: string, v: unknown): void =>
        (f.get(p) as unknown as { create_attribute(k: string, v: unknown): void }).create_attribute(k, v);
      const g = f.get("Experiments/ABF") as unknown as Writable;
      g.create_dataset({ name: "data", data: Float64Array.from(img), shape: [h, w], dtype: "<d" });
      [
        ["y", h, 0.0093, 1.5],
        ["x", w, 0.0093, -0.25],
      ].forEach(([name, size, scale, offset], i) => {
        f.create_group(`Experiments/ABF/axis-${i}`);
        const p = `Experiments/ABF/axis-${i}`;
        at(p, "name", name);
        at(p, "size", size);
        at(p, "scale", scale);
        at(p, "offset", offset);
        at(p, "units", "nm");
        at(p, "navigate", 0);
      });
      at("Experiments/ABF/metadata/General", "title", "ABF");
      at("Experiments/ABF/metadata/Signal", "signal_type", "");
      at("Experiments/ABF/metadata/Acquisition_instrument/TEM", "beam_energy", 200);
      at("Experiments/ABF/metadata/Acquisition_instrument/TEM", "microscope", "ARM");
    });
    const r = await decodeImageFile(bytes, "a.hspy");
    assert.equal(r.metadata.format, "hyperspy");
    assert.deepEqual([r.images.n, r.images.height, r.images.width], [1, h, w]);
    for (let i = 0; i < img.length; i++) assert.ok(close(r.images.data[i], Math.fround(img[i])));
    assert.ok(close(r.metadata.pixelSize.y.value, 0.0093));
    assert.ok(close(r.metadata.axes[0].offset, 1.5) && close(r.metadata.axes[1].offset, -0.25));
    assert.deepEqual(r.metadata.channels, ["ABF"]);
    assert.equal(r.metadata.acquisition.voltage, 200000);
    assert.equal(r.metadata.dtype, "float64");
  });

  it("rejects truncated HDF5, unknown layouts and complex data with the file named", async () => {
    const bytes = await velox();
    for (const cut of [100, Math.floor(bytes.length / 2), bytes.length - 200]) {
      await rejectsNaming(decodeImageFile(bytes.subarray(0, cut), "cut.emd"), "cut.emd", /truncated|damaged/);
    }
    const other = await writeH5((f) => {
      f.create_dataset({ name: "spectrum", data: new Float32Array(8) });
    });
    await rejectsNaming(decodeImageFile(other, "other.h5"), "other.h5", /unknown layout \(top level: spectrum\)/);
    const complex = await writeH5((f) => {
      f.create_attribute("file_format", "HyperSpy");
      f.create_group("Experiments");
      f.create_group("Experiments/c");
      const g = f.get("Experiments/c") as unknown as Writable;
      g.create_dataset({
        name: "data",
        data: new Map([
          ["r", [1, 3, 5, 7]],
          ["i", [2, 4, 6, 8]],
        ]),
        shape: [2, 2],
        dtype: [
          ["r", "<f"],
          ["i", "<f"],
        ],
      });
      for (const i of [0, 1]) {
        f.create_group(`Experiments/c/axis-${i}`);
        (f.get(`Experiments/c/axis-${i}`) as unknown as Writable).create_attribute("navigate", 0);
      }
    });
    await rejectsNaming(decodeImageFile(complex, "c.hspy"), "c.hspy", /compound \(e\.g\. complex\).*expected integers/);
  });
  it("readImageFile goes by content: a Velox file named .tif opens as Velox", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-h5-"));
    fs.writeFileSync(path.join(dir, "misnamed.tif"), await velox());
    const r = await readImageFile(path.join(dir, "misnamed.tif"));
    const m = r.metadata;
    assert.deepEqual([m.format, m.file, m.channels.length], ["velox-emd", "misnamed.tif", 2]);
    fs.rmSync(dir, { recursive: true });
  });
  it("loadImages (sync) refuses HDF5 with a pointer to readImageFile", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-h5-"));
    const f = path.join(dir, "x.emd");
    fs.writeFileSync(f, Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    assert.throws(() => loadImages(f), /x\.emd is an HDF5 file.*await readImageFile/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("io readers: readImageFile on plain formats, and stackChannels", () => {
  it("a .npy opens uncalibrated with raw values and its dtype", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-npy-"));
    const f = path.join(dir, "a.npy");
    fs.writeFileSync(f, encodeNpy(Float32Array.from([1, 2, 300, 4, 5, 6]), [2, 3]));
    const r = await readImageFile(f);
    assert.deepEqual(Array.from(r.images.data), [1, 2, 300, 4, 5, 6]);
    assert.deepEqual([r.metadata.format, r.metadata.dtype, r.metadata.calibrated], ["npy", "<f4", false]);
    await assert.rejects(readImageFile(path.join(dir, "none.dm4")), /no such file/);
    fs.rmSync(dir, { recursive: true });
  });
  it("stackChannels aligns same-shape images and refuses other shapes or calibrations, naming the files", async () => {
    const a = imageStack(Float32Array.from(ramp(12, (i) => i)), 1, 3, 4);
    const b = imageStack(Float32Array.from(ramp(12, (i) => -i)), 1, 3, 4);
    const s = stackChannels([a, b], { names: ["ADF", "ABF"] });
    assert.deepEqual(s.metadata.channels, ["ADF", "ABF"]);
    assert.equal(s.channels![1], b);
    assert.throws(
      () => stackChannels([a, imageStack(new Float32Array(12), 1, 4, 3)]),
      /channel 1.*is 1×4×3.*pixel for pixel/,
    );
    const cal = (x: typeof a, px: number, file: string) => ({
      images: x,
      metadata: {
        ...s.metadata,
        file,
        calibrated: true,
        pixelSize: { x: { value: px, unit: "nm" }, y: { value: px, unit: "nm" } },
      },
    });
    assert.throws(
      () => stackChannels([cal(a, 0.01, "adf.dm4"), cal(b, 0.02, "abf.dm4")]),
      /abf\.dm4 has 0\.02 nm per pixel but adf\.dm4/,
    );
    assert.equal(stackChannels([cal(a, 0.01, "adf.dm4"), cal(b, 0.01004, "abf.dm4")]).channels!.length, 2);
  });
});
