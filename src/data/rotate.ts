/**
 * A seeded rotation (and optional shift) of any ImageStack, with the applied pose returned as ground truth:
 * the data side of the rotated-objects benchmarks (rotated digits, rotated patches).
 *
 * Geometry (the repository's convention, docs/DEVELOPERS.md): angles in radians, counter-clockwise positive
 * as the image is displayed; dx in pixels to the right, dy in pixels downward. The pivot is the **image
 * centre** ((width−1)/2, (height−1)/2) in pixel-index coordinates, which is the origin of the rVAE's
 * coordinate grid, so the returned (angle, dx, dy) is the pose the decoder must apply to the upright image.
 * A content point p (display frame, y up, relative to the centre) lands at  p' = R(angle)·p + (dx, −dy).
 * The image centre rather than the intensity centroid: the pose then does not depend on an estimate made
 * from the pixels, and for MNIST (digits centred by centre of mass) the two agree to about half a pixel.
 * The centroid of an image moves to  c + R(angle)(m − c) + (dx, dy)  (rows down), which is (dx, dy) when
 * it started at the centre.
 *
 * Resampling: each output pixel is the inverse-mapped point of the input, interpolated with the Keys
 * cubic convolution kernel (a = −0.5, what OpenCV INTER_CUBIC and PIL BICUBIC use) or bilinearly. Both
 * interpolate (they reproduce the input at whole-pixel positions), so angle 0 with no shift is the identity
 * and quarter turns of a square image are exact index permutations. Bicubic is the default because it is
 * third-order accurate and keeps thin strokes: bilinear weights at half-pixel offsets average two pixels,
 * which blurs 2-px MNIST strokes (measured against exact rendering in test/data/rotate.test.ts and docs).
 * A rotation neither shrinks nor enlarges, so no low-pass prefilter is needed against aliasing. Outside the
 * frame the input is zero (zero padding); the cubic's small overshoot at edges is clipped to the input's
 * value range (widened to include the padding value 0) unless `clamp: false`.
 */
import { check, checkFinite, IvaeInputError, nonNegativeOr } from "../util/errors";
import { Random } from "../util/random";
import { ImageStack, pixelRange } from "./image-stack";

/** Interpolation kernel of `rotateImages`. */
export type Interpolation = "bicubic" | "bilinear";

/** Options of `rotateImages`. Angles in radians, shifts in pixels. */
export interface RotateOptions {
  /** angle ~ U(−maxAngle, maxAngle), radians in [0, π] (default π: any orientation); not with `angle` */
  maxAngle?: number;
  /** dx, dy ~ U(−maxShift, maxShift) independently, pixels (default 0); not with `dx`/`dy` */
  maxShift?: number;
  /** explicit angles instead of random ones: one for all images or one per image (radians) */
  angle?: number | ArrayLike<number>;
  /** explicit horizontal shifts (pixels, + right): one for all or one per image */
  dx?: number | ArrayLike<number>;
  /** explicit vertical shifts (pixels, + down): one for all or one per image */
  dy?: number | ArrayLike<number>;
  /** resampling kernel (default "bicubic") */
  interpolation?: Interpolation;
  /** clip the output to the input's value range widened to include 0 (default true) */
  clamp?: boolean;
  /** seed of the random angles and shifts (default 0) */
  seed?: number;
}

/** Rotated images with the pose applied to each one. */
export interface RotatedImages {
  /** same n, height and width as the input */
  images: ImageStack;
  /** rotation applied to image i, radians, counter-clockwise as displayed, about the image centre */
  angle: Float32Array;
  /** shift applied after the rotation, pixels, + right */
  dx: Float32Array;
  /** shift applied after the rotation, pixels, + down */
  dy: Float32Array;
}

const WHERE = "rotateImages";
const KEYS = ["maxAngle", "maxShift", "angle", "dx", "dy", "interpolation", "clamp", "seed"];

/** Per-image values: explicit (a number or one per image) or drawn from U(−max, max). */
function factor(
  n: number,
  explicit: number | ArrayLike<number> | undefined,
  max: number,
  rng: Random,
  what: string,
): Float32Array {
  const out = new Float32Array(n);
  if (explicit === undefined) {
    if (max > 0) for (let i = 0; i < n; i++) out[i] = rng.uniform(-max, max);
    return out;
  }
  if (typeof explicit === "number") {
    check(Number.isFinite(explicit), WHERE, `${what} must be finite, got ${explicit}`);
    return out.fill(explicit);
  }
  check(
    explicit !== null && typeof explicit === "object" && typeof explicit.length === "number",
    WHERE,
    `${what} must be a number or an array of ${n} numbers, got ${String(explicit)}`,
  );
  check(explicit.length === n, WHERE, `${what} has ${explicit.length} values but there are ${n} images`);
  checkFinite(explicit, WHERE, what);
  out.set(explicit);
  return out;
}

