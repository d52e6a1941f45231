import type { ImageStack } from "../data/image-stack";
import { centroids, polarImages, poseGeometry } from "../models/pose-encoder";
import { check, checkFinitePixels, checkInt } from "../util/errors";
import { circularMean, wrapAngle } from "./metrics";

/** Options of {@link synchroniseAngles}. */
export interface AngleSyncOptions {
  /** neighbours per image whose relative rotation enters the synchronisation (default 10) */
  neighbours?: number;
  /** images nearest by rotation-invariant features, compared in full before the neighbours are kept (default 50) */
  candidates?: number;
  /** iterations of the projected power method (default 200) */
  iterations?: number;
  /**
   * weight of a pair: "margin" (default: its correlation at the best rotation less the best one more than 45° away, so
   * that pairs that also match at a half-turn count little) or "similarity" (the correlation at the best rotation)
   */
  weight?: "similarity" | "margin";
  /** angular samples of the polar images (default 64) */
  steps?: number;
}

/** What {@link synchroniseAngles} returns. */
export interface AngleSync {
  /** per image, its rotation (radians, CCW as displayed) up to one common constant, circular mean 0 */
  angle: Float32Array;
  /** per image, the indices of its neighbours [n · neighbours] */
  neighbours: Int32Array;
  /** per pair in `neighbours`, the normalised correlation of the two images at their best relative rotation */
  similarity: Float32Array;
  /** per pair in `neighbours` (image i, its neighbour j), the measured rotation θ_i − θ_j (radians) */
  rotation: Float32Array;
  /** per pair in `neighbours`, its weight in the synchronisation (`weight` option; negative margins count 0) */
  weight: Float32Array;
  /** weighted mean of cos(θ_u − θ_v − r_uv) over the pairs: 1 when every measured rotation is honoured */
  consistency: number;
}

const HARMONICS = 7;

/** cos and sin of 2π m s / K ([s·(K/2+1) + m]; `correlationPhases`) */
type Phases = { cos: Float64Array; sin: Float64Array };

/**
 * Rotations of a set of images relative to one another, without a model: angular synchronisation (Singer 2011, as
 * cryo-EM uses it for class averages). Each image is compared with its nearest neighbours; the relative rotation of a
 * pair is the peak of the circular cross-correlation of the two polar images about their intensity centroids (the whole
 * image, so a digit and its half-turn differ), and the angles that agree best with all pairs are found by the projected
 * power method on the Hermitian matrix H_uv = w_uv e^{i r_uv}, w_uv the pair's margin (`weight`). Neighbours are
 * chosen by rotation-invariant features (magnitudes of the polar images' angular harmonics 0–6), then kept by their
 * correlation at the best rotation.
 * Objects of one kind that are linked through their neighbours end in one consistent frame; the frames of kinds that
 * share no neighbours are unrelated. Cost O(n² + n · candidates · steps · radii).
 */
