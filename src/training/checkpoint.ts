import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import type { LatentModel } from "../models/model";
import { sha256, syncDir, writeAtomic } from "../models/io";
import { check, checkInt, IvaeInputError } from "../util/errors";
import type { Random } from "../util/random";
import type { EpochReport } from "./progress";

/**
 * Resumable training (issue 16): after every `every` epochs `train` saves the model weights, the Adam state
 * (moments, iteration count and the bias-correction powers), the state of its random generator (data order,
 * noise seeds, pixel subsets) and the history so far. `resume: true` restores all of it, so the resumed run
 * produces the same numbers as one that was never interrupted.
 *
 * Atomic like model saves (src/models/io.ts): the tensors go to `ckpt-<epoch>.bin` (fsynced temp file, rename),
 * then `checkpoint.json` naming that file and its sha256 replaces the previous one; only then are older
 * `ckpt-*.bin` deleted. A run killed at any instant leaves the previous or the new checkpoint, never a mix.
 */

/** The checkpoint options of `train`. */
export interface CheckpointOptions {
  /** save a checkpoint into `dir` every `every` epochs (default 1) and after the last epoch */
  checkpoint?: { dir: string; every?: number };
  /** continue from the checkpoint in `checkpoint.dir` when there is one (else start from the beginning) */
  resume?: boolean;
}

/** What `train` hands over: its live state, restored in place on resume. */
export interface TrainState {
  rng: Random;
  optimizer: tf.Optimizer;
  history: {
    reports: EpochReport[];
    loss: number[];
    reconstruction: number[];
    klZ: number[];
    klAngle: number[];
    klOffset: number[];
  };
  pixelPool: Int32Array;
  /** settings that must be the same for a resumed run to continue the same numbers */
  fingerprint: { [k: string]: number | string };
}

interface TensorEntry {
  name: string;
  shape: number[];
  part: "model" | "optimizer";
}

interface CheckpointJson {
  format: "ivae-checkpoint";
  version: 1;
  epoch: number;
  file: string;
  sha256: string;
  tensors: TensorEntry[];
  config: unknown;
  fingerprint: TrainState["fingerprint"];
  rng: ReturnType<Random["getState"]>;
  optimizer: { iterations: number; accBeta1: number; accBeta2: number };
  pixelPool: number[];
  reports: EpochReport[];
}

// Adam keeps β₁ᵗ and β₂ᵗ as running float32 products; setWeights recomputes them with pow, which differs in the
// last bit (on the cpu backend from t = 2 for β₂ = 0.999, t = 8 for β₁ = 0.9), so they are saved and restored as
// they are (tfjs 4.22 AdamOptimizer fields).
type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

/**
 * Checks the options, restores a checkpoint when resuming, and returns the first epoch to run and the hook that
 * `train` calls after each completed epoch.
 */
export async function openCheckpoint(
  model: LatentModel,
  opts: CheckpointOptions & { epochs: number },
  state: TrainState,
): Promise<{ firstEpoch: number; epochDone: (epoch: number) => Promise<void> }> {
  const c = opts.checkpoint;
  check(!opts.resume || c !== undefined, "train", "resume: true needs checkpoint: { dir } to resume from");
  if (c === undefined) return { firstEpoch: 1, epochDone: async () => undefined };
  check(typeof c.dir === "string" && c.dir.length > 0, "train", "checkpoint.dir must be a directory path");
  const every = c.every ?? 1;
  checkInt(every, "train", "checkpoint.every", 1);
  let firstEpoch = 1;
  if (opts.resume) {
    const saved = await readCheckpoint(c.dir);
    if (saved) firstEpoch = (await restore(model, state, saved.json, saved.blob)) + 1;
  }
  return {
    firstEpoch,
    epochDone: async (epoch) => {
      if (epoch % every === 0 || epoch === opts.epochs) await saveCheckpoint(c.dir, epoch, model, state);
    },
  };
}

