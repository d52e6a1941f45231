import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import { check } from "../../util/errors";
import { ATOM_NET_LAYERS, atomNetShapes, AtomNetParams, TARGET_SIGMA } from "./net";
import { CANONICAL_SPACING } from "./augment";

/**
 * The stored atom net: float16 weights in one base64 string (half the bytes of float32; the net's
 * outputs move by < 1e-3 with them), in the order of {@link ATOM_NET_LAYERS} (W then b per layer).
 */
export interface AtomNetFile {
  format: "ivae-atom-net";
  version: 1;
  canonicalSpacing: number;
  targetSigma: number;
  layers: { name: string; cin: number; cout: number; k: number }[];
  dtype: "float16";
  weights: string;
  /** how it was trained (command, seed, steps, final loss, seconds): for the record */
  training: Record<string, unknown>;
}

/** The shipped weights, next to this module's source (also found from dist/src/atoms/dcnn/). */
export const SHIPPED_WEIGHTS = "weights/atom-net.json";

function toHalf(v: number): number {
  const f = new Float32Array([v]),
    u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000,
    exp = ((u >>> 23) & 0xff) - 127 + 15,
    man = u & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) return exp < -10 ? sign : sign | ((man | 0x800000) >> (14 - exp));
  const r = (exp << 10) | (man >> 13);
  return sign | (r + ((man >> 12) & 1)); // round half up on the dropped bits
}

function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Serialises weights (tensors by name) to the stored form. */
export function encodeAtomNet(p: AtomNetParams, training: Record<string, unknown>): AtomNetFile {
  const shapes = atomNetShapes();
  const parts: number[] = [];
  for (const [name] of Object.entries(shapes)) for (const v of p[name].dataSync()) parts.push(toHalf(v));
  const u16 = Uint16Array.from(parts);
  return {
    format: "ivae-atom-net",
    version: 1,
    canonicalSpacing: CANONICAL_SPACING,
    targetSigma: TARGET_SIGMA,
    layers: ATOM_NET_LAYERS.map((l) => ({ ...l })),
    dtype: "float16",
    weights: Buffer.from(u16.buffer, u16.byteOffset, u16.byteLength).toString("base64"),
    training,
  };
}

/** Reads stored weights into tensors (the caller owns them), checking the layout against this version's net. */
export function decodeAtomNet(file: AtomNetFile): AtomNetParams {
  const where = "decodeAtomNet";
  check(
    file && file.format === "ivae-atom-net",
    where,
    `not an atom-net file (format ${JSON.stringify(file?.format)})`,
  );
  check(
    file.version === 1 && file.dtype === "float16",
    where,
    `unsupported version/dtype ${file.version}/${file.dtype}`,
  );
  check(
    JSON.stringify(file.layers) === JSON.stringify(ATOM_NET_LAYERS),
    where,
    "the stored layers differ from this version's net; retrain with `npm run train-atom-net`",
  );
  check(
    file.canonicalSpacing === CANONICAL_SPACING,
    where,
    `the net was trained at a canonical spacing of ${file.canonicalSpacing} px, this version works at ` +
      `${CANONICAL_SPACING}; retrain`,
  );
  const b = Buffer.from(file.weights, "base64");
  const u16 = new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const shapes = atomNetShapes();
  const total = Object.values(shapes).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  check(u16.length === total, where, `the weights hold ${u16.length} values, expected ${total}`);
  const out: AtomNetParams = {};
  let o = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((x, y) => x * y, 1);
    const v = Float32Array.from(u16.subarray(o, o + n), fromHalf);
    check(
      v.every((x) => Number.isFinite(x)),
      where,
      `non-finite weights in ${name}`,
    );
    out[name] = tf.tensor(v, shape);
    o += n;
  }
  return out;
}

/** Path of the shipped weights file: beside this source file, or from dist/ back to src/. */
export function shippedWeightsPath(): string {
  const here = path.join(__dirname, SHIPPED_WEIGHTS);
  if (fs.existsSync(here)) return here;
  const fromDist = path.join(__dirname, "..", "..", "..", "..", "src", "atoms", "dcnn", SHIPPED_WEIGHTS);
  check(fs.existsSync(fromDist), "loadAtomNet", `the shipped weights are missing (looked at ${here} and ${fromDist})`);
  return fromDist;
}

let cached: AtomNetParams | null = null;

/**
 * The shipped net's weights, read on first use and kept (tf.keep) for later calls; or the weights of
 * another file (the caller then owns the tensors).
 */
export function loadAtomNet(file?: string): AtomNetParams {
  if (file === undefined && cached && !Object.values(cached).some((t) => t.isDisposed)) return cached;
  const p = file ?? shippedWeightsPath();
  check(fs.existsSync(p), "loadAtomNet", `no such weights file: ${p}`);
  const params = decodeAtomNet(JSON.parse(fs.readFileSync(p, "utf8")) as AtomNetFile);
  if (file !== undefined) return params;
  for (const t of Object.values(params)) tf.keep(t);
  cached = params;
  return cached;
}

/** Writes weights atomically: a temp file in the same folder, fsynced, then renamed over the target. */
export function saveAtomNet(file: string, data: AtomNetFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  fs.writeSync(fd, JSON.stringify(data, null, 1) + "\n");
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  if (path.resolve(file) === path.resolve(shippedPathOrNull() ?? "")) cached = null;
}

function shippedPathOrNull(): string | null {
  try {
    return shippedWeightsPath();
  } catch {
    return null;
  }
}
