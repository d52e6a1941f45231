import * as tf from "@tensorflow/tfjs";
import { ImageStack, toImageStack } from "../data/image-stack";
import { check, checkFinite, IvaeInputError } from "../util/errors";
import type { ModelConfig } from "./config";

/** Validates images for a model (size, finite, range for Bernoulli) and returns an ImageStack. */
export function checkModelImages(
  config: ModelConfig,
  images: ImageStack | tf.Tensor | number[][][],
  where: string,
): ImageStack {
  const [h, w] = config.imageShape;
  const stack = toImageStack(images, where, { height: h, width: w, channels: config.channels ?? 1 });
  if (config.likelihood === "bernoulli") {
    const d = stack.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v < -1e-6 || v > 1 + 1e-6) {
        throw new IvaeInputError(
          `${where}: pixel value ${v} at flat index ${i} is outside [0, 1]; the Bernoulli likelihood expects ` +
            `intensities in [0, 1] (rescale the images, e.g. (x - min)/(max - min), or use likelihood: "gaussian")`,
        );
      }
    }
  }
  return stack;
}

/** Validates class labels for a conditional model (null for unconditional models). */
/**
 * Frame angles given per image (train's `initialAngles`, encode's `angles`): one finite angle (radians) per image,
 * as a Float32Array.
 */
export function checkFrameAngles(a: ArrayLike<number>, n: number, where: string, what: string): Float32Array {
  check(a.length === n, where, `${what} must hold one angle per image (${n}), got ${a.length}`);
  for (let i = 0; i < n; i++)
    check(Number.isFinite(a[i]), where, `${what}[${i}] is ${a[i]}; expected a finite angle in radians`);
  return Float32Array.from(a);
}

export function checkModelLabels(
  conditionDim: number,
  labels: ArrayLike<number> | undefined | null,
  n: number,
  where: string,
): Int32Array | null {
  const k = conditionDim;
  if (k === 0) {
    check(labels == null, where, "labels were given but the model is not conditional (conditionDim = 0)");
    return null;
  }
  check(
    labels != null,
    where,
    `the model is conditional (conditionDim = ${k}); pass labels: one class index in [0, ${k}) per image`,
  );
  check(labels.length === n, where, `got ${labels.length} labels for ${n} images; expected one class index per image`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new IvaeInputError(`${where}: label ${v} at index ${i} is not a class index in [0, ${k})`);
    }
    out[i] = v;
  }
  return out;
}

/** Latent codes as flat rows of `d` values (from flat or nested input), checked finite and non-empty. */
export function latentRows(z: Float32Array | ArrayLike<number> | number[][], d: number, where: string): Float32Array {
  let flat: Float32Array;
  if (Array.isArray(z) && z.length > 0 && Array.isArray(z[0])) {
    const rows = z as number[][];
    flat = new Float32Array(rows.length * d);
    rows.forEach((r, i) => {
      check(r.length === d, where, `row ${i} of z has ${r.length} values, expected latentDim = ${d}`);
      flat.set(r, i * d);
    });
  } else {
    flat = Float32Array.from(z as ArrayLike<number>);
    check(flat.length % d === 0, where, `z has ${flat.length} values, expected a multiple of latentDim = ${d}`);
  }
  check(flat.length > 0, where, "z is empty; expected at least one latent vector");
  checkFinite(flat, where, "z");
  return flat;
}

/** One value per row: a single number repeated, or `n` values; null when absent. */
export function perRow(
  v: number | ArrayLike<number> | undefined,
  n: number,
  name: string,
  where: string,
): Float32Array | null {
  if (v === undefined) return null;
  if (typeof v === "number") {
    checkFinite([v], where, name);
    return new Float32Array(n).fill(v);
  }
  check(
    v.length === n,
    where,
    `${name} has ${v.length} values for ${n} latent vectors; expected one per row or a single number`,
  );
  const a = Float32Array.from(v);
  checkFinite(a, where, name);
  return a;
}
