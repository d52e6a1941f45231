import { check } from "../util/errors";
import type { ModelConfig } from "./config";
import type { DecodeOptions } from "./contracts";
import { latentRows, perRow } from "./inputs";
import type { LatentSpec } from "./parts/latents";

/** What `decode` needs of a model to check its inputs. */
export interface DecodeTarget {
  readonly config: ModelConfig;
  readonly latents: readonly LatentSpec[];
  checkLabels(labels: ArrayLike<number> | undefined | null, n: number, where: string): Int32Array | null;
}

/** The checked inputs of one `decode` call: the latent rows and the optional pose, class and label per row. */
export interface DecodeInputs {
  flat: Float32Array;
  n: number;
  angle: Float32Array | null;
  dx: Float32Array | null;
  dy: Float32Array | null;
  scale: Float32Array | null;
  discrete: LatentSpec | undefined;
  classes: Int32Array | null;
  labels: Int32Array | null;
}

/**
 * Checks `decode`'s latent rows and options against the model: every pose value must belong to a latent the
 * model has, one value per row, and a conditional model needs its labels.
 */
export function decodeInputs(
  model: DecodeTarget,
  z: Float32Array | ArrayLike<number> | number[][],
  opts: DecodeOptions,
  where: string,
): DecodeInputs {
  const cfg = model.config;
  const flat = latentRows(z, cfg.latentDim, where);
  const n = flat.length / cfg.latentDim;
  const angle = perRow(opts.angle, n, "angle", where);
  const dx = perRow(opts.dx, n, "dx", where);
  const dy = perRow(opts.dy, n, "dy", where);
  const scale = perRow(opts.scale, n, "scale", where);
  check(!scale || cfg.scale, where, "a scale was given but this model has no scale latent");
  if (scale)
    check(
      scale.every((x) => x > 0),
      where,
      "scale must be positive (1 = the canonical size)",
    );
  const discrete = model.latents.find((l) => l.kind === "discrete");
  check(
    opts.classes === undefined || discrete !== undefined,
    where,
    "classes were given but this model has no discrete latent",
  );
  const classes = discrete ? categories(opts.classes ?? 0, n, discrete.dim, where) : null;
  check(!angle || cfg.rotation, where, "an angle was given but this model has no rotation latent");
  check(!(dx || dy) || cfg.translation, where, "a shift (dx/dy) was given but this model has no translation latent");
  let labels: Int32Array | null = null;
  if (cfg.conditionDim > 0) {
    const l = opts.labels;
    check(
      l !== undefined,
      where,
      `the model is conditional; pass labels (one class index in [0, ${cfg.conditionDim}) or one per row)`,
    );
    labels = model.checkLabels(typeof l === "number" ? new Array(n).fill(l) : l, n, where);
  } else {
    check(opts.labels === undefined, where, "labels were given but the model is not conditional");
  }
  return { flat, n, angle, dx, dy, scale, discrete, classes, labels };
}

/** One category in [0, k) per row, from a single number or one per row. */
function categories(v: number | ArrayLike<number>, n: number, k: number, where: string): Int32Array {
  const a = typeof v === "number" ? new Array<number>(n).fill(v) : Array.from(v);
  check(
    a.length === n,
    where,
    `classes has ${a.length} values for ${n} latent vectors; expected one per row or a number`,
  );
  a.forEach((c, i) =>
    check(Number.isInteger(c) && c >= 0 && c < k, where, `classes[${i}] = ${c} is not a category in [0, ${k})`),
  );
  return Int32Array.from(a);
}
