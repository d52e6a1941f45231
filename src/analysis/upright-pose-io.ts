/**
 * Saving and loading the pose nets of `learnUprightPose`, so that a saved rVAE trained in their frames can be given
 * the same frames later (`encode`'s `angles`). One JSON file: the nets' shape, their weights and the training images'
 * angles and strengths (little-endian float32, base64), and the sha256 of those bytes; written through a fsynced
 * temporary file and a rename, so a save killed at any instant leaves the old file or the new one.
 */
import * as fs from "fs";
import { sha256, writeAtomic } from "../models/io";
import { check, IvaeInputError } from "../util/errors";
import { netWithWeights, uprightPose, UprightGeometry, UprightPose } from "./upright-pose";

const FORMAT = "ivae-upright-pose";
const VERSION = 1;

interface Stored {
  format: string;
  version: number;
  geometry: UprightGeometry;
  angle: string;
  strength: string;
  nets: string[][];
  sha256: string;
}

const toBase64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

function fromBase64(s: unknown, file: string): Float32Array {
  if (typeof s !== "string") throw new IvaeInputError(`loadUprightPose: ${file} holds a non-text weight entry`);
  const b = Buffer.from(s, "base64");
  if (b.byteLength % 4)
    throw new IvaeInputError(`loadUprightPose: ${file} holds a weight entry of ${b.byteLength} bytes`);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The bytes the stored hash covers: the geometry as JSON, every net's weights in order, the angles and strengths. */
function digest(
  geometry: UprightGeometry,
  nets: Float32Array[][],
  angle: Float32Array,
  strength: Float32Array,
): string {
  const shape = new TextEncoder().encode(JSON.stringify(geometry));
  const parts = [
    shape,
    ...[...nets.flat(), angle, strength].map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)),
  ];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return sha256(all);
}

/** Writes `pose` (its nets, their shape, the training images' angles) to `file`, atomically. */
export async function saveUprightPose(pose: UprightPose, file: string): Promise<void> {
  const nets = pose.weights();
  const stored: Stored = {
    format: FORMAT,
    version: VERSION,
    geometry: pose.geometry,
    angle: toBase64(pose.angle),
    strength: toBase64(pose.strength),
    nets: nets.map((net) => net.map(toBase64)),
    sha256: digest(pose.geometry, nets, pose.angle, pose.strength),
  };
  await writeAtomic(file, JSON.stringify(stored));
}

/** Reads pose nets saved by {@link saveUprightPose}; a damaged or foreign file is an `IvaeInputError`. */
export async function loadUprightPose(file: string): Promise<UprightPose> {
  const where = "loadUprightPose";
  let stored: Stored;
  try {
    stored = JSON.parse(await fs.promises.readFile(file, "utf8")) as Stored;
  } catch (e) {
    throw new IvaeInputError(`${where}: cannot read ${file} as JSON (${(e as Error).message})`);
  }
  check(
    stored?.format === FORMAT && stored.version === VERSION,
    where,
    `${file} is not an ${FORMAT} file of version ${VERSION} (format ${stored?.format}, version ${stored?.version})`,
  );
  const g = stored.geometry;
  check(
    g &&
      [g.height, g.width, g.bins, g.turns].every((v) => Number.isInteger(v) && v > 0) &&
      g.bins % g.turns === 0 &&
      Array.isArray(g.hidden) &&
      g.hidden.every((u) => Number.isInteger(u) && u > 0),
    where,
    `${file} has no valid geometry (positive integer sizes, bins a multiple of turns): ${JSON.stringify(g)}`,
  );
  check(Array.isArray(stored.nets) && stored.nets.length > 0, where, `${file} holds no nets`);
  const nets = stored.nets.map((net) => (Array.isArray(net) ? net : []).map((w) => fromBase64(w, file)));
  const angle = fromBase64(stored.angle, file),
    strength = fromBase64(stored.strength, file);
  check(angle.length === strength.length, where, `${file}: ${angle.length} angles but ${strength.length} strengths`);
  check(
    digest(g, nets, angle, strength) === stored.sha256,
    where,
    `${file}: the geometry and weights do not match their sha256 (a damaged or edited file)`,
  );
  const built = [];
  try {
    for (const w of nets) built.push(netWithWeights(g, w));
  } catch (e) {
    built.forEach((net) => net.dispose());
    throw e;
  }
  return uprightPose(built, g, angle, strength);
}