function nonNegative(v: unknown, what: string, dflt: number): number {
  return nonNegativeOr(v, dflt, WHERE, what);
}

/**
 * Rotates (and optionally shifts) every image of `stack` by a seeded random or given pose and returns
 * the images with the pose applied to each. Same options, same output. Angles are drawn first, then dx,
 * then dy, so a seed gives the same angles whatever `maxShift` is.
 */
export function rotateImages(stack: ImageStack, opts: RotateOptions = {}): RotatedImages {
  check(
    stack !== null && typeof stack === "object" && stack.data instanceof Float32Array,
    WHERE,
    "expected an ImageStack {data: Float32Array, n, height, width} as the first argument",
  );
  const { n, height, width } = stack;
  const sizesOk =
    Number.isInteger(n) && n >= 0 && Number.isInteger(height) && height >= 1 && Number.isInteger(width) && width >= 1;
  check(
    sizesOk && stack.data.length === n * height * width,
    WHERE,
    `the ImageStack's data has ${stack.data.length} values, expected n*height*width = ${n}*${height}*${width}`,
  );
  check(opts !== null && typeof opts === "object", WHERE, `options must be an object, got ${String(opts)}`);
  for (const k of Object.keys(opts)) {
    check(KEYS.includes(k), WHERE, `unknown option "${k}"; expected one of ${KEYS.join(", ")}`);
  }
  if (opts.angle !== undefined && opts.maxAngle !== undefined) {
    throw new IvaeInputError(`${WHERE}: give either angle (explicit) or maxAngle (random), not both`);
  }
  if ((opts.dx !== undefined || opts.dy !== undefined) && opts.maxShift !== undefined) {
    throw new IvaeInputError(`${WHERE}: give either dx/dy (explicit) or maxShift (random), not both`);
  }
  const maxAngle = nonNegative(opts.maxAngle, "maxAngle (radians)", Math.PI);
  check(maxAngle <= Math.PI + 1e-12, WHERE, `maxAngle must be at most π (a full turn either way), got ${maxAngle}`);
  const maxShift = nonNegative(opts.maxShift, "maxShift (pixels)", 0);
  const interpolation = opts.interpolation ?? "bicubic";
  check(
    interpolation === "bicubic" || interpolation === "bilinear",
    WHERE,
    `interpolation must be "bicubic" or "bilinear", got ${String(opts.interpolation)}`,
  );
  const clamp = opts.clamp ?? true;
  check(typeof clamp === "boolean", WHERE, `clamp must be true or false, got ${String(opts.clamp)}`);
  const seed = opts.seed ?? 0;
  check(
    typeof seed === "number" && Number.isFinite(seed),
    WHERE,
    `seed must be a finite number, got ${String(opts.seed)}`,
  );
  checkFinite(stack.data, WHERE, "the images");

  const rng = new Random(seed);
  const angle = factor(n, opts.angle, maxAngle, rng, "angle");
  const dx = factor(n, opts.dx, opts.dx === undefined && opts.dy !== undefined ? 0 : maxShift, rng, "dx");
  const dy = factor(n, opts.dy, opts.dy === undefined && opts.dx !== undefined ? 0 : maxShift, rng, "dy");

  const px = height * width;
  const out = new Float32Array(n * px);
  const sample = interpolation === "bicubic" ? sampleBicubic : sampleBilinear;
  for (let i = 0; i < n; i++) {
    // The stored float32 values are the ones applied, so the returned pose is exact.
    rotateOne(stack.data, i * px, height, width, angle[i], dx[i], dy[i], out, i * px, sample);
  }
  if (clamp && n > 0) {
    const [lo0, hi0] = pixelRange(stack);
    const lo = Math.min(lo0, 0),
      hi = Math.max(hi0, 0);
    for (let p = 0; p < out.length; p++) {
      const v = out[p];
      if (v < lo) out[p] = lo;
      else if (v > hi) out[p] = hi;
    }
  }
  return { images: { data: out, n, height, width }, angle, dx, dy };
}

/**
 * The pose that undoes a given one: rotating by `angle`, `dx`, `dy` and then by the result returns the
 * original image (up to interpolation error and whatever left the frame).
 * From p' = R(γ)p + t it follows p = R(−γ)p' − R(−γ)t, with t = (dx, −dy) in the y-up frame.
 */
