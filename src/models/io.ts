import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { weightBytes } from "./weight-buffer";

/**
 * Saving and reading model directories: model.json (modelTopology, format, weightsManifest, the sha256 of the
 * weights) and weights.bin. Written with fs because tfjs-node's file:// handler is not a dependency of ivae.
 *
 * Saves are atomic (issue 16, item 10): a save killed at any instant leaves either the previous model or the new
 * one, never a mix and never nothing. Every file is written to a temporary name in the same directory, fsynced
 * and renamed (rename within a directory is atomic on POSIX file systems). The switch point is the rename of
 * model.json, which names the sha256 of the weights it belongs to:
 *   1. the new weights go to `weights.<sha256>.bin` (the old weights.bin is untouched);
 *   2. model.json (naming that sha256) replaces the old one: from here on the new model is the saved one;
 *   3. `weights.<sha256>.bin` is renamed to weights.bin.
 * Killed before 2, the old model.json and weights.bin are intact. Killed between 2 and 3, model.json's hash does
 * not match weights.bin and the reader takes `weights.<sha256>.bin`, which holds exactly the named bytes.
 * The reader checks the hash, so weights from another save or a damaged file are an error, not wrong weights.
 */

/** Steps of {@link writeArtifacts}, reported to `onStep` (tests kill a save at each). */
export type SaveStep = "weights-staged" | "manifest-committed" | "weights-renamed" | "done";

const WEIGHTS = "weights.bin";

/** Writes `data` to `file` through a fsynced temporary file in the same directory and an atomic rename. */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await fs.promises.open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
}

/** Makes the renames in `dir` durable; directories cannot be fsynced on every platform, so failure is ignored. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fs.promises.open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported here (e.g. Windows): the renames are still atomic, only durability is weaker */
  }
}

/** Hex sha256 of bytes. */
export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Writes tfjs-format artifacts into `dir` atomically (see the module comment): model.json (with weightsManifest
 * and `weightsSha256`) and weights.bin. `onStep` is called after each step.
 */
export async function writeArtifacts(
  dir: string,
  artifacts: tf.io.ModelArtifacts,
  opts: { onStep?: (step: SaveStep) => void } = {},
): Promise<void> {
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new IvaeInputError("save: the artifacts have no weights");
  await fs.promises.mkdir(dir, { recursive: true });
  const data = new Uint8Array(weightBytes(artifacts.weightData));
  const hash = sha256(data);
  const json = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs }],
    weightsSha256: hash,
    weightsBytes: data.byteLength,
  };
  const staged = path.join(dir, `weights.${hash}.bin`);
  await writeAtomic(staged, data);
  await syncDir(dir);
  opts.onStep?.("weights-staged");
  await writeAtomic(path.join(dir, "model.json"), JSON.stringify(json, null, 1));
  await syncDir(dir);
  opts.onStep?.("manifest-committed");
  await fs.promises.rename(staged, path.join(dir, WEIGHTS));
  await syncDir(dir);
  opts.onStep?.("weights-renamed");
  await removeLeftovers(dir);
  opts.onStep?.("done");
}

/** Deletes what killed saves left behind: temporary files and staged weights of other hashes. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const f of await fs.promises.readdir(dir)) {
    const temporary = /^(model\.json|weights(\.[0-9a-f]{64})?\.bin)\.tmp-\d+-\w+$/.test(f);
    if (temporary || /^weights\.[0-9a-f]{64}\.bin$/.test(f)) {
      await fs.promises.rm(path.join(dir, f), { force: true });
    }
  }
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  weightsSha256?: string;
}

/**
 * Reads artifacts written by `writeArtifacts` (or any tfjs layers-style model.json with weightsManifest). When
 * model.json names a sha256, the weights must match it: a save interrupted after its commit point is completed
 * from the staged `weights.<sha256>.bin`, anything else that does not match is an error.
 */
export async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const file = dir.endsWith(".json") ? dir : path.join(dir, "model.json");
  let json: ModelJson;
  try {
    json = JSON.parse(await fs.promises.readFile(file, "utf8"));
  } catch (e) {
    throw new IvaeInputError(
      `loadModel: cannot read ${file} (${(e as Error).message}); expected a directory written by model.save(dir)`,
    );
  }
  if (json === null || typeof json !== "object" || !Array.isArray(json.weightsManifest)) {
    throw new IvaeInputError(
      `loadModel: ${file} has no weightsManifest; expected a model.json written by model.save(dir)`,
    );
  }
  const base = path.dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      let b: Buffer;
      try {
        b = await fs.promises.readFile(path.join(base, p));
      } catch (e) {
        if (!json.weightsSha256)
          throw new IvaeInputError(`loadModel: cannot read ${p} next to ${file} (${(e as Error).message})`);
        b = Buffer.alloc(0); // the staged copy below may hold the weights
      }
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
  }
  let weightData = weightBytes(buffers);
  const want = json.weightsSha256;
  if (want !== undefined && sha256(new Uint8Array(weightData)) !== want) {
    const staged = path.join(base, `weights.${want}.bin`);
    const b = fs.existsSync(staged) ? await fs.promises.readFile(staged) : null;
    if (b === null || sha256(b) !== want) {
      throw new IvaeInputError(
        `loadModel: the weights next to ${file} do not match the sha256 it names (${want.slice(0, 12)}…): they come ` +
          `from ` +
          "another save or are damaged; save the model again",
      );
    }
    weightData = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  return {
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: specs,
    weightData,
  };
}