export function synchroniseAngles(images: ImageStack, opts: AngleSyncOptions = {}): AngleSync {
  const where = "synchroniseAngles";
  check(images && images.n >= 2, where, `expected an ImageStack of at least 2 images, got ${images?.n}`);
  check(!images.channels || images.channels === 1, where, `expected one channel, got ${images.channels}`);
  const { n, height: H, width: W, data } = images;
  const k = opts.neighbours ?? 10;
  const M = opts.candidates ?? 50;
  const iters = opts.iterations ?? 200;
  checkInt(k, where, "neighbours", 1);
  checkInt(M, where, "candidates", 1);
  checkInt(iters, where, "iterations", 1);
  check(k < n, where, `neighbours must be below the number of images (${n}), got ${k}`);
  checkFinitePixels(data, H * W, where);
  const g = poseGeometry(H, W, opts.steps ?? 64);
  const phases = correlationPhases(g.steps);
  const spectra = polarSpectra(polarImages(data, n, g, centroids(data, n, H, W)), n, g.steps, g.radii, phases);
  const feats = invariantFeatures(spectra, n, g.radii);
  const nb = new Int32Array(n * k),
    sim = new Float32Array(n * k),
    rel = new Float64Array(n * k),
    margin = new Float32Array(n * k);
  const corr = new Float64Array(g.steps);
  const cands = Math.min(Math.max(M, k), n - 1);
  for (let i = 0; i < n; i++) {
    const near = nearest(feats, n, HARMONICS * g.radii, i, cands);
    const scored = Array.from(near, (j) => ({ j, ...bestRotation(spectra, g.steps, g.radii, i, j, corr, phases) }));
    scored.sort((a, b) => b.c - a.c);
    for (let q = 0; q < k; q++) {
      nb[i * k + q] = scored[q].j;
      sim[i * k + q] = scored[q].c;
      rel[i * k + q] = scored[q].rot;
      margin[i * k + q] = scored[q].margin;
    }
  }
  const w = Float32Array.from(sim, (v, q) => Math.max(0, opts.weight === "similarity" ? v : margin[q]));
  const theta = synchronise(n, k, nb, w, rel, iters);
  let agree = 0,
    total = 0;
  for (let i = 0; i < n; i++)
    for (let q = 0; q < k; q++) {
      agree += w[i * k + q] * Math.cos(theta[i] - theta[nb[i * k + q]] - rel[i * k + q]);
      total += w[i * k + q];
    }
  const c = circularMean(theta);
  return {
    angle: Float32Array.from(theta, (t) => wrapAngle(t - c)),
    neighbours: nb,
    similarity: sim,
    rotation: Float32Array.from(rel),
    weight: w,
    consistency: total > 0 ? agree / total : 0,
  };
}

/** Per image and radius, the angular DFT (m = 0…K/2) of the centred, radius-weighted unit-norm polar images. */
function polarSpectra(polar: Float32Array, n: number, K: number, R: number, phases: Phases): Float64Array {
  const Mh = K / 2 + 1;
  const out = new Float64Array(n * R * Mh * 2);
  const { cos, sin } = phases;
  const v = new Float64Array(K * R);
  for (let b = 0; b < n; b++) {
    let mean = 0;
    for (let q = 0; q < K * R; q++) mean += polar[b * K * R + q];
    mean /= K * R;
    let norm = 0;
    for (let a = 0; a < K; a++)
      for (let r = 0; r < R; r++) {
        const u = (polar[(b * K + a) * R + r] - mean) * Math.sqrt(r + 0.5);
        v[r * K + a] = u;
        norm += u * u;
      }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let r = 0; r < R; r++)
      for (let m = 0; m < Mh; m++) {
        let re = 0,
          im = 0;
        for (let a = 0; a < K; a++) {
          re += v[r * K + a] * cos[a * Mh + m];
          im -= v[r * K + a] * sin[a * Mh + m];
        }
        const o = ((b * R + r) * Mh + m) * 2;
        out[o] = re * s;
        out[o + 1] = im * s;
      }
  }
  return out;
}

/** Rotation-invariant features: |DFT| of harmonics 0…6 per radius, unit norm [n, HARMONICS·R]. */
function invariantFeatures(spec: Float64Array, n: number, R: number): Float64Array {
  const Mh = spec.length / (n * R * 2);
  const F = HARMONICS * R;
  const out = new Float64Array(n * F);
  for (let b = 0; b < n; b++) {
    let norm = 0;
    for (let m = 0; m < HARMONICS; m++)
      for (let r = 0; r < R; r++) {
        const o = ((b * R + r) * Mh + m) * 2;
        const mag = Math.hypot(spec[o], spec[o + 1]);
        out[b * F + m * R + r] = mag;
        norm += mag * mag;
      }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let f = 0; f < F; f++) out[b * F + f] *= s;
  }
  return out;
}

/** The `count` images nearest image i by cosine similarity of the features (i itself excluded). */
function nearest(f: Float64Array, n: number, F: number, i: number, count: number): number[] {
  const d: [number, number][] = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    let s = 0;
    for (let q = 0; q < F; q++) s += f[i * F + q] * f[j * F + q];
    d.push([s, j]);
  }
  d.sort((a, b) => b[0] - a[0]);
  return d.slice(0, count).map((e) => e[1]);
}

/**
 * The rotation of image i relative to image j (θ_i − θ_j, radians) and their correlation there: the peak of
 * corr(s) = Σ_r Σ_a p_i(a + s, r) p_j(a, r), evaluated from the spectra, refined by a parabola through the peak.
 */
