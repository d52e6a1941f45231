// Reads every real microscope file in ../shared/data/formats (outside the repository; see its README) with
// readImageFile and checks the facts known about each (shapes, element types, pixel sizes and units, voltages,
// the value at [0,0,0], DM pixel origins), and, where ../shared/data/stem-real holds the same image as a
// float32 .npy, that the pixels agree; and that each file cut short, or text under its extension, is refused
// with an error naming the file. Prints a table of pass/fail per fact; exits 1 if a fact fails and 0
// (with a note) when the folder is absent. Run: npx tsc && npm run validate-formats.
import * as fs from "fs";
import * as path from "path";
import { decodeNpy } from "../src/data/io/npy";
import { decodeImageFile, readImageFile } from "../src/data/io/read";
import { stackChannels } from "../src/data/io/channels";
import { ImageFile, lengthInNm } from "../src/data/io/metadata";

const repo = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? "../.." : "..");
const formats = process.env.IVAE_FORMATS_DIR ?? path.resolve(repo, "../shared/data/formats");
const stemReal = path.resolve(repo, "../shared/data/stem-real");

interface Row {
  file: string;
  fact: string;
  expected: string;
  got: string;
  pass: boolean;
}
const rows: Row[] = [];

function fact(file: string, name: string, expected: string, got: string, pass: boolean): void {
  rows.push({ file, fact: name, expected, got, pass });
}

/** |got − expected| within half a unit of the last digit written in `expected`. */
function approx(got: number | undefined, expected: string): boolean {
  if (got === undefined || !Number.isFinite(got)) return false;
  const decimals = (expected.split(".")[1] ?? "").length;
  return Math.abs(got - Number(expected)) <= 0.5 * 10 ** -decimals + 1e-12;
}

const shapeOf = (r: ImageFile): number[] =>
  (r.images.n > 1 ? [r.images.n] : []).concat([r.images.height, r.images.width]);
const nm = (r: ImageFile, axis: "x" | "y"): number | undefined =>
  lengthInNm(r.metadata.pixelSize[axis].value, r.metadata.pixelSize[axis].unit);

function common(file: string, r: ImageFile, format: string, shape: number[], dtype: string): void {
  fact(file, "format (by content)", format, r.metadata.format, r.metadata.format === format);
  fact(file, "shape", `[${shape}]`, `[${shapeOf(r)}]`, shapeOf(r).join() === shape.join());
  fact(file, "dtype", dtype, r.metadata.dtype, r.metadata.dtype === dtype);
}

function pixelNm(file: string, r: ImageFile, expected: string): void {
  const x = nm(r, "x"),
    y = nm(r, "y");
  const got = `${x?.toPrecision(6)}, ${y?.toPrecision(6)}`;
  fact(file, "pixel size x, y (nm)", expected, got, approx(x, expected) && approx(y, expected));
}

function voltage(file: string, r: ImageFile, volts: number): void {
  const v = r.metadata.acquisition.voltage;
  fact(file, "voltage (V)", String(volts), String(v), v === volts);
}

/** Compares with the stem-real .npy of the same image (raw float32 values), optionally flipped vertically. */
function sameAsNpy(file: string, r: ImageFile, npy: string, flip: boolean): void {
  const p = path.join(stemReal, npy);
  if (!fs.existsSync(p)) return;
  const ref = decodeNpy(new Uint8Array(fs.readFileSync(p)));
  const [h, w] = ref.shape;
  let maxDiff = ref.shape.join() === [r.images.height, r.images.width].join() ? 0 : Infinity;
  for (let i = 0; i < h && maxDiff < Infinity; i++) {
    const src = flip ? h - 1 - i : i;
    for (let j = 0; j < w; j++) maxDiff = Math.max(maxDiff, Math.abs(ref.data[src * w + j] - r.images.data[i * w + j]));
  }
  const what = `pixels = stem-real/${npy}${flip ? " flipped up-down" : ""}`;
  fact(file, what, "max |diff| 0", `max |diff| ${maxDiff}`, maxDiff === 0);
}

