import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";
import { frameScoresHook, resampleHook } from "../native/hooks";
import { dense, fastTanh } from "./ops";
import { ParamStore } from "./params";

/**
 * Rotation-equivariant pose inference for the rVAE (`poseEncoder: "equivariant"`).
 *
 * Why: with a plain MLP encoder the angle latent of an rVAE collapses to its prior once rotations are
 * large (cards3, ±120°): the decoder first learns rotation-blurred shapes, which give the angle no
 * gradient, and nothing breaks the symmetry (docs/experiments/rvae-angle-collapse.md; TARGET-VAE,
 * Nasiri & Bepler 2022, report the same for spatial-VAE). Here the angle is read where a rotation is
 * only a shift: the image is resampled on a polar grid around its intensity centroid, a learned score is
 * computed for each of K trial angles by a circular convolution over that grid, and the best trial gives
 * the angle. Rotating the input shifts the scores cyclically, so the inferred angle turns with the image
 * by construction (γ(R_δ x) = γ(x) + δ on the trial grid); training only has to agree on one canonical
 * orientation per class. The content z and the shift are then read by the usual MLP from the image
 * centred and de-rotated by that angle, so z cannot encode rotation.
 *
 * The angle is the best trial angle refined by a softmax over the trials within ±45° of it (less than
 * 90°, so that two-fold symmetric shapes, whose scores repeat every 180°, stay well defined) plus a
 * residual of at most one step from the content MLP. Scores get gradients through that softmax, the
 * residual through the content path. The geometry (centroid, polar and de-rotated resampling) acts on
 * the data only and runs in plain JS.
 */

/** Fixed geometry of the equivariant pose encoder for one image size. */
export interface PoseGeometry {
  height: number;
  width: number;
  /** trial angles K */
  steps: number;
  /** polar radii R */
  radii: number;
  /** kernel width of the circular convolution over angle, in trial steps (odd) */
  kernel: number;
  /** largest polar radius, pixels */
  rMax: number;
}

/** Defaults: 64 trial angles (5.6°), one radius per 1.5 px, a kernel spanning half a turn. */
export function poseGeometry(height: number, width: number, steps = 64): PoseGeometry {
  const rMax = Math.min(height, width) / 2 - 1;
  const radii = Math.max(4, Math.round(rMax / 1.5));
  const kernel = 2 * Math.floor(steps / 4) + 1;
  return { height, width, steps, radii, kernel, rMax };
}

/** Scorer weights: circular convolution over angle (kernel·R → C), then a 1×1 layer to one score. */
export interface PoseScorer {
  W0: tf.Variable;
  b0: tf.Variable;
  /** no bias: the scores enter only through a softmax and an argmax, which ignore a common offset */
  W1: tf.Variable;
  geometry: PoseGeometry;
}

const SCORER_CHANNELS = 32;

/**
 * Creates the scorer's parameters in `params` (names pose.*) and its fixed tables. `init.poseKernelHarmonics` is
 * the highest angular harmonic of the initial kernel (default 1; see `smoothKernel`).
 */
export function createPoseScorer(
  params: ParamStore,
  geometry: PoseGeometry,
  rng: Random,
  init: { poseKernelHarmonics?: number } = {},
): PoseScorer {
  const { steps: K, radii: R, kernel: kw } = geometry;
  const harmonics = init.poseKernelHarmonics ?? 1;
  return {
    W0: params.add("pose.0.W", [kw * R, SCORER_CHANNELS], smoothKernel(kw, R, K, SCORER_CHANNELS, rng, harmonics)),
    b0: params.zeros("pose.0.b", SCORER_CHANNELS),
    W1: params.glorot("pose.1.W", SCORER_CHANNELS, 1, rng),
    geometry,
  };
}