async function saveCheckpoint(dir: string, epoch: number, model: LatentModel, state: TrainState): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true });
  const tensors: TensorEntry[] = [];
  const arrays: Float32Array[] = [];
  for (const [name, w] of model.getWeights()) {
    tensors.push({ name, shape: [w.length], part: "model" });
    arrays.push(w);
  }
  const opt = await state.optimizer.getWeights();
  for (const { name, tensor } of opt.slice(1)) {
    tensors.push({ name, shape: tensor.shape.slice(), part: "optimizer" });
    arrays.push(tensor.dataSync() as Float32Array);
  }
  tf.dispose(opt[0].tensor); // the iteration scalar is a fresh tensor; the moments are the optimizer's own
  const blob = new Uint8Array(arrays.reduce((a, x) => a + x.byteLength, 0));
  let o = 0;
  for (const a of arrays) {
    blob.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  const adam = state.optimizer as unknown as AdamInternals;
  const file = `ckpt-${epoch}.bin`;
  await writeAtomic(path.join(dir, file), blob);
  const json: CheckpointJson = {
    format: "ivae-checkpoint",
    version: 1,
    epoch,
    file,
    sha256: sha256(blob),
    tensors,
    config: model.config,
    fingerprint: state.fingerprint,
    rng: state.rng.getState(),
    optimizer: {
      iterations: state.optimizer.iterations,
      accBeta1: adam.accBeta1 ? adam.accBeta1.dataSync()[0] : NaN,
      accBeta2: adam.accBeta2 ? adam.accBeta2.dataSync()[0] : NaN,
    },
    pixelPool: Array.from(state.pixelPool),
    reports: state.history.reports,
  };
  await writeAtomic(path.join(dir, "checkpoint.json"), JSON.stringify(json));
  await syncDir(dir);
  for (const f of await fs.promises.readdir(dir)) {
    // older checkpoints, and temporary files of runs killed while saving
    const stale = (/^ckpt-\d+\.bin$/.test(f) && f !== file) || /^(checkpoint\.json|ckpt-\d+\.bin)\.tmp-/.test(f);
    if (stale) await fs.promises.rm(path.join(dir, f), { force: true });
  }
}

async function readCheckpoint(dir: string): Promise<{ json: CheckpointJson; blob: Uint8Array } | null> {
  const file = path.join(dir, "checkpoint.json");
  if (!fs.existsSync(file)) return null;
  let json: CheckpointJson;
  try {
    json = JSON.parse(await fs.promises.readFile(file, "utf8"));
  } catch (e) {
    throw new IvaeInputError(`train: cannot read the checkpoint ${file} (${(e as Error).message})`);
  }
  check(
    json?.format === "ivae-checkpoint" && json.version === 1,
    "train",
    `${file} is not an ivae checkpoint (version 1)`,
  );
  const blobFile = path.join(dir, path.basename(json.file));
  const blob = fs.existsSync(blobFile) ? new Uint8Array(await fs.promises.readFile(blobFile)) : null;
  check(
    blob !== null && sha256(blob) === json.sha256,
    "train",
    `the checkpoint data ${json.file} is missing or does not match ${file}; delete ${dir} to start over`,
  );
  return { json, blob };
}

/** Restores weights, Adam state, generator and history; returns the epoch the checkpoint was taken after. */
async function restore(model: LatentModel, state: TrainState, json: CheckpointJson, blob: Uint8Array): Promise<number> {
  const differs = (what: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new IvaeInputError(
        `train: cannot resume: the checkpoint was made with ${what} ${JSON.stringify(a)}, ` +
          `this run has ${JSON.stringify(b)}; resume with the same model, images and options, or use another ` +
          `checkpoint.dir`,
      );
    }
  };
  differs("the model config", json.config, model.config);
  for (const k of new Set([...Object.keys(json.fingerprint), ...Object.keys(state.fingerprint)])) {
    differs(k, json.fingerprint[k], state.fingerprint[k]);
  }
  const floats = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  const weights = new Map<string, Float32Array>();
  const moments: { name: string; tensor: tf.Tensor }[] = [];
  let o = 0;
  for (const t of json.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    check(o + size <= floats.length, "train", "the checkpoint data is shorter than its list of tensors");
    const v = floats.subarray(o, o + size);
    o += size;
    if (t.part === "model") weights.set(t.name, v);
    else moments.push({ name: t.name, tensor: tf.tensor(v, t.shape) });
  }
  model.setWeights(weights);
  const iter = tf.scalar(json.optimizer.iterations, "int32");
  try {
    await state.optimizer.setWeights([{ name: "iter", tensor: iter }, ...moments]); // copies them into its variables
  } finally {
    tf.dispose([iter, ...moments.map((m) => m.tensor)]);
  }
  const adam = state.optimizer as unknown as AdamInternals;
  tf.tidy(() => {
    const { accBeta1, accBeta2 } = json.optimizer;
    if (adam.accBeta1 && Number.isFinite(accBeta1)) adam.accBeta1.assign(tf.scalar(accBeta1));
    if (adam.accBeta2 && Number.isFinite(accBeta2)) adam.accBeta2.assign(tf.scalar(accBeta2));
  });
  state.rng.setState(json.rng);
  check(json.pixelPool.length === state.pixelPool.length, "train", "the checkpoint's pixel pool has the wrong size");
  state.pixelPool.set(json.pixelPool);
  const h = state.history;
  for (const r of json.reports) {
    h.reports.push(r);
    h.loss.push(r.loss);
    h.reconstruction.push(r.reconstruction);
    h.klZ.push(r.klZ);
    h.klAngle.push(r.klAngle);
    h.klOffset.push(r.klOffset);
  }
  return json.epoch;
}
