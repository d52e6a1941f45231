import * as tf from "@tensorflow/tfjs";
import { check, checkFinite, checkInt, IvaeInputError } from "../util/errors";

/**
 * A stack of n images of height × width with `channels` values per pixel (default 1), stored in one
 * Float32Array, layout [n, channels, height, width]: image i, channel k, row r, column c at
 * `data[((i * channels + k) * height + r) * width + c]`. This is the currency of ivae: data sets produce it,
 * models consume it, plots draw it. Plain memory, so it needs no disposing and survives a backend switch.
 *
 * Channels are simultaneous detector images of one scan (e.g. ADF and ABF). Why channel planes and not
 * [n, h, w, c] interleaved: every single-channel routine (plots, atom finders, the pose encoder's centroid and
 * polar resampling) works on a contiguous h × w plane, so channel k of image i is a plain view; a 1-channel
 * stack is byte-identical to the stacks before channels existed; and it is the layout of the PyTorch
 * models we follow (pyroVED, AtomAI: [n, c, h, w]). `channels` is omitted on single-channel stacks.
 */
export interface ImageStack {
  readonly data: Float32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  /** values per pixel (detector channels); absent = 1 */
  readonly channels?: number;
}

/** The number of channels of a stack (1 when the field is absent). */
export function channelCount(stack: ImageStack): number {
  return stack.channels ?? 1;
}

/** Values per image: channels · height · width. */
export function imageSize(stack: ImageStack): number {
  return channelCount(stack) * stack.height * stack.width;
}

/** A stack object with `channels` set only when it is more than 1 (single-channel stacks keep their old shape). */
function withChannels(data: Float32Array, n: number, height: number, width: number, channels: number): ImageStack {
  return channels > 1 ? { data, n, height, width, channels } : { data, n, height, width };
}

/** Builds an ImageStack after checking that the sizes agree; layout [n, channels, height, width]. */
export function imageStack(data: Float32Array, n: number, height: number, width: number, channels = 1): ImageStack {
  checkInt(n, "imageStack", "n", 0);
  checkInt(height, "imageStack", "height");
  checkInt(width, "imageStack", "width");
  checkInt(channels, "imageStack", "channels", 1);
  if (data.length !== n * channels * height * width) {
    throw new IvaeInputError(
      `imageStack: data has ${data.length} values but n*channels*height*width = ${n}*${channels}*${height}*${width}` +
        ` = ${n * channels * height * width}`,
    );
  }
  return withChannels(data, n, height, width, channels);
}

/** Image i (all its channels, length channels·height·width) as a view (no copy). */
export function imageAt(stack: ImageStack, i: number): Float32Array {
  const size = imageSize(stack);
  return stack.data.subarray(i * size, (i + 1) * size);
}

/** Channel k of every image as a new single-channel stack (copied). */
export function channelAt(stack: ImageStack, k: number): ImageStack {
  const C = channelCount(stack);
  check(Number.isInteger(k) && k >= 0 && k < C, "channelAt", `channel ${k} out of range; the stack has ${C}`);
  const plane = stack.height * stack.width;
  if (C === 1) return { data: stack.data.slice(), n: stack.n, height: stack.height, width: stack.width };
  const out = new Float32Array(stack.n * plane);
  for (let i = 0; i < stack.n; i++)
    out.set(stack.data.subarray((i * C + k) * plane, (i * C + k + 1) * plane), i * plane);
  return { data: out, n: stack.n, height: stack.height, width: stack.width };
}

/**
 * Single-channel stacks of the same n × height × width (e.g. `ImageFile.channels`, or ADF and ABF loaded
 * separately) as one stack with a channel per input, in input order.
 */
export function mergeChannels(stacks: ImageStack[]): ImageStack {
  check(Array.isArray(stacks) && stacks.length >= 1, "mergeChannels", "expected at least one stack");
  const { n, height, width } = stacks[0];
  stacks.forEach((s, k) => {
    check(
      channelCount(s) === 1,
      "mergeChannels",
      `stack ${k} already has ${channelCount(s)} channels; expected single-channel stacks`,
    );
    check(
      s.n === n && s.height === height && s.width === width,
      "mergeChannels",
      `stack ${k} is ${s.n}×${s.height}×${s.width} but stack 0 is ${n}×${height}×${width}; ` +
        "channels must be aligned pixel for pixel",
    );
    check(s.data.length === n * height * width, "mergeChannels", `stack ${k} has ${s.data.length} values`);
  });
  const C = stacks.length,
    plane = height * width;
  const out = new Float32Array(n * C * plane);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < C; k++) out.set(stacks[k].data.subarray(i * plane, (i + 1) * plane), (i * C + k) * plane);
  return withChannels(out, n, height, width, C);
}

