/**
 * The one parser of a saved model's weight buffer (tfjs `weightData` + `weightSpecs`: float32 values
 * of every weight, concatenated in manifest order). `loadModel`, `readArtifacts`/`writeArtifacts` and
 * the Traversal widget's `decoderFromArtifacts` all read weights through it. No tfjs import, so it
 * runs anywhere.
 */
import { IvaeInputError } from "../util/errors";

/** One entry of a weights manifest (the fields of tfjs `WeightsManifestEntry` that matter here). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
}

/** Weight bytes as tfjs artifacts hold them: one buffer, a list of buffers, or a view. */
export type WeightData = ArrayBuffer | ArrayBuffer[] | ArrayBufferView;

/** The weight bytes as one ArrayBuffer (buffers of a list are concatenated in order; a view is copied). */
export function weightBytes(data: WeightData): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out.buffer;
}

/**
 * Splits the weight bytes into name → Float32Array (views into one aligned copy, in manifest order).
 * Throws `IvaeInputError` (prefixed by `where`) for a non-float32 weight, a bad shape, a repeated
 * name, or a buffer whose length is not exactly what the specs need.
 */
export function parseWeights(specs: WeightSpec[], data: WeightData, where: string): Map<string, Float32Array> {
  const bytes = weightBytes(data);
  if (bytes.byteLength % 4 !== 0) {
    throw new IvaeInputError(
      `${where}: the weight data has ${bytes.byteLength} bytes, not a whole number of float32 values`,
    );
  }
  const all = new Float32Array(bytes);
  const out = new Map<string, Float32Array>();
  let o = 0;
  for (const s of specs) {
    if (s.dtype && s.dtype !== "float32") {
      throw new IvaeInputError(`${where}: weight ${s.name} has dtype ${s.dtype}, expected float32`);
    }
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new IvaeInputError(
        `${where}: weight ${s.name} has shape ${JSON.stringify(s.shape)}, expected a list of non-negative integers`,
      );
    }
    if (out.has(s.name)) throw new IvaeInputError(`${where}: weight ${s.name} appears twice in the manifest`);
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (o + size > all.length) {
      throw new IvaeInputError(
        `${where}: the weight data is too short for ${s.name} ` +
          `(${all.length} floats, the manifest needs more than ${o + size - 1})`,
      );
    }
    out.set(s.name, all.subarray(o, o + size));
    o += size;
  }
  if (o !== all.length) {
    throw new IvaeInputError(
      `${where}: the weight data has ${all.length} floats but the manifest describes ${o} ` +
        `(it has ${bytes.byteLength} bytes, the manifest describes ${4 * o}: a file of another model, or a ` +
        `damaged save?)`,
    );
  }
  return out;
}