/**
 * Initial kernel of the circular convolution: per channel and radius a random mix of the angular harmonics
 * 0 … `harmonics` over the kernel's span, scaled like Glorot. Why: a white-noise kernel gives every class several
 * near-equal score peaks, so images of one class start in different frames and the decoder learns each
 * frame as a separate variant that training rarely merges (cards3, 4 seeds: mean |ρ| 0.89–0.99 with
 * white noise, 0.95–1.00 with this). A first-harmonic kernel (the default, `harmonics` 1) has one peak per
 * image, at the direction of the radial-weighted intensity asymmetry. With 2 the kernel also responds to the
 * image's axis (second harmonic), which is shared by the members of an elongated class even where their ink
 * asymmetry differs (rotated digits; docs/experiments/rotated-digits-pose.md, session 8). With `harmonics` 1 the
 * random draws are exactly those of earlier versions, so seeded models are unchanged.
 */
function smoothKernel(kw: number, R: number, K: number, C: number, rng: Random, harmonics = 1): Float32Array {
  const rows = kw * R,
    half = (kw - 1) / 2;
  // 2·harmonics + 1 terms of variance 1/3 each: rescaled so that the kernel's spread is that of harmonics 1
  const scale = Math.sqrt(6 / (rows + C)) * Math.sqrt(3 / (2 * harmonics + 1));
  const v = new Float32Array(rows * C);
  const coef = new Float64Array(2 * harmonics + 1);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < R; r++) {
      for (let h = 0; h < coef.length; h++) coef[h] = rng.uniform(-1, 1); // a0, a1, b1, a2, b2, …
      for (let j = 0; j < kw; j++) {
        const th = (2 * Math.PI * (j - half)) / K;
        let s = coef[0];
        // summed in the order of earlier versions (a0 + a1·cos + b1·sin), so harmonics 1 gives their exact floats
        for (let h = 1; h <= harmonics; h++) {
          s += coef[2 * h - 1] * Math.cos(h * th);
          s += coef[2 * h] * Math.sin(h * th);
        }
        v[(j * R + r) * C + c] = scale * s;
      }
    }
  }
  return v;
}

/** Bilinear sample of one image (row-major H×W) at fractional (row, col); 0 outside. */
function bilinear(img: Float32Array, off: number, H: number, W: number, row: number, col: number): number {
  const i0 = Math.floor(row),
    j0 = Math.floor(col);
  const fy = row - i0,
    fx = col - j0;
  let v = 0;
  if (i0 >= 0 && i0 < H) {
    if (j0 >= 0 && j0 < W) v += (1 - fx) * (1 - fy) * img[off + i0 * W + j0];
    if (j0 + 1 >= 0 && j0 + 1 < W) v += fx * (1 - fy) * img[off + i0 * W + j0 + 1];
  }
  if (i0 + 1 >= 0 && i0 + 1 < H) {
    if (j0 >= 0 && j0 < W) v += (1 - fx) * fy * img[off + (i0 + 1) * W + j0];
    if (j0 + 1 >= 0 && j0 + 1 < W) v += fx * fy * img[off + (i0 + 1) * W + j0 + 1];
  }
  return v;
}

/**
 * Intensity centroid of each image in pixels (row, col); the image centre when an image is blank.
 * Returns [B·2] as (row, col) pairs.
 */
export function centroids(x: Float32Array, B: number, H: number, W: number): Float64Array {
  if (resampleHook.centroids) return resampleHook.centroids(x, B, H, W); // native, threaded (src/native)
  const out = new Float64Array(2 * B);
  const P = H * W;
  for (let b = 0; b < B; b++) {
    let s = 0,
      sr = 0,
      sc = 0;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const v = Math.max(0, x[b * P + i * W + j]);
        s += v;
        sr += v * i;
        sc += v * j;
      }
    }
    out[2 * b] = s > 0 ? sr / s : (H - 1) / 2;
    out[2 * b + 1] = s > 0 ? sc / s : (W - 1) / 2;
  }
  return out;
}

/**
 * Polar resampling around each centroid: [B, K·R] (trial-major), angle α_k = 2πk/K counter-clockwise
 * from +x as displayed, radius (r + ½)·rMax/R. Each sample averages three sub-angles so that the scores
 * vary smoothly with rotations smaller than one step.
 */
