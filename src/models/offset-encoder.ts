import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";
import { dense, fastTanh } from "./ops";
import { ParamStore } from "./params";

/**
 * Translation-equivariant offset inference (`offsetEncoder: "equivariant"`), the translation analogue of
 * the pose encoder, for windows cut on a grid without atom finding.
 *
 * Why: a window cut from a lattice at an arbitrary offset is the same content shifted by up to half a
 * cell, and a one-pass MLP encoder does not learn that offset reliably (sliding windows on the BiFeO3-like
 * image: the shift-VAE's z still predicted the window offset with R² 0.6–0.7, docs/MICROSCOPY.md). Here a
 * learned kernel is correlated with the window at every integer shift within `radius` of the centre (a third of the
 * side)
 * (a convolution, so shifting the content shifts the scores); the best shift, refined by a softmax over
 * its 3×3 neighbours, re-centres the window, and the usual MLP reads z and a residual (at most one pixel)
 * from the re-centred window. z therefore does not move with the window offset by construction.
 */

/** Fixed geometry of the offset search for one window size. */
export interface OffsetGeometry {
  height: number;
  width: number;
  /** largest shift tried, pixels (in x and y) */
  radius: number;
  /** side of the learned kernel, pixels (odd) */
  kernel: number;
}

/**
 * Default search radius: a third of the window (a window of about one unit cell then always has a column
 * of each kind within reach, so every window can centre on the same kind); a kernel of ±side/8. On a
 * lattice, half the largest cell period is enough (offsets are only defined modulo a cell), and a smaller
 * radius leaves a larger central square for z: pass `radius` for windows of several cells.
 */
export function offsetGeometry(
  height: number,
  width: number,
  radius = defaultOffsetSearchRadius(height, width),
): OffsetGeometry {
  const side = Math.min(height, width);
  return { height, width, radius, kernel: 2 * Math.max(1, Math.floor(side / 8)) + 1 };
}

/** The default largest shift of the equivariant offset encoder, px: a third of the shorter image side. */
export function defaultOffsetSearchRadius(height: number, width: number): number {
  return Math.max(1, Math.floor(Math.min(height, width) / 3));
}

/** Scorer weights (kernel² → C channels, tanh, → 1) and the im2col table of the candidate shifts. */
export interface OffsetScorer {
  W0: tf.Variable;
  b0: tf.Variable;
  /** no bias: only the argmax and a softmax of the scores are used */
  W1: tf.Variable;
  /** [Q·kernel²] pixel index of kernel tap j at candidate shift q (candidate-major) */
  unfold: Int32Array;
  /** pixel shift (dx right, dy down) of each candidate */
  shifts: Int32Array;
  geometry: OffsetGeometry;
}

const CHANNELS = 16;

/**
 * Creates the scorer's parameters (names offset.*). The kernel starts as a Gaussian blob plus a little
 * noise and the output weights positive, so that at the start the best shift is the brightest blob near
 * the centre: a column, the same choice for every window of a lattice (compare `smoothKernel` of the
 * pose encoder for why a consistent start matters).
 */
export function createOffsetScorer(params: ParamStore, g: OffsetGeometry, rng: Random): OffsetScorer {
  const { height: H, width: W, radius: r, kernel: kk } = g;
  const half = (kk - 1) / 2;
  const cy = Math.floor(H / 2),
    cx = Math.floor(W / 2);
  const side = 2 * r + 1;
  const shifts = new Int32Array(2 * side * side);
  const idx = new Int32Array(side * side * kk * kk);
  let q = 0;
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      shifts[2 * q] = dx;
      shifts[2 * q + 1] = dy;
      for (let a = 0; a < kk; a++) {
        for (let b = 0; b < kk; b++) {
          const row = Math.min(H - 1, Math.max(0, cy + dy + a - half));
          const col = Math.min(W - 1, Math.max(0, cx + dx + b - half));
          idx[(q * kk + a) * kk + b] = row * W + col;
        }
      }
      q++;
    }
  }
  const sigma = Math.max(1, kk / 4);
  const w0 = new Float32Array(kk * kk * CHANNELS);
  const scale = Math.sqrt(6 / (kk * kk + CHANNELS));
  for (let a = 0; a < kk; a++) {
    for (let b = 0; b < kk; b++) {
      const blob = Math.exp(-((a - half) ** 2 + (b - half) ** 2) / (2 * sigma * sigma));
      for (let c = 0; c < CHANNELS; c++) w0[(a * kk + b) * CHANNELS + c] = scale * (blob + 0.1 * rng.uniform(-1, 1));
    }
  }
  const w1 = new Float32Array(CHANNELS).map(() => (1 + 0.1 * rng.uniform(-1, 1)) / CHANNELS);
  return {
    W0: params.add("offset.0.W", [kk * kk, CHANNELS], w0),
    b0: params.zeros("offset.0.b", CHANNELS),
    W1: params.add("offset.1.W", [CHANNELS, 1], w1),
    unfold: idx,
    shifts,
    geometry: g,
  };
}

