import * as tf from "@tensorflow/tfjs";

/**
 * Group convolutions over rotations (the p4/p8 convolutions of Cohen & Welling 2016, as used by TARGET-VAE's
 * encoder, Nasiri & Bepler 2022, github.com/SMLC-NYSBC/TARGET-VAE `src/models.py` `GroupConv`): a filter bank is
 * applied in R rotated copies (angles α_r = 2πr/R, counter-clockwise as displayed), so rotating the input by α_1
 * rotates the feature maps spatially and shifts their rotation axis by one step. The math only (no parameters):
 * the fixed linear maps that turn a filter (coefficients of a steerable basis) into its R rotated copies, and the
 * im2col patch layouts. Written for
 * tfjs-wasm, which has no Conv2DBackpropFilter kernel: every convolution here is a patch matrix times a filter
 * matrix (a matmul, whose gradient the wasm backend has), and the rotated filter stack is a matmul of a fixed
 * table with the learned filter, so its gradient reaches the one learned copy.
 */

/** Radial width (px) of the rings of the steerable filter basis. */
const RING_SIGMA = 0.6;

/** Number of functions of the steerable basis of a k × k filter (see `filterBasis`). */
export function basisSize(k: number): number {
  let n = 0;
  for (let rho = 0; rho <= (k - 1) / 2; rho++) n += 2 * ringHarmonics(rho) + 1;
  return n;
}

/**
 * Highest angular harmonic on ring ρ: ρ (higher ones alias on the taps: m = 2 on the 3 × 3 ring keeps 79 % of its
 * norm at 45°).
 */
function ringHarmonics(rho: number): number {
  return rho;
}

/**
 * A steerable basis for k × k filters, turned by `alpha` (radians, counter-clockwise as displayed): [k², nb], column
 * j sampled at R(−α)p for every tap p. The functions are rings (Gaussian in the radius, centred on ρ = 0, 1, …,
 * (k − 1)/2 px) times the angular harmonics cos mφ, sin mφ (m ≤ `ringHarmonics(ρ)`), each of unit norm unturned.
 * Why a basis and not a pixel filter turned by interpolation: a filter turned by 45° through bilinear interpolation
 * is blurred and loses its corners, so the odd rotation bins respond systematically less (measured: scores
 * alternating ≈ 0.06 / 0.01 between even and odd bins at initialisation) and q(r|x) prefers multiples of 90°.
 * The basis functions are continuous and are sampled, not interpolated, at every angle (as in the steerable
 * filters of e2cnn, Weiler & Cesa 2019); quarter turns remain exact permutations of the taps.
 */
export function filterBasis(k: number, alpha: number): Float32Array {
  const nb = basisSize(k);
  const out = new Float32Array(k * k * nb);
  const c = (k - 1) / 2;
  let j = 0;
  for (let rho = 0; rho <= c; rho++) {
    for (let m = 0; m <= ringHarmonics(rho); m++) {
      for (const phase of m === 0 ? [0] : [0, Math.PI / 2]) {
        // the unturned function's norm, so that every column has unit norm at α = 0
        let norm = 0;
        for (let pass = 0; pass < 2; pass++) {
          for (let i = 0; i < k; i++)
            for (let jj = 0; jj < k; jj++) {
              const x = jj - c,
                y = c - i; // display frame, y up
              const r = Math.hypot(x, y);
              const phi = Math.atan2(y, x) - (pass === 0 ? 0 : alpha);
              const ang = m === 0 ? 1 : r < 1e-9 ? 0 : Math.cos(m * phi - phase);
              const v = Math.exp(-((r - rho) ** 2) / (2 * RING_SIGMA ** 2)) * ang;
              if (pass === 0) norm += v * v;
              else out[(i * k + jj) * nb + j] = v / Math.sqrt(norm);
            }
        }
        j++;
      }
    }
  }
  return out;
}

/**
 * The lifting table [R·k², nb]: block r is `filterBasis(k, 2πr/R)`. Times basis coefficients [nb, n] it gives the
 * R rotated copies of n filters, rotation-major ([R, k², n]).
 */
export function liftingTable(k: number, R: number): Table {
  const nb = basisSize(k);
  const out = new Float32Array(R * k * k * nb);
  for (let r = 0; r < R; r++) out.set(filterBasis(k, (2 * Math.PI * r) / R), r * k * k * nb);
  return { values: out, shape: [R * k * k, nb] };
}

/** A fixed table as plain values (made a tensor inside each call's tidy, so that no model holds extra tensors). */
export interface Table {
  values: Float32Array;
  shape: [number, number];
}

/**
 * The group-convolution table [k²·R·R, nb·R]: row (q, r_in, s), column (j, r′) holds B_s[q, j]·[r′ = r_in − s mod R]
 * (B_s = `filterBasis(k, α_s)`), so that table × coefficients [nb·R, n] (rows: basis function j, input rotation r′)
 * gives, for every output rotation s, the filter turned by α_s in space and cyclically shifted by s along the input
 * rotation axis: ψ_s(q, r) = ψ(R(−α_s) q, r − s). Rows are ordered (tap, input rotation, output rotation).
 */
export function groupTable(k: number, R: number): Table {
  const kk = k * k,
    nb = basisSize(k);
  const rows = kk * R * R,
    cols = nb * R;
  const out = new Float32Array(rows * cols);
  for (let s = 0; s < R; s++) {
    const basis = filterBasis(k, (2 * Math.PI * s) / R);
    for (let q = 0; q < kk; q++)
      for (let r = 0; r < R; r++) {
        const rp = (((r - s) % R) + R) % R;
        const row = (q * R + r) * R + s;
        for (let j = 0; j < nb; j++) out[row * cols + j * R + rp] = basis[q * nb + j];
      }
  }
  return { values: out, shape: [rows, cols] };
}