const checks: Record<string, (r: ImageFile, f: string) => void> = {
  "dmTest_3D_int16_64,65,66.dm3": (r, f) => dm3d(r, f, "dm3"),
  "dmTest_3D_int16_64,65,66.dm4": (r, f) => dm3d(r, f, "dm4"),
  "dmTest_float32_nonSquare_diffPixelSize.dm3": (r, f) => dmNonSquare(r, f, "dm3"),
  "dmTest_float32_nonSquare_diffPixelSize.dm4": (r, f) => dmNonSquare(r, f, "dm4"),
  "08_carbon.dm3": (r, f) => {
    common(f, r, "dm3", [1, 2048], "float32");
    const o = JSON.stringify(r.metadata.original.pixelOrigin);
    fact(f, "pixel origin", "[0,-2400]", o, o === "[0,-2400]");
  },
  "16_STOimage_1.ser": (r, f) => {
    common(f, r, "ser", [1024, 1024], "uint16");
    pixelNm(f, r, "0.01001");
    voltage(f, r, 80000);
    sameAsNpy(f, r, "sto_ncem_16_STOimage.npy", true);
  },
  "Acquisition_18.emd": (r, f) => {
    common(f, r, "berkeley-emd", [1024, 1024], "uint16");
    pixelNm(f, r, "0.012247");
    voltage(f, r, 200000);
    sameAsNpy(f, r, "sto_ncem_Acquisition_18.npy", false);
  },
  "STEM HAADF Diffraction Micro.emd": (r, f) => {
    fact(f, "format (by content)", "velox-emd", r.metadata.format, r.metadata.format === "velox-emd");
    fact(f, "2-D image", "1 frame", `${r.images.n} frame(s) ${r.images.height}×${r.images.width}`, r.images.n === 1);
    pixelNm(f, r, "87.3708");
    voltage(f, r, 300000);
    fact(f, "detector (channel name)", "HAADF", r.metadata.channels.join(","), r.metadata.channels[0] === "HAADF");
  },
  "Camera Ceta Imaging Micro.emd": (r, f) => {
    fact(f, "format (by content)", "velox-emd", r.metadata.format, r.metadata.format === "velox-emd");
    const got = `${r.images.n} frame(s) ${r.images.height}×${r.images.width}`;
    fact(f, "2-D camera image", "1 frame", got, r.images.n === 1);
  },
  "Cropped_PTO-SRO_Aligned.hspy": (r, f) => {
    common(f, r, "hyperspy", [224, 1312], "float64");
    pixelNm(f, r, "0.014997");
    voltage(f, r, 300000);
    sameAsNpy(f, r, "pto_sro_temul.npy", false);
  },
  "atomap_test_ADF_cropped.hdf5": (r, f) => {
    common(f, r, "hyperspy", [400, 380], "float16");
    // the file stores scale 0.0093263 with no units (HyperSpy's <undefined>); the README gives nm
    const s = r.metadata.pixelSize.x.value;
    const got = `${s.toPrecision(6)} "${r.metadata.pixelSize.x.unit}"`;
    fact(f, "pixel scale (file has no unit)", "0.0093263", got, approx(s, "0.0093263"));
    sameAsNpy(f, r, "sto_atomap_ADF.npy", false);
  },
};

function dm3d(r: ImageFile, f: string, fmt: string): void {
  common(f, r, fmt, [66, 65, 64], "int16");
  fact(f, "value at [0,0,0]", "0", String(r.images.data[0]), r.images.data[0] === 0);
  const o = JSON.stringify(r.metadata.original.pixelOrigin);
  fact(f, "pixel origin", "[0,0,0]", o, o === "[0,0,0]");
}

function dmNonSquare(r: ImageFile, f: string, fmt: string): void {
  common(f, r, fmt, [64, 128], "float32");
  const x = nm(r, "x"),
    y = nm(r, "y");
  const differ = x !== undefined && y !== undefined && x !== y;
  fact(f, "pixel sizes differ along x and y", "x ≠ y", `x ${x} nm, y ${y} nm`, differ);
}

/**
 * Issue 14: a truncated or foreign file must be refused with an IvaeInputError that names the file and says what
 * was wrong. Each real file cut to 1 %, 30 %, 70 % and 99 % of its length, and text bytes under its extension.
 */