export function inversePose(pose: { angle: ArrayLike<number>; dx: ArrayLike<number>; dy: ArrayLike<number> }): {
  angle: Float32Array;
  dx: Float32Array;
  dy: Float32Array;
} {
  const n = pose.angle.length;
  check(pose.dx.length === n && pose.dy.length === n, "inversePose", "angle, dx and dy must have the same length");
  const angle = new Float32Array(n),
    dx = new Float32Array(n),
    dy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.cos(pose.angle[i]),
      s = Math.sin(pose.angle[i]);
    const tx = pose.dx[i],
      ty = -pose.dy[i];
    angle[i] = -pose.angle[i];
    // −R(−γ)t = −(c·tx + s·ty, −s·tx + c·ty), back to rows-down for dy
    dx[i] = -(c * tx + s * ty);
    dy[i] = -s * tx + c * ty;
  }
  return { angle, dx, dy };
}

type Sampler = (src: Float32Array, off: number, h: number, w: number, sx: number, sy: number) => number;

/** Writes one rotated image: every output pixel takes the input at its inverse-mapped position. */
function rotateOne(
  src: Float32Array,
  srcOff: number,
  h: number,
  w: number,
  angle: number,
  dx: number,
  dy: number,
  out: Float32Array,
  outOff: number,
  sample: Sampler,
): void {
  const c = Math.cos(angle),
    s = Math.sin(angle);
  const xc = (w - 1) / 2,
    yc = (h - 1) / 2;
  for (let i = 0; i < h; i++) {
    const v = yc - i + dy; // y up, relative to the shifted centre
    for (let j = 0; j < w; j++) {
      const u = j - xc - dx;
      // R(−γ)(u, v), back to column / row indices
      const sx = xc + c * u + s * v;
      const sy = yc - (-s * u + c * v);
      out[outOff + i * w + j] = sample(src, srcOff, h, w, sx, sy);
    }
  }
}

/** Input value at whole pixel (r, col), zero outside the frame. */
function at(src: Float32Array, off: number, h: number, w: number, r: number, col: number): number {
  return r >= 0 && r < h && col >= 0 && col < w ? src[off + r * w + col] : 0;
}

function sampleBilinear(src: Float32Array, off: number, h: number, w: number, sx: number, sy: number): number {
  if (sx <= -1 || sy <= -1 || sx >= w || sy >= h) return 0;
  const x0 = Math.floor(sx),
    y0 = Math.floor(sy);
  const fx = sx - x0,
    fy = sy - y0;
  const top = (1 - fx) * at(src, off, h, w, y0, x0) + fx * at(src, off, h, w, y0, x0 + 1);
  const bottom = (1 - fx) * at(src, off, h, w, y0 + 1, x0) + fx * at(src, off, h, w, y0 + 1, x0 + 1);
  return (1 - fy) * top + fy * bottom;
}

const wx = new Float64Array(4),
  wy = new Float64Array(4);

/** Keys (1981) cubic convolution weights, a = −0.5, for the taps at −1, 0, 1, 2 of a fraction t in [0, 1). */
function keysWeights(t: number, out: Float64Array): void {
  const t2 = t * t,
    t3 = t2 * t;
  out[0] = -0.5 * t3 + t2 - 0.5 * t;
  out[1] = 1.5 * t3 - 2.5 * t2 + 1;
  out[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  out[3] = 0.5 * t3 - 0.5 * t2;
}

function sampleBicubic(src: Float32Array, off: number, h: number, w: number, sx: number, sy: number): number {
  if (sx <= -2 || sy <= -2 || sx >= w + 1 || sy >= h + 1) return 0;
  const x0 = Math.floor(sx),
    y0 = Math.floor(sy);
  keysWeights(sx - x0, wx);
  keysWeights(sy - y0, wy);
  let acc = 0;
  const inside = x0 >= 1 && x0 + 2 < w && y0 >= 1 && y0 + 2 < h;
  for (let a = 0; a < 4; a++) {
    const r = y0 - 1 + a;
    let row = 0;
    if (inside) {
      const base = off + r * w + x0 - 1;
      row = wx[0] * src[base] + wx[1] * src[base + 1] + wx[2] * src[base + 2] + wx[3] * src[base + 3];
    } else {
      for (let b = 0; b < 4; b++) row += wx[b] * at(src, off, h, w, r, x0 - 1 + b);
    }
    acc += wy[a] * row;
  }
  return acc;
}