/** Scores [B, Q] of every candidate shift of a batch of windows x [B·P] (im2col in JS: x is data). */
export function shiftScores(x: Float32Array, B: number, s: OffsetScorer): tf.Tensor2D {
  const kk = s.geometry.kernel;
  const Q = s.shifts.length / 2;
  const P = s.geometry.height * s.geometry.width;
  const T = s.unfold.length;
  const cols = new Float32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) cols[b * T + t] = x[b * P + s.unfold[t]];
  return tf.tidy(() => {
    const h = fastTanh(
      dense(tf.tensor2d(cols, [B * Q, kk * kk]), s.W0 as tf.Tensor2D, s.b0 as tf.Tensor1D),
    ) as tf.Tensor2D;
    return tf.reshape(dense(h, s.W1 as tf.Tensor2D), [B, Q]) as tf.Tensor2D;
  });
}

/**
 * The shift of each window in pixels (dx right, dy down): the best candidate refined by a softmax over
 * the candidates within one pixel of it (3×3). Differentiable in the scores; returns [B, 2].
 */
export function refinedShift(scores: tf.Tensor2D, s: OffsetScorer): tf.Tensor2D {
  const [B, Q] = scores.shape;
  const v = scores.dataSync();
  const penalty = new Float32Array(B * Q).fill(-1e9);
  const sx = new Float32Array(Q),
    sy = new Float32Array(Q);
  for (let q = 0; q < Q; q++) {
    sx[q] = s.shifts[2 * q];
    sy[q] = s.shifts[2 * q + 1];
  }
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let q = 1; q < Q; q++) if (v[b * Q + q] > v[b * Q + best]) best = q;
    for (let q = 0; q < Q; q++) {
      if (Math.abs(sx[q] - sx[best]) <= 1 && Math.abs(sy[q] - sy[best]) <= 1) penalty[b * Q + q] = 0;
    }
  }
  return tf.tidy(() => {
    const w = tf.softmax(tf.add(scores, tf.tensor2d(penalty, [B, Q])));
    return tf.stack([tf.sum(tf.mul(w, tf.tensor1d(sx)), 1), tf.sum(tf.mul(w, tf.tensor1d(sy)), 1)], 1) as tf.Tensor2D;
  });
}

/**
 * Each window resampled so that the point at centre + (dx, dy) px comes to the centre (bilinear), then cut
 * to the central square that every shift up to `margin` px keeps inside the window (zero around it). Why
 * the cut: otherwise the band of pixels a shift brings in from outside the window (zeros) moves with the
 * offset and z would see it; with the cut all re-centred windows have the same support.
 */
export function recentredImages(
  x: Float32Array,
  B: number,
  H: number,
  W: number,
  shift: Float32Array,
  margin = 0,
): Float32Array {
  const P = H * W;
  const out = new Float32Array(B * P);
  for (let b = 0; b < B; b++) {
    const dx = shift[2 * b],
      dy = shift[2 * b + 1];
    const j0 = Math.floor(dx),
      i0 = Math.floor(dy);
    const fx = dx - j0,
      fy = dy - i0;
    for (let i = margin; i < H - margin; i++) {
      for (let j = margin; j < W - margin; j++) {
        let v = 0;
        const r = i + i0,
          c = j + j0;
        const at = (rr: number, cc: number) => (rr >= 0 && rr < H && cc >= 0 && cc < W ? x[b * P + rr * W + cc] : 0);
        v +=
          (1 - fx) * (1 - fy) * at(r, c) +
          fx * (1 - fy) * at(r, c + 1) +
          (1 - fx) * fy * at(r + 1, c) +
          fx * fy * at(r + 1, c + 1);
        out[b * P + i * W + j] = v;
      }
    }
  }
  return out;
}
