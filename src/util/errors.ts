/**
 * Errors that tell the user what was wrong with their input and what was expected.
 * Every public entry point validates its arguments and throws an `IvaeInputError` rather than
 * letting a NaN or a shape mismatch travel into TensorFlow.js.
 */
export class IvaeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IvaeInputError";
  }
}

/** Thrown when training produces a non-finite loss; the model keeps its last good weights. */
export class TrainingDivergedError extends Error {
  constructor(
    message: string,
    /** epoch (1-based) in which the non-finite value appeared */
    readonly epoch: number,
    /** mini-batch index within that epoch */
    readonly batch: number,
  ) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** Throws an `IvaeInputError` with `message` (prefixed by `where`) unless `cond` holds. */
export function check(cond: unknown, where: string, message: string): asserts cond {
  if (!cond) throw new IvaeInputError(`${where}: ${message}`);
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Throws unless every pixel of a stack of images is finite, naming the image that holds the first offender. */
export function checkFinitePixels(data: ArrayLike<number>, pixelsPerImage: number, where: string): void {
  const i = firstNonFinite(data);
  if (i >= 0) throw new IvaeInputError(`${where}: image ${Math.floor(i / pixelsPerImage)} holds a non-finite pixel`);
}

/** Throws unless every value is finite, naming the first offender. */
export function checkFinite(values: ArrayLike<number>, where: string, what: string): void {
  const i = firstNonFinite(values);
  if (i >= 0) {
    throw new IvaeInputError(
      `${where}: ${what} contains a non-finite value (${values[i]}) at flat index ${i}; ` +
        `expected finite numbers (remove or replace NaN/Inf pixels first)`,
    );
  }
}

/** Throws unless `n` is an integer ≥ `min`. */
export function checkInt(n: unknown, where: string, what: string, min = 1): asserts n is number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new IvaeInputError(`${where}: ${what} must be an integer >= ${min}, got ${String(n)}`);
  }
}

/** `v` (or `dflt` when `v` is undefined or null), after checking it is a finite number ≥ 0. */
export function nonNegativeOr(v: unknown, dflt: number, where: string, what: string): number {
  const x = v ?? dflt;
  check(
    typeof x === "number" && Number.isFinite(x) && x >= 0,
    where,
    `${what} must be a finite number >= 0, got ${String(v)}`,
  );
  return x;
}