/**
 * The lifted filter matrix [k²·C, R·n] for an im2col of C-channel patches (column layout tap-major, then
 * channel) from learned basis coefficients [nb, C·n]: output column r·n + j is filter j turned by α_r.
 */
export function liftedFilters(table: Table, W: tf.Tensor2D, k: number, C: number, R: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = W.shape[1] / C;
    const t = tf.reshape(tf.matMul(tf.tensor2d(table.values, table.shape), W), [R, k * k, C, n]);
    return tf.reshape(tf.transpose(t, [1, 2, 0, 3]), [k * k * C, R * n]) as tf.Tensor2D;
  });
}

/**
 * The group filter matrix [k²·R·m, R·n] for an im2col of group features (tap-major, then rotation, then channel
 * m) from learned coefficients [nb·R, m·n] (rows: basis function, input rotation): output column s·n + j reads the
 * input turned as `groupTable` says.
 */
export function groupFilters(table: Table, W: tf.Tensor2D, k: number, R: number, m: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = W.shape[1] / m;
    const t = tf.reshape(tf.matMul(tf.tensor2d(table.values, table.shape), W), [k * k, R, R, m, n]);
    return tf.reshape(tf.transpose(t, [0, 1, 3, 2, 4]), [k * k * R * m, R * n]) as tf.Tensor2D;
  });
}

/**
 * im2col of data (no gradient needed): B images of C channel planes [B, C·H·W] → [B·H·W, k²·C] patches with zero
 * padding ("same" output size), columns tap-major then channel.
 */
export function dataPatches(x: Float32Array, B: number, C: number, H: number, W: number, k: number): Float32Array {
  const half = (k - 1) / 2,
    P = H * W,
    cols = k * k * C;
  const out = new Float32Array(B * P * cols);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const row = (b * P + i * W + j) * cols;
        for (let di = 0; di < k; di++) {
          const ii = i + di - half;
          if (ii < 0 || ii >= H) continue;
          for (let dj = 0; dj < k; dj++) {
            const jj = j + dj - half;
            if (jj < 0 || jj >= W) continue;
            for (let ch = 0; ch < C; ch++) out[row + (di * k + dj) * C + ch] = x[(b * C + ch) * P + ii * W + jj];
          }
        }
      }
  return out;
}

/**
 * im2col of a feature tensor [B, h, w, F] (differentiable: padding, slices and a concat) → [B·h·w, k²·F], zero
 * padding ("same"), columns tap-major then feature.
 */
export function tensorPatches(x: tf.Tensor4D, k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, h, w, F] = x.shape;
    const half = (k - 1) / 2;
    const p = tf.pad(x, [
      [0, 0],
      [half, half],
      [half, half],
      [0, 0],
    ]);
    const taps: tf.Tensor4D[] = [];
    for (let di = 0; di < k; di++)
      for (let dj = 0; dj < k; dj++) taps.push(tf.slice(p, [0, di, dj, 0], [B, h, w, F]) as tf.Tensor4D);
    return tf.reshape(tf.concat(taps, 3), [B * h * w, k * k * F]) as tf.Tensor2D;
  });
}

/**
 * Pooling weights [R, h·w, 3] turned with each rotation bin r: over the disk of `diskWeights`, the mean (column 0)
 * and the first moments (ρ/ρ_max)·cos(φ − α_r), (ρ/ρ_max)·sin(φ − α_r) about the centre (columns 1, 2; φ the
 * display angle of the pixel, α_r = 2πr/R). Why: a plain mean over space keeps only what the features are, not
 * where they lie; the moments in the frame of bin r tell where feature mass lies relative to that bin's direction
 * (as the polar scorer's first-harmonic kernel scores the ink asymmetry), and turning the image by α_1 maps the
 * weights of bin r onto those of bin r + 1, so the scores stay equivariant.
 */
export function orientedPooling(h: number, w: number, R: number): Float32Array {
  const disk = diskWeights(h, w);
  const out = new Float32Array(R * h * w * 3);
  const cy = (h - 1) / 2,
    cx = (w - 1) / 2,
    rMax = Math.min(h, w) / 2;
  for (let r = 0; r < R; r++) {
    const a = (2 * Math.PI * r) / R;
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const p = i * w + j,
          x = j - cx,
          y = cy - i; // display frame, y up
        const o = (r * h * w + p) * 3;
        out[o] = disk[p];
        // (ρ/ρmax)·cos(φ − α) = (x cos α + y sin α)/ρmax; (ρ/ρmax)·sin(φ − α) = (y cos α − x sin α)/ρmax
        out[o + 1] = (disk[p] * (x * Math.cos(a) + y * Math.sin(a))) / rMax;
        out[o + 2] = (disk[p] * (y * Math.cos(a) - x * Math.sin(a))) / rMax;
      }
  }
  return out;
}

/**
 * A disk of weights [h·w] summing to 1: the pixels within the largest inscribed circle (rotation-symmetric
 * pooling).
 */
export function diskWeights(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  const cy = (h - 1) / 2,
    cx = (w - 1) / 2,
    r = Math.min(h, w) / 2;
  let n = 0;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      if ((i - cy) ** 2 + (j - cx) ** 2 <= r * r) {
        out[i * w + j] = 1;
        n++;
      }
  return out.map((v) => v / n);
}
