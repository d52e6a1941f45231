import type * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { readArtifacts } from "./io";
import { parseWeights } from "./weight-buffer";
import { LatentModel, ModelConfig } from "./model";
import { CVAE, VAE } from "./vae";
import { RVAE, ShiftVAE } from "./rvae";

/** Any model ivae can train, save and load. */
export type AnyModel = VAE | CVAE | RVAE | ShiftVAE;

/** Rebuilds a model from its saved configuration (weights freshly initialised). */
export function modelFromConfig(config: ModelConfig): AnyModel {
  switch (config.className) {
    case "VAE": return new VAE(config, config);
    case "CVAE": return new CVAE(config, config);
    case "RVAE": return new RVAE(config, config);
    case "ShiftVAE": return new ShiftVAE(config, config);
    default: throw new IvaeInputError(`loadModel: unknown model class ${String((config as { className?: string }).className)}`);
  }
}

/**
 * Loads a model saved with `model.save(dir)` (a directory or its model.json) or from in-memory
 * ModelArtifacts (`model.toArtifacts()`).
 */
export async function loadModel(source: string | tf.io.ModelArtifacts): Promise<AnyModel> {
  const art = typeof source === "string" ? await readArtifacts(source) : source;
  const topo = art.modelTopology as unknown as { className?: string; config?: ModelConfig } | undefined;
  if (!topo || !topo.config || !art.weightSpecs || !art.weightData) {
    throw new IvaeInputError("loadModel: the artifacts lack modelTopology.config or weights; expected what model.save / model.toArtifacts wrote");
  }
  const weights = parseWeights(art.weightSpecs, art.weightData, "loadModel");
  const model = modelFromConfig(topo.config);
  try {
    (model as LatentModel).setWeights(weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
