import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeImageFile, encodeNpy, encodePng, encodeTiff, loadImages } from "../../src/data/io";
import { IvaeInputError } from "../../src/util/errors";

// Issue 14: "rejects a truncated or foreign file with an error that names the file and what was wrong" — the
// TIFF, PNG and .npy decoders work on bytes and did not know the name; readImageFile/loadImages now add it.

const h = 12,
  w = 10;
const pixels = Float32Array.from({ length: h * w }, (_, i) => (i * 37) % 251);
const files: [string, Uint8Array][] = [
  ["scan.tif", encodeTiff(pixels, 1, h, w, "uint16")],
  ["scan.png", new Uint8Array(encodePng(pixels, w, h))],
  ["scan.npy", encodeNpy(pixels, [h, w])],
];

function namesFile(e: unknown, name: string, what: RegExp): boolean {
  return e instanceof IvaeInputError && e.message.includes(name) && what.test(e.message);
}

describe("io: truncated plain images are refused naming the file (issue 14)", () => {
  for (const [name, bytes] of files) {
    it(`${name}: every cut past the magic is refused by decodeImageFile with the name and the reason`, async () => {
      // the full file reads (the cut is what fails, not the writer)
      const full = await decodeImageFile(bytes, name);
      assert.deepEqual([full.images.height, full.images.width], [h, w]);
      for (let cut = 8; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 40))) {
        await assert.rejects(decodeImageFile(bytes.subarray(0, cut), `cut-${cut}-${name}`), (e: unknown) =>
          namesFile(e, `cut-${cut}-${name}`, /truncated|past the end|ends|corrupt|damaged|short|no IHDR/i),
        );
      }
    });
  }

  it("loadImages (sync, by path) names the truncated file too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-named-"));
    try {
      for (const [name, bytes] of files) {
        const p = path.join(dir, `half-${name}`);
        fs.writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
        assert.throws(
          () => loadImages(p),
          (e: unknown) => namesFile(e, `half-${name}`, /truncated|past the end|ends|damaged/i),
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