export function polarImages(x: Float32Array, B: number, g: PoseGeometry, centre: Float64Array): Float32Array {
  if (resampleHook.polar) return resampleHook.polar(x, B, g, centre); // native, threaded (src/native)
  const { height: H, width: W, steps: K, radii: R, rMax } = g;
  const P = H * W;
  const out = new Float32Array(B * K * R);
  // sample offsets (row, col) per (trial, radius, sub-angle), the same for every image
  const offsets = new Float64Array(K * R * 3 * 2);
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < R; r++) {
      const rad = ((r + 0.5) * rMax) / R;
      for (let t = 0; t < 3; t++) {
        const a = (2 * Math.PI * (k + (t - 1) / 3)) / K;
        const o = ((k * R + r) * 3 + t) * 2;
        offsets[o] = -rad * Math.sin(a);
        offsets[o + 1] = rad * Math.cos(a);
      }
    }
  }
  for (let b = 0; b < B; b++) {
    const cr = centre[2 * b],
      cc = centre[2 * b + 1];
    for (let q = 0; q < K * R; q++) {
      let v = 0;
      for (let t = 0; t < 3; t++)
        v += bilinear(x, b * P, H, W, cr + offsets[(q * 3 + t) * 2], cc + offsets[(q * 3 + t) * 2 + 1]);
      out[b * K * R + q] = v / 3;
    }
  }
  return out;
}

/**
 * Each image centred on its centroid and de-rotated by `angle` (radians, CCW as displayed): output pixel
 * p (offset from the image centre, y up) shows the input at centroid + R(angle)·p.
 */
export function normalisedImages(
  x: Float32Array,
  B: number,
  H: number,
  W: number,
  centre: Float64Array,
  angle: Float32Array,
): Float32Array {
  if (resampleHook.normalised) return resampleHook.normalised(x, B, H, W, centre, angle); // native (src/native)
  const P = H * W;
  const out = new Float32Array(B * P);
  const cy = (H - 1) / 2,
    cx = (W - 1) / 2;
  for (let b = 0; b < B; b++) {
    const cos = Math.cos(angle[b]),
      sin = Math.sin(angle[b]);
    const cr = centre[2 * b],
      cc = centre[2 * b + 1];
    for (let i = 0; i < H; i++) {
      const Y = cy - i;
      for (let j = 0; j < W; j++) {
        const X = j - cx;
        const sx = X * cos - Y * sin,
          sy = X * sin + Y * cos; // y up
        out[b * P + i * W + j] = bilinear(x, b * P, H, W, cr - sy, cc + sx);
      }
    }
  }
  return out;
}

const WINDOW_RAD = Math.PI / 4 + 1e-6;

/**
 * Frame scores [B, K] of a batch of polar images [B, K·R] (trial-major). The circular im2col is built in JS:
 * the polar images are data (no gradient), and tfjs-wasm's gather is ≈ 40× slower than this copy here.
 */
export function frameScores(polar: Float32Array, B: number, s: PoseScorer): tf.Tensor2D {
  if (frameScoresHook.kernel) return frameScoresHook.kernel(polar, B, s); // native fused op (src/native)
  const { steps: K, radii: R, kernel: kw } = s.geometry;
  const half = (kw - 1) / 2;
  const block = kw * R;
  const cols = new Float32Array(B * K * block);
  // each image's polar rows padded circularly by `half` on both sides, so that every window is one copy
  const padded = new Float32Array((K + kw - 1) * R);
  for (let b = 0; b < B; b++) {
    const img = polar.subarray(b * K * R, (b + 1) * K * R);
    padded.set(img.subarray((K - half) * R), 0);
    padded.set(img, half * R);
    padded.set(img.subarray(0, half * R), (half + K) * R);
    for (let k = 0; k < K; k++) cols.set(padded.subarray(k * R, k * R + block), (b * K + k) * block);
  }
  return tf.tidy(() => {
    const h = fastTanh(
      dense(tf.tensor2d(cols, [B * K, kw * R]), s.W0 as tf.Tensor2D, s.b0 as tf.Tensor1D),
    ) as tf.Tensor2D;
    return tf.reshape(dense(h, s.W1 as tf.Tensor2D), [B, K]) as tf.Tensor2D;
  });
}

