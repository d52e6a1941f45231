import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";

/**
 * Writes tfjs-format artifacts into `dir`: model.json (modelTopology, format, weightsManifest) and
 * weights.bin. Written with fs because tfjs-node's file:// handler is not a dependency of ivae.
 */
export async function writeArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<void> {
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new IvaeInputError("save: the artifacts have no weights");
  await fs.promises.mkdir(dir, { recursive: true });
  const data = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]);
  const json = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
  };
  await fs.promises.writeFile(path.join(dir, "weights.bin"), Buffer.from(data));
  await fs.promises.writeFile(path.join(dir, "model.json"), JSON.stringify(json, null, 1));
}

/** Reads artifacts written by `writeArtifacts` (or any tfjs layers-style model.json with weightsManifest). */
export async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const file = dir.endsWith(".json") ? dir : path.join(dir, "model.json");
  let json: {
    format?: string; generatedBy?: string; convertedBy?: string | null; modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    json = JSON.parse(await fs.promises.readFile(file, "utf8"));
  } catch (e) {
    throw new IvaeInputError(`loadModel: cannot read ${file} (${(e as Error).message}); expected a directory written by model.save(dir)`);
  }
  if (json == null || typeof json !== "object" || !Array.isArray(json.weightsManifest)) {
    throw new IvaeInputError(`loadModel: ${file} has no weightsManifest (it holds ${JSON.stringify(json)?.slice(0, 40)}); expected what model.save wrote`);
  }
  const base = path.dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const b = await fs.promises.readFile(path.join(base, p));
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
  }
  return {
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy ?? null,
    modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"], weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(buffers),
  };
}
