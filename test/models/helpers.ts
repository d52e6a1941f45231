import { ImageStack } from "../../src/data/image-stack";
import { Random } from "../../src/util/random";

/** An L-shaped glyph (arms of different lengths: no rotational symmetry) with soft edges, in grid units. */
export function lShape(x: number, y: number, size = 1): number {
  const s = (v: number) => 1 / (1 + Math.exp(-v / 0.06));
  x /= size;
  y /= size;
  const arm1 = s(x + 0.15) * s(0.65 - x) * s(0.15 - Math.abs(y));
  const arm2 = s(y + 0.15) * s(0.35 - y) * s(0.15 - Math.abs(x));
  return Math.min(1, arm1 + arm2);
}

/**
 * n images H×W of the L glyph rotated by angle[i] (CCW as displayed) and shifted by (dx, dy) px,
 * optionally scaled per image (content factor). Pixel c shows f(R(−θ)(c − t)).
 */
export function renderShapes(
  n: number,
  H: number,
  opts: { maxAngle?: number; maxShift?: number; seed?: number; sizes?: number[] } = {},
) {
  const rng = new Random(opts.seed ?? 1);
  const maxAngle = opts.maxAngle ?? Math.PI / 2;
  const data = new Float32Array(n * H * H);
  const angle = new Float32Array(n),
    dx = new Float32Array(n),
    dy = new Float32Array(n),
    size = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    angle[k] = rng.uniform(-maxAngle, maxAngle);
    dx[k] = opts.maxShift ? rng.uniform(-opts.maxShift, opts.maxShift) : 0;
    dy[k] = opts.maxShift ? rng.uniform(-opts.maxShift, opts.maxShift) : 0;
    size[k] = opts.sizes ? opts.sizes[rng.int(opts.sizes.length)] : 1;
    const c = Math.cos(angle[k]),
      s = Math.sin(angle[k]);
    const tx = (2 * dx[k]) / (H - 1),
      ty = (-2 * dy[k]) / (H - 1);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        const x = -1 + (2 * j) / (H - 1) - tx,
          y = 1 - (2 * i) / (H - 1) - ty;
        // R(−θ)(x, y)
        data[(k * H + i) * H + j] = lShape(c * x + s * y, -s * x + c * y, size[k]);
      }
    }
  }
  const images: ImageStack = { data, n, height: H, width: H };
  return { images, angle, dx, dy, size };
}

/** Circular correlation (Fisher & Lee / Jammalamadaka) of two angle samples. */
export function circCorr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const mean = (v: ArrayLike<number>) => {
    let s = 0,
      c = 0;
    for (let i = 0; i < v.length; i++) {
      s += Math.sin(v[i]);
      c += Math.cos(v[i]);
    }
    return Math.atan2(s, c);
  };
  const ma = mean(a),
    mb = mean(b);
  let num = 0,
    da = 0,
    db = 0;
  for (let i = 0; i < a.length; i++) {
    const sa = Math.sin(a[i] - ma),
      sb = Math.sin(b[i] - mb);
    num += sa * sb;
    da += sa * sa;
    db += sb * sb;
  }
  return num / Math.sqrt(da * db);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A small rVAE on 16-px glyphs, quick to build and train: the frame tests' common options. */
export const SMALL_RVAE_16 = {
  imageShape: [16, 16] as [number, number],
  latentDim: 2,
  encoderHidden: [32],
  decoderHidden: [32, 32],
  rotationSteps: 16,
  frameCandidates: 2,
  seed: 2,
};
