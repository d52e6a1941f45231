import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import type { ParamStore } from "./params";
import { parseWeights as parseBuffer } from "./weight-buffer";

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
    modelTopology: {
      className: config.className,
      config: { ...config },
    } as unknown as tf.io.ModelArtifacts["modelTopology"],
    format: "ivae-model",
    generatedBy: "ivae 0.1.0",
    convertedBy: null,
    weightSpecs: specs,
    weightData: buf.buffer,
  };
}

/**
 * Splits a weight buffer by its manifest (the one buffer parser, weight-buffer.ts) and checks it against the
 * model's parameters: the same names with the same shapes (a manifest of another model is named as such), and
 * a buffer exactly as long as they are (a longer one belongs to another model or was written over a larger one).
 */
export function parseWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  params: ParamStore,
  where: string,
): Map<string, Float32Array> {
  const expected = new Map(params.names.map((n, i) => [n, params.vars[i].shape]));
  for (const s of specs) {
    const shape = expected.get(s.name);
    if (!shape)
      throw new IvaeInputError(
        `${where}: the weights hold ${s.name}, which this model does not have (weights of another model?)`,
      );
    if (!Array.isArray(s.shape) || s.shape.length !== shape.length || s.shape.some((v, i) => v !== shape[i])) {
      throw new IvaeInputError(
        `${where}: weight ${s.name} has shape [${s.shape}], the model expects [${shape}] (weights of another model?)`,
      );
    }
  }
  const weights = parseBuffer(specs, data, where);
  for (const n of params.names) if (!weights.has(n)) throw new IvaeInputError(`${where}: the weights lack ${n}`);
  return weights;
}