async function refusesDamage(f: string, bytes: Uint8Array): Promise<void> {
  const refused = async (b: Uint8Array, name: string): Promise<string> => {
    try {
      const r = await decodeImageFile(b, name);
      return `read ${r.images.n}×${r.images.height}×${r.images.width}`;
    } catch (e) {
      const err = e as Error;
      return err.name === "IvaeInputError" && err.message.includes(name) ? "" : `${err.name}: ${err.message}`;
    }
  };
  const bad: string[] = [];
  for (const frac of [0.01, 0.3, 0.7, 0.99]) {
    const cut = Math.max(16, Math.floor(bytes.length * frac));
    const why = await refused(bytes.subarray(0, cut), `cut-${frac}-${f}`);
    if (why) bad.push(`cut at ${frac}: ${why}`);
  }
  const text = new TextEncoder().encode("not an image, only some text\n".repeat(40));
  const why = await refused(text, `foreign${path.extname(f)}`);
  if (why) bad.push(`text as ${path.extname(f)}: ${why}`);
  const got = bad.length ? bad.join("; ").slice(0, 200) : "5 of 5 refused, file named";
  fact(f, "cut 1/30/70/99 % or foreign: refused", "IvaeInputError naming it", got, bad.length === 0);
}

/** The simultaneous ADF/ABF pair of stem-real, loaded separately and stacked as two aligned channels. */
async function pairAsChannels(): Promise<void> {
  const [a, b] = ["sto_atomap_ADF.npy", "sto_atomap_ABF.npy"].map((f) => path.join(stemReal, f));
  if (!fs.existsSync(a) || !fs.existsSync(b)) return;
  const s = stackChannels([await readImageFile(a), await readImageFile(b)], { names: ["ADF", "ABF"] });
  const got = `${s.metadata.channels.join("+")} ${s.channels?.map((c) => `${c.height}×${c.width}`).join(", ")}`;
  fact("stem-real ADF + ABF", "stackChannels", "ADF+ABF 400×380, 400×380", got, got === "ADF+ABF 400×380, 400×380");
}

async function main(): Promise<void> {
  if (!fs.existsSync(formats)) {
    console.log(
      `validate-formats: ${formats} is absent; nothing to check ` + `(the real files live outside the repository)`,
    );
    return;
  }
  const files = fs
    .readdirSync(formats)
    .filter((f) => !f.endsWith(".emi") && !f.startsWith("."))
    .sort();
  for (const f of files) {
    const t0 = Date.now();
    try {
      const r = await readImageFile(path.join(formats, f));
      const check = checks[f];
      if (check) check(r, f);
      else fact(f, "opens", "an image", `${r.metadata.format} [${shapeOf(r)}]`, true);
      fact(f, "read time", "-", `${Date.now() - t0} ms`, true);
    } catch (e) {
      fact(f, "opens", "an image", String((e as Error).message).slice(0, 100), false);
    }
    await refusesDamage(f, new Uint8Array(fs.readFileSync(path.join(formats, f))));
  }
  await pairAsChannels();
  // the plain formats (TIFF, .npy, PNG) are only in stem-real: the same damage checks on one image's three files
  for (const f of ["si110_atomsegnet.tif", "si110_atomsegnet.npy", "si110_atomsegnet_preview.png"]) {
    const p = path.join(stemReal, f);
    if (fs.existsSync(p)) await refusesDamage(f, new Uint8Array(fs.readFileSync(p)));
  }
  const cols: (keyof Row)[] = ["file", "fact", "expected", "got"];
  const width = cols.map((c) => Math.min(48, Math.max(c.length, ...rows.map((r) => String(r[c]).length))));
  const line = (cells: string[]): string => cells.map((c, i) => c.slice(0, width[i]).padEnd(width[i])).join(" | ");
  console.log(line(["file", "fact", "expected", "got"]) + " | result");
  console.log(width.map((w) => "-".repeat(w)).join("-|-") + "-|-------");
  for (const r of rows) console.log(line([r.file, r.fact, r.expected, r.got]) + ` | ${r.pass ? "pass" : "FAIL"}`);
  const failed = rows.filter((r) => !r.pass).length;
  console.log(`\n${rows.length - failed} of ${rows.length} facts pass on ${files.length} files`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
