/**
 * Checks the TIFF, PNG and .npy readers on the real images of ../shared/data/stem-real (when that folder exists;
 * it is not part of the repository): each NAME.tif (uint16) must hold the same image as NAME.npy (float32, the
 * source's raw values): equal where the source was uint16 counts, else the linear map min → 0, max → 65535
 * (rounded). The TIFF pixels are also compared with an independent decoder (UTIF). Prints one line per image and
 * exits 1 on a mismatch; exits 0 with a note when the data folder is absent.
 * Usage: npx tsx scripts/validate-loaders.ts [dataDir]
 */
import * as fs from "fs";
import * as path from "path";
import { decodeNpy, decodePng, decodeTiff } from "../src/data/io";

const dir = process.argv[2] ?? path.resolve(__dirname, "../../shared/data/stem-real");
if (!fs.existsSync(dir)) {
  console.log(`validate-loaders: ${dir} not found; skipped (the real data are not part of the repository)`);
  process.exit(0);
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const UTIF = require("utif");
let bad = 0;
for (const f of fs
  .readdirSync(dir)
  .filter((x) => x.endsWith(".tif"))
  .sort()) {
  const name = f.slice(0, -4);
  const tifBytes = new Uint8Array(fs.readFileSync(path.join(dir, f)));
  const t0 = Date.now();
  const tif = decodeTiff(tifBytes);
  const ms = Date.now() - t0;
  const npy = decodeNpy(new Uint8Array(fs.readFileSync(path.join(dir, name + ".npy"))));
  const [h, w] = npy.shape.slice(-2);
  let lo = Infinity,
    hi = -Infinity;
  for (const v of npy.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // which of the two conversions the README names was used is not recorded: take the one that fits
  let rawErr = 0,
    mapErr = 0;
  for (let i = 0; i < npy.data.length; i++) {
    rawErr = Math.max(rawErr, Math.abs(tif.data[i] - npy.data[i]));
    mapErr = Math.max(mapErr, Math.abs(tif.data[i] - ((npy.data[i] - lo) / (hi - lo)) * 65535));
  }
  const raw = rawErr === 0;
  const maxErr = raw ? 0 : mapErr;
  const ifds = UTIF.decode(tifBytes);
  UTIF.decodeImage(tifBytes, ifds[0]);
  const u = ifds[0].data as Uint8Array;
  const le = tifBytes[0] === 0x49;
  const dv = new DataView(u.buffer, u.byteOffset, u.byteLength);
  // UTIF hands 16-bit samples back little-endian whatever the file's order (the cause of issue 16 item 1)
  let sameAsUtif = tif.sampleType === "uint16";
  for (let i = 0; sameAsUtif && i < tif.data.length; i++) {
    if (dv.getUint16(2 * i, true) !== tif.data[i]) sameAsUtif = false;
  }
  const preview = path.join(dir, name + "_preview.png");
  const png = fs.existsSync(preview) ? decodePng(new Uint8Array(fs.readFileSync(preview))) : null;
  const sizeOk = tif.width === w && tif.height === h && tif.n === 1;
  const ok = sizeOk && maxErr <= (raw ? 0 : 0.5 + 65535 * 1e-6) && sameAsUtif;
  if (!ok) bad++;
  console.log(
    `${ok ? "ok  " : "FAIL"} ${name}: ${tif.width}x${tif.height} ${tif.sampleType} ${le ? "LE" : "BE"} ` +
      `(${raw ? "raw counts" : "min-max mapped"}) max |tif - npy| ${maxErr.toFixed(3)}, same as UTIF ${sameAsUtif}, ` +
      `decoded in ${ms} ms` +
      (png ? `; preview PNG ${png.width}x${png.height}` : ""),
  );
}
process.exit(bad ? 1 : 0);
