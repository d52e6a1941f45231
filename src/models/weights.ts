import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import type { ParamStore } from "./params";

/** The model as in-memory tfjs ModelArtifacts: topology = its config,
  weights in one float32 buffer in parameter order. */
export function artifactsOf(config: { className: string }, params: ParamStore): tf.io.ModelArtifacts {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buf = new Float32Array(params.count());
  let o = 0;
  params.vars.forEach((v, i) => {
    specs.push({ name: params.names[i], shape: v.shape.slice(), dtype: "float32" });
    buf.set(v.dataSync() as Float32Array, o);
    o += v.size;
  });
  return {
    modelTopology: { className: config.className,
      config: { ...config } } as unknown as tf.io.ModelArtifacts["modelTopology"],
    format: "ivae-model",
    generatedBy: "ivae 0.1.0",
    convertedBy: null,
    weightSpecs: specs,
    weightData: buf.buffer,
  };
}

/**
 * Splits a weight buffer by its manifest and checks it against the model's parameters byte for byte: the
 * same names with the same shapes, float32, and a buffer exactly as long as they are (a longer one belongs
 * to another model or was written over a larger one). The values are views into the buffer.
 */
export function parseWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, params: ParamStore,
  where: string): Map<string, Float32Array> {
  const expected = new Map(params.names.map((n, i) => [n, params.vars[i].shape]));
  const weights = new Map<string, Float32Array>();
  let bytes = 0;
  for (const s of specs) {
    if (s.dtype && s.dtype !== "float32") throw new IvaeInputError(`${where}: weight ${s.name} has dtype ${s.dtype}, expected float32`);
    const shape = expected.get(s.name);
    if (!shape) throw new IvaeInputError(`${where}: the weights hold ${s.name}, which this ${"model"} does not have (weights of another model?)`);
    if (weights.has(s.name)) throw new IvaeInputError(`${where}: the weights list ${s.name} twice`);
    if (!Array.isArray(s.shape) || s.shape.length !== shape.length || s.shape.some((v, i) => v !== shape[i])) {
      throw new IvaeInputError(`${where}: weight ${s.name} has shape [${s.shape}], the model expects [${shape}] (weights of another model?)`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (bytes + 4 * size > data.byteLength) throw new IvaeInputError(`${where}: weights.bin is too short for ${s.name} (${data.byteLength} bytes)`);
    weights.set(s.name, new Float32Array(data, bytes, size));
    bytes += 4 * size;
  }
  for (const n of params.names) if (!weights.has(n)) throw new IvaeInputError(`${where}: the weights lack ${n}`);
  if (bytes !== data.byteLength) {
    throw new IvaeInputError(`${where}: weights.bin has ${data.byteLength} bytes, the manifest describes ${bytes}; expected exactly that (a file of another model, or a damaged save?)`);
  }
  return weights;
}
