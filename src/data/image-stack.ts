import * as tf from "@tensorflow/tfjs";
import { check, checkFinite, checkInt, IvaeInputError } from "../util/errors";

/**
 * A stack of n single-channel images of height × width, stored row-major in one Float32Array
 * (image i, row r, column c at `data[(i * height + r) * width + c]`). This is the currency of
 * ivae: data sets produce it, models consume it, plots draw it. Plain memory, so it needs no
 * disposing and survives a backend switch.
 */
export interface ImageStack {
  readonly data: Float32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
}

/** Builds an ImageStack after checking that the sizes agree. */
export function imageStack(data: Float32Array, n: number, height: number, width: number): ImageStack {
  checkInt(n, "imageStack", "n", 0);
  checkInt(height, "imageStack", "height");
  checkInt(width, "imageStack", "width");
  if (data.length !== n * height * width) {
    throw new IvaeInputError(
      `imageStack: data has ${data.length} values but n*height*width = ${n}*${height}*${width} = ${n * height * width}`,
    );
  }
  return { data, n, height, width };
}

/** Image i as a view (no copy) of length height*width. */
export function imageAt(stack: ImageStack, i: number): Float32Array {
  const size = stack.height * stack.width;
  return stack.data.subarray(i * size, (i + 1) * size);
}

/** A new stack holding the images at `indices` (copied), in that order. */
export function selectImages(stack: ImageStack, indices: ArrayLike<number>): ImageStack {
  const size = stack.height * stack.width;
  const out = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (i < 0 || i >= stack.n) throw new IvaeInputError(`selectImages: index ${i} out of range [0, ${stack.n})`);
    out.set(stack.data.subarray(i * size, (i + 1) * size), k * size);
  }
  return { data: out, n: indices.length, height: stack.height, width: stack.width };
}

/** Images [start, end) as a view (no copy). */
export function sliceImages(stack: ImageStack, start: number, end: number): ImageStack {
  const size = stack.height * stack.width;
  const e = Math.min(end, stack.n);
  return { data: stack.data.subarray(start * size, e * size), n: e - start, height: stack.height, width: stack.width };
}

/** Concatenates stacks of the same image size. */
export function concatImages(stacks: ImageStack[]): ImageStack {
  check(stacks.length > 0, "concatImages", "needs at least one stack");
  const { height, width } = stacks[0];
  for (const s of stacks) {
    check(
      s.height === height && s.width === width,
      "concatImages",
      `all stacks must have the same image size, got ${s.height}x${s.width} and ${height}x${width}`,
    );
  }
  const n = stacks.reduce((a, s) => a + s.n, 0);
  const data = new Float32Array(n * height * width);
  let o = 0;
  for (const s of stacks) {
    data.set(s.data, o);
    o += s.data.length;
  }
  return { data, n, height, width };
}

/** True when `x` looks like an ImageStack. */
export function isImageStack(x: unknown): x is ImageStack {
  const s = x as ImageStack;
  return (
    !!s &&
    s.data instanceof Float32Array &&
    Number.isInteger(s.n) &&
    Number.isInteger(s.height) &&
    Number.isInteger(s.width)
  );
}

/**
 * Accepts what users hand to models (an ImageStack, a [n,h,w] or [n,h,w,1] tensor, or nested arrays)
 * and returns a validated ImageStack. `where` names the caller in error messages; `expect` pins the
 * image size when the model already has one.
 */
export function toImageStack(
  x: ImageStack | tf.Tensor | number[][][],
  where: string,
  expect?: { height: number; width: number },
): ImageStack {
  let stack: ImageStack;
  if (isImageStack(x)) {
    // a hand-built stack whose n disagrees with its data would read past the images or leave stale values unread
    checkInt(x.n, where, "the stack's n", 0);
    checkInt(x.height, where, "the stack's height");
    checkInt(x.width, where, "the stack's width");
    if (x.data.length !== x.n * x.height * x.width) {
      throw new IvaeInputError(
        `${where}: the ImageStack has ${x.data.length} values but n*height*width = ${x.n}*${x.height}*${x.width} = ` +
          `${x.n * x.height * x.width}; build stacks with imageStack(data, n, height, width) so that they agree`,
      );
    }
    stack = x;
  } else if (x instanceof tf.Tensor) {
    const shape = x.shape;
    if (!(shape.length === 3 || (shape.length === 4 && shape[3] === 1))) {
      throw new IvaeInputError(
        `${where}: expected images of shape [n, height, width] or [n, height, width, 1], got [${shape.join(", ")}]`,
      );
    }
    stack = { data: Float32Array.from(x.dataSync()), n: shape[0], height: shape[1], width: shape[2] };
  } else if (Array.isArray(x)) {
    const n = x.length;
    check(
      n > 0 && Array.isArray(x[0]) && Array.isArray(x[0][0]),
      where,
      "expected a nested array [n][height][width] of numbers",
    );
    const h = x[0].length,
      w = x[0][0].length;
    const data = new Float32Array(n * h * w);
    for (let i = 0; i < n; i++) {
      check(x[i].length === h, where, `image ${i} has ${x[i].length} rows, expected ${h}`);
      for (let r = 0; r < h; r++) {
        check(x[i][r].length === w, where, `image ${i} row ${r} has ${x[i][r].length} columns, expected ${w}`);
        for (let c = 0; c < w; c++) data[(i * h + r) * w + c] = x[i][r][c];
      }
    }
    stack = { data, n, height: h, width: w };
  } else {
    throw new IvaeInputError(
      `${where}: expected an ImageStack, a tensor [n, height, width] or nested arrays, got ${typeof x}`,
    );
  }
  if (stack.n === 0) throw new IvaeInputError(`${where}: the image set is empty (n = 0); expected at least one image`);
  if (expect && (stack.height !== expect.height || stack.width !== expect.width)) {
    throw new IvaeInputError(
      `${where}: images are ${stack.height}x${stack.width} but the model was built for ` +
        `${expect.height}x${expect.width}`,
    );
  }
  checkFinite(stack.data, where, "the images");
  return stack;
}

/** Minimum and maximum of the pixel values. */
export function pixelRange(stack: ImageStack): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  const d = stack.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