/** A new stack holding the images at `indices` (copied, all channels), in that order. */
export function selectImages(stack: ImageStack, indices: ArrayLike<number>): ImageStack {
  const size = imageSize(stack);
  const out = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (i < 0 || i >= stack.n) throw new IvaeInputError(`selectImages: index ${i} out of range [0, ${stack.n})`);
    out.set(stack.data.subarray(i * size, (i + 1) * size), k * size);
  }
  return withChannels(out, indices.length, stack.height, stack.width, channelCount(stack));
}

/** Images [start, end) as a view (no copy). */
export function sliceImages(stack: ImageStack, start: number, end: number): ImageStack {
  const size = imageSize(stack);
  const e = Math.min(end, stack.n);
  return withChannels(
    stack.data.subarray(start * size, e * size),
    e - start,
    stack.height,
    stack.width,
    channelCount(stack),
  );
}

/** Concatenates stacks of the same image size and channel count. */
export function concatImages(stacks: ImageStack[]): ImageStack {
  check(stacks.length > 0, "concatImages", "needs at least one stack");
  const { height, width } = stacks[0];
  const C = channelCount(stacks[0]);
  for (const s of stacks) {
    check(
      s.height === height && s.width === width,
      "concatImages",
      `all stacks must have the same image size, got ${s.height}x${s.width} and ${height}x${width}`,
    );
    check(
      channelCount(s) === C,
      "concatImages",
      `all stacks must have the same number of channels, got ${channelCount(s)} and ${C}`,
    );
  }
  const n = stacks.reduce((a, s) => a + s.n, 0);
  const data = new Float32Array(n * C * height * width);
  let o = 0;
  for (const s of stacks) {
    data.set(s.data, o);
    o += s.data.length;
  }
  return withChannels(data, n, height, width, C);
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
 * Accepts what users hand to models (an ImageStack, a [n,h,w] or [n,h,w,c] tensor, or nested arrays)
 * and returns a validated ImageStack. `where` names the caller in error messages; `expect` pins the
 * image size when the model already has one, and the channel count (default 1: callers that take
 * single-channel images refuse a multi-channel stack instead of reading its planes as images).
 * A [n, h, w, c] tensor (tfjs's channels-last) is reordered to the stack's channel planes.
 */
export function toImageStack(
  x: ImageStack | tf.Tensor | number[][][],
  where: string,
  expect?: { height: number; width: number; channels?: number },
): ImageStack {
  const wantC = expect?.channels ?? 1;
  let stack: ImageStack;
  if (isImageStack(x)) {
    // a hand-built stack whose n disagrees with its data would read past the images or leave stale values unread
    checkInt(x.n, where, "the stack's n", 0);
    checkInt(x.height, where, "the stack's height");
    checkInt(x.width, where, "the stack's width");
    if (x.channels !== undefined) checkInt(x.channels, where, "the stack's channels", 1);
    const C = channelCount(x);
    if (x.data.length !== x.n * C * x.height * x.width) {
      const dims = C === 1 ? "n*height*width" : "n*channels*height*width";
      const vals = C === 1 ? `${x.n}*${x.height}*${x.width}` : `${x.n}*${C}*${x.height}*${x.width}`;
      const args = C === 1 ? "" : ", channels";
      throw new IvaeInputError(
        `${where}: the ImageStack has ${x.data.length} values but ${dims} = ${vals} = ` +
          `${x.n * C * x.height * x.width}; build stacks with imageStack(data, n, height, width${args}) ` +
          "so that they agree",
      );
    }
    stack = x;
  } else if (x instanceof tf.Tensor) {
    const shape = x.shape;
    if (!(shape.length === 3 || shape.length === 4)) {
      throw new IvaeInputError(
        `${where}: expected images of shape [n, height, width] or [n, height, width, channels], ` +
          `got [${shape.join(", ")}]`,
      );
    }
    const [n, h, w] = shape;
    const C = shape.length === 4 ? shape[3] : 1;
    const v = x.dataSync();
    let data: Float32Array;
    if (C === 1) data = Float32Array.from(v);
    else {
      data = new Float32Array(v.length);
      for (let i = 0; i < n; i++)
        for (let p = 0; p < h * w; p++)
          for (let k = 0; k < C; k++) data[(i * C + k) * h * w + p] = v[(i * h * w + p) * C + k];
    }
    stack = withChannels(data, n, h, w, C);
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
  if (channelCount(stack) !== wantC) {
    throw new IvaeInputError(
      `${where}: the images have ${channelCount(stack)} channel(s) but ${wantC} ` +
        (wantC === 1
          ? "is expected; pick one with channelAt(stack, k)"
          : `are expected (the model was built with channels: ${wantC}); ` +
            "merge single-channel stacks with mergeChannels"),
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
