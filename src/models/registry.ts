import { check, IvaeInputError } from "../util/errors";
import type { LatentModel } from "./model";

/** Builds a model of one class from its stored configuration (validated; weights freshly initialised). */
export type ModelFactory = (config: unknown) => LatentModel;

const factories = new Map<string, ModelFactory>();

/**
 * Registers a model class for `loadModel` under the `className` its configuration stores (as tfjs-layers'
 * `serialization.registerClass`): loading finds the class here instead of in a switch. A model file
 * registers itself when imported; registering a name twice replaces the earlier factory.
 */
export function registerModel(className: string, fromConfig: ModelFactory): void {
  check(typeof className === "string" && className.length > 0, "registerModel", "className must be a non-empty string");
  check(typeof fromConfig === "function", "registerModel", "fromConfig must be a function (config) => model");
  factories.set(className, fromConfig);
}

/** The class names `loadModel` knows. */
export function registeredModels(): string[] {
  return [...factories.keys()];
}

/** Rebuilds a model from its saved configuration (weights freshly initialised). */
export function modelFromConfig(config: unknown): LatentModel {
  const name = config != null && typeof config === "object" ? (config as { className?: unknown }).className : undefined;
  const f = typeof name === "string" ? factories.get(name) : undefined;
  if (!f)
    throw new IvaeInputError(
      `loadModel: unknown model class ${JSON.stringify(name)}; known: ${registeredModels().join(", ")}`,
    );
  return f(config);
}