/** Signed angular distance of trial k from trial c, in (−π, π]. */
function trialOffset(k: number, c: number, K: number): number {
  const d = (2 * Math.PI * (k - c)) / K;
  return Math.atan2(Math.sin(d), Math.cos(d));
}

/**
 * The best `count` frames of each image from its scores [B·K] (row-major): the argmax, then the argmax
 * among trials more than `separation` (default 45°) from the frames already taken; when none is left, the
 * first frame again. Returns `count` arrays of trial indices.
 */
export function topFrames(
  scores: ArrayLike<number>,
  B: number,
  K: number,
  count: number,
  separation = Math.PI / 4,
): Int32Array[] {
  const out = Array.from({ length: count }, () => new Int32Array(B));
  for (let b = 0; b < B; b++) {
    const taken: number[] = [];
    for (let c = 0; c < count; c++) {
      const best = bestFreeTrial(scores, b, K, taken, separation);
      out[c][b] = best < 0 ? taken[0] : best;
      taken.push(out[c][b]);
    }
  }
  return out;
}

/** The best-scoring trial of image b more than `separation` from every trial in `taken`; −1 when none is left. */
function bestFreeTrial(scores: ArrayLike<number>, b: number, K: number, taken: number[], separation: number): number {
  const sep = separation + 1e-6;
  let best = -1,
    bestV = -Infinity;
  for (let k = 0; k < K; k++) {
    if (taken.some((t) => Math.abs(trialOffset(k, t, K)) <= sep)) continue;
    const v = scores[b * K + k];
    if (v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}

/**
 * Candidate frames in opposite pairs: the best `count / 2` axes (trials at least `separation` apart, also from
 * each other's opposites), each as the better-scoring trial k and k + K/2. Why: a two-fold-ambiguous shape (a
 * "3" and the "ε" it becomes at 180°) has one broad score peak, so the best frames all lie within ±90° of it
 * and a wrong half-turn can never be undone by decoding; with the opposite frame among the candidates the
 * decoder settles it. `count` must be even. Returns `count` arrays of trial indices (pair members adjacent).
 */
export function oppositeFrames(
  scores: ArrayLike<number>,
  B: number,
  K: number,
  count: number,
  separation = Math.PI / 4,
): Int32Array[] {
  const out = Array.from({ length: count }, () => new Int32Array(B));
  const half = Math.round(K / 2);
  for (let b = 0; b < B; b++) {
    const taken: number[] = [];
    for (let c = 0; c < count / 2; c++) {
      let best = bestFreeTrial(scores, b, K, taken, separation);
      if (best < 0) best = taken[0];
      const opp = (best + half) % K;
      out[2 * c][b] = best;
      out[2 * c + 1][b] = opp;
      taken.push(best, opp);
    }
  }
  return out;
}

/**
 * The angle of each image from its frame scores: trial `centre[b]` refined by a softmax over the trials
 * within ±45° of it. Differentiable in the scores; returns [B] radians (unwrapped; callers wrap).
 */
export function windowedAngle(scores: tf.Tensor2D, centre: Int32Array): tf.Tensor1D {
  const [B, K] = scores.shape;
  const rel = new Float32Array(B * K),
    penalty = new Float32Array(B * K),
    base = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    base[b] = (2 * Math.PI * centre[b]) / K;
    for (let k = 0; k < K; k++) {
      const r = trialOffset(k, centre[b], K);
      rel[b * K + k] = r;
      penalty[b * K + k] = Math.abs(r) <= WINDOW_RAD ? 0 : -1e9;
    }
  }
  return tf.tidy(() => {
    const w = tf.softmax(tf.add(scores, tf.tensor2d(penalty, [B, K])));
    return tf.add(tf.tensor1d(base), tf.sum(tf.mul(w, tf.tensor2d(rel, [B, K])), 1)) as tf.Tensor1D;
  });
}
