import { strict as assert } from "assert";
import fc from "fast-check";
import { decodeNpy, decodePng, decodeTiff, encodeNpy, encodePng } from "../../src/data/io";
import { Random } from "../../src/util/random";
import { closeSandbox, DecoderName, sandboxed } from "./sandbox";
import { buildTiff, PageSpec, SampleType, sampleValues } from "./tiff-builder";

// Property tests of issue 16: random corruptions of valid files give a clear IvaeInputError or the right pixels;
// never a crash, a hang (each case is time-boxed in a worker) or an allocation larger than the file justifies.
// Seeded, so a failure reproduces; FC_SEED overrides the seed to explore further.

const SEED = Number(process.env.FC_SEED ?? 16);
/** The largest expansion any supported compression reaches (LZW), times 4 bytes per float32 pixel. */
const MAX_BYTES_PER_FILE_BYTE = 4 * 3641;

type Corruption =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number[]; mask: number }
  | { kind: "u32"; at: number; value: number; le: boolean }
  | { kind: "splice"; at: number; len: number };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("u32" as const),
    at: fc.nat(),
    le: fc.boolean(),
    value: fc.oneof(fc.constantFrom(0, 1, 0xffff, 0x7fffffff, 0xffffffff, 60000), fc.nat()),
  }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);

function corrupt(bytes: Uint8Array, c: Corruption): Uint8Array {
  const n = bytes.length;
  switch (c.kind) {
    case "truncate":
      return bytes.slice(0, c.at % n);
    case "flip": {
      const b = bytes.slice();
      for (const a of c.at) b[a % n] ^= c.mask;
      return b;
    }
    case "u32": {
      const b = bytes.slice();
      if (n >= 4) new DataView(b.buffer).setUint32(c.at % (n - 3), c.value >>> 0, c.le);
      return b;
    }
    case "splice": {
      const a = c.at % n;
      return Uint8Array.from([...bytes.subarray(0, a), ...bytes.subarray(a + c.len)]);
    }
  }
}

async function check(decoder: DecoderName, valid: Uint8Array, pixels: Float32Array, c: Corruption): Promise<void> {
  const bad = corrupt(valid, c);
  const o = await sandboxed(decoder, bad, 3000);
  const what = `${decoder} ${JSON.stringify(c)} on ${valid.length} bytes`;
  assert.ok(o.kind === "ok" || o.kind === "error", `${what}: ${JSON.stringify(o).slice(0, 300)}`);
  if (o.kind === "error") assert.equal(o.name, "IvaeInputError", `${what}: ${o.name}: ${o.message}`);
  assert.ok(
    o.maxAlloc <= MAX_BYTES_PER_FILE_BYTE * bad.length + (1 << 20),
    `${what}: allocated ${o.maxAlloc} bytes for a ${bad.length}-byte file`,
  );
  // a cut file that still decodes must decode to the same pixels (nothing zero-filled)
  if (o.kind === "ok" && c.kind === "truncate")
    assert.deepEqual(Array.from(o.data), Array.from(pixels), `${what}: pixels`);
}

const TYPES: SampleType[] = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float16", "float32", "float64"];

const tiffSpec = fc.record({
  type: fc.constantFrom(...TYPES),
  le: fc.boolean(),
  ifdFirst: fc.boolean(),
  compression: fc.constantFrom(1, 5, 8, 32773),
  tiled: fc.boolean(),
  width: fc.integer({ min: 1, max: 24 }),
  height: fc.integer({ min: 1, max: 24 }),
  rowsPerStrip: fc.integer({ min: 1, max: 24 }),
  pages: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(),
});

describe("io: property tests, random corruptions of valid files", function () {
  this.timeout(120000);
  after(closeSandbox);

  it("TIFF: a clear error or the right pixels, bounded allocation, no hang", async () => {
    await fc.assert(
      fc.asyncProperty(tiffSpec, corruption, async (s, c) => {
        const rng = new Random(s.seed);
        const predictor = s.compression === 5 || s.compression === 8 ? (s.type.startsWith("float") ? 3 : 2) : 1;
        const pages: PageSpec[] = Array.from({ length: s.pages }, () => ({
          width: s.width,
          height: s.height,
          type: s.type,
          predictor,
          compression: s.compression as PageSpec["compression"],
          values: sampleValues(s.type, s.width * s.height, () => rng.next()),
          ...(s.tiled ? { tile: [16, 16] as [number, number] } : { rowsPerStrip: s.rowsPerStrip }),
        }));
        const valid = buildTiff(pages, s.le, s.ifdFirst).bytes;
        await check("tiff", valid, decodeTiff(valid).data, c);
      }),
      { numRuns: 400, seed: SEED },
    );
  });

  it("PNG: a clear error or the right pixels, bounded allocation, no hang", async () => {
    const spec = fc.record({
      width: fc.integer({ min: 1, max: 20 }),
      height: fc.integer({ min: 1, max: 20 }),
      bitDepth: fc.constantFrom(8 as const, 16 as const),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(spec, corruption, async (s, c) => {
        const rng = new Random(s.seed);
        const pixels = Float32Array.from({ length: s.width * s.height }, () => rng.next());
        const valid = Uint8Array.from(encodePng(pixels, s.width, s.height, { bitDepth: s.bitDepth }));
        await check("png", valid, decodePng(valid).data, c);
      }),
      { numRuns: 250, seed: SEED },
    );
  });

  it(".npy: a clear error or the right values, bounded allocation, no hang", async () => {
    const shape = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 });
    const spec = fc.record({ shape, seed: fc.nat() });
    await fc.assert(
      fc.asyncProperty(spec, corruption, async (s, c) => {
        const rng = new Random(s.seed);
        const count = s.shape.reduce((a, b) => a * b, 1);
        const valid = encodeNpy(
          Float32Array.from({ length: count }, () => rng.normal()),
          s.shape,
        );
        await check("npy", valid, decodeNpy(valid).data, c);
      }),
      { numRuns: 250, seed: SEED },
    );
  });
});