function bestRotation(
  spec: Float64Array,
  K: number,
  R: number,
  i: number,
  j: number,
  corr: Float64Array,
  phases: Phases,
) {
  const Mh = K / 2 + 1;
  // cross-spectrum Σ_r F_i conj(F_j): corr(s) = (1/K) Σ_m w_m Re(X_m e^{+2πi m s/K}) for real signals
  let best = 0;
  const X = new Float64Array(Mh * 2);
  for (let r = 0; r < R; r++)
    for (let m = 0; m < Mh; m++) {
      const a = ((i * R + r) * Mh + m) * 2,
        b = ((j * R + r) * Mh + m) * 2;
      X[2 * m] += spec[a] * spec[b] + spec[a + 1] * spec[b + 1];
      X[2 * m + 1] += spec[a + 1] * spec[b] - spec[a] * spec[b + 1];
    }
  for (let s = 0; s < K; s++) {
    let c = 0;
    for (let m = 0; m < Mh; m++) {
      const w = m === 0 || m === K / 2 ? 1 : 2;
      c += w * (X[2 * m] * phases.cos[s * Mh + m] - X[2 * m + 1] * phases.sin[s * Mh + m]);
    }
    corr[s] = c / K;
    if (corr[s] > corr[best]) best = s;
  }
  const c0 = corr[(best + K - 1) % K],
    c1 = corr[best],
    c2 = corr[(best + 1) % K];
  const den = c0 - 2 * c1 + c2;
  const frac = den < 0 ? (0.5 * (c0 - c2)) / den : 0;
  // the best correlation outside ±45° of the peak: a pair that also matches at another rotation (a half-turn) is weak
  let alt = -Infinity;
  for (let s = 0; s < K; s++) {
    const d = Math.min((s - best + K) % K, (best - s + K) % K);
    if (d > K / 8 && corr[s] > alt) alt = corr[s];
  }
  // p_i(a + s) = p_j(a): image i shows image j turned counter-clockwise by s steps
  return { rot: wrapAngle((2 * Math.PI * (best + frac)) / K), c: c1, margin: c1 - alt };
}

/**
 * cos and sin of 2π m s / K for every angle step s and harmonic m ≤ K/2 ([s·(K/2+1) + m]): the DFT of the polar
 * images and the phases of `bestRotation`'s sum, the same for every image and pair, so computed once.
 */
function correlationPhases(K: number): Phases {
  const Mh = K / 2 + 1;
  const cos = new Float64Array(K * Mh),
    sin = new Float64Array(K * Mh);
  for (let s = 0; s < K; s++)
    for (let m = 0; m < Mh; m++) {
      const ph = (2 * Math.PI * m * s) / K;
      cos[s * Mh + m] = Math.cos(ph);
      sin[s * Mh + m] = Math.sin(ph);
    }
  return { cos, sin };
}

/** Projected power method for θ_u − θ_v ≈ r_uv over the neighbour pairs, each pair weighed by `weight`. */
function synchronise(n: number, k: number, nb: Int32Array, weight: Float32Array, rel: Float64Array, iters: number) {
  let re = new Float64Array(n).fill(1),
    im = new Float64Array(n);
  for (let it = 0; it < iters; it++) {
    const nr = new Float64Array(n),
      ni = new Float64Array(n);
    for (let u = 0; u < n; u++)
      for (let q = 0; q < k; q++) {
        const v = nb[u * k + q];
        const w = weight[u * k + q];
        const c = Math.cos(rel[u * k + q]) * w,
          s = Math.sin(rel[u * k + q]) * w;
        // x_u ← Σ w e^{i r_uv} x_v and x_v ← Σ w e^{−i r_uv} x_u (the pair seen from both ends)
        nr[u] += c * re[v] - s * im[v];
        ni[u] += c * im[v] + s * re[v];
        nr[v] += c * re[u] + s * im[u];
        ni[v] += c * im[u] - s * re[u];
      }
    for (let b = 0; b < n; b++) {
      const m = Math.hypot(nr[b], ni[b]);
      if (m > 0) {
        nr[b] /= m;
        ni[b] /= m;
      } else nr[b] = 1;
    }
    re = nr;
    im = ni;
  }
  return Float64Array.from({ length: n }, (_, b) => Math.atan2(im[b], re[b]));
}
