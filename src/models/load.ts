import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { readArtifacts } from "./io";
import type { LatentModel } from "./model";
import { modelFromConfig } from "./registry";
import type { CVAE, VAE } from "./vae";
import type { RVAE, ShiftVAE } from "./rvae";
import type { JRVAE } from "./jrvae";
import type { SSRVAE } from "./ssrvae";
import { parseWeights } from "./weights";
// the built-in models register themselves when their files load
import "./vae";
import "./rvae";
import "./jrvae";
import "./ssrvae";

/** Any model ivae can train, save and load. */
export type AnyModel = VAE | CVAE | RVAE | ShiftVAE | JRVAE | SSRVAE;

/**
 * Loads a model saved with `model.save(dir)` (a directory or its model.json) or from in-memory
 * ModelArtifacts (`model.toArtifacts()`). The configuration is validated as the constructors validate
 * options, and the weights byte for byte (names, shapes, exact length, finite values).
 */
export async function loadModel(source: string | tf.io.ModelArtifacts): Promise<AnyModel> {
  const art = typeof source === "string" ? await readArtifacts(source) : source;
  if (art == null || typeof art !== "object")
    throw new IvaeInputError("loadModel: expected a directory, a model.json path or ModelArtifacts");
  const topo = art.modelTopology as unknown as { className?: string; config?: unknown } | null | undefined;
  if (!topo || typeof topo !== "object" || !topo.config || !art.weightSpecs || !art.weightData) {
    throw new IvaeInputError(
      "loadModel: the artifacts lack modelTopology.config or weights; expected what model.save / " +
        "model.toArtifacts wrote",
    );
  }
  const model = modelFromConfig(topo.config);
  try {
    const data =
      art.weightData instanceof ArrayBuffer
        ? art.weightData
        : tf.io.concatenateArrayBuffers(art.weightData as ArrayBuffer[]);
    model.setWeights(parseWeights(art.weightSpecs, data, model.params, "loadModel"));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model as AnyModel;
}

export { modelFromConfig };
export type { LatentModel };
