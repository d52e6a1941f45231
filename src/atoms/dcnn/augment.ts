import { Random } from "../../util/random";
import { IvaeInputError } from "../../util/errors";
import { estimateLatticeScale } from "../scale";
import { gaussianBlur } from "../filters";
import { normalizeForNet, resampleImage, targetMap } from "./resample";
import { TARGET_SIGMA } from "./net";
import { drawSource } from "./sources";

/** The column spacing (px) the net works at: the finder resizes every image so its spacing is this. */
export const CANONICAL_SPACING = 10;

/** One training image at the canonical scale: the normalised input and its target map. */
export interface TrainingImage {
  input: Float32Array;
  target: Float32Array;
  height: number;
  width: number;
}

/** Smallest nearest-neighbour distance present (10th percentile of the columns' NN distances), px. */
export function truthSpacing(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length,
    nn = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(x[i] - x[j], y[i] - y[j]);
      if (d < nn[i]) nn[i] = d;
      if (d < nn[j]) nn[j] = d;
    }
  const s = Array.from(nn).sort((a, b) => a - b);
  return s[Math.floor(0.1 * (n - 1))];
}

/**
 * One training image: a synthetic STEM image ({@link drawSource}: the perovskite, polycrystal and domain
 * generators and the two-site basis lattices) resampled to the canonical scale (see the comment on the two
 * ways below: the finder's scale estimate can be the smallest spacing or a lattice period), then augmented:
 * Gaussian blur, extra Gaussian noise, fast-scan streaks, a background gradient, a smooth thickness bump,
 * sometimes a vacuum/amorphous region without columns (removed from the target), gamma; normalised as the
 * finder does. The target marks every column, both columns of a dumbbell included.
 */
export function trainingImage(seed: number): TrainingImage {
  const rng = new Random(seed);
  const { s, estimatedScaleOnly } = drawSource(rng, seed);
  const H0 = s.image.height,
    W0 = s.image.width;
  // half the images at the scale the finder will use (estimateLatticeScale, which on a perovskite with dim
  // B sites returns the A–A period, so the B columns land at 0.64 canonical spacings), half at the true
  // smallest spacing × U(0.55, 1.3); the basis lattices always at the estimate (on Si [110] it is the
  // dumbbell-to-dumbbell distance, so the pair lands 0.25–0.45 canonical spacings apart)
  let spacing = truthSpacing(s.truth.x, s.truth.y),
    jitter = rng.uniform(0.55, 1.3);
  if (estimatedScaleOnly || rng.next() < 0.5) {
    try {
      spacing = estimateLatticeScale(s.image).spacing;
      jitter = rng.uniform(0.85, 1.2);
    } catch (e) {
      if (!(e instanceof IvaeInputError)) throw e;
    }
  }
  const f = (CANONICAL_SPACING * jitter) / spacing;
  let { data, height: H, width: W } = resampleImage(s.image.data, H0, W0, f);
  const tx = Array.from(s.truth.x, (v) => (v + 0.5) * (W / W0) - 0.5),
    ty = Array.from(s.truth.y, (v) => (v + 0.5) * (H / H0) - 0.5);
  if (rng.next() < 0.3) data = gaussianBlur(data, H, W, rng.uniform(0.3, 1.2));
  let lo = Infinity,
    hi = -Infinity;
  for (const v of data) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
  const range = hi - lo || 1;
  // vacuum or amorphous material over a random half-plane: no columns there, only its own noise
  const keep = tx.map(() => true);
  if (rng.next() < 0.25) {
    const th = rng.uniform(0, 2 * Math.PI),
      off = rng.uniform(-0.3, 0.3) * Math.min(H, W);
    const nx = Math.cos(th),
      ny = Math.sin(th),
      level = lo + rng.uniform(0, 0.5) * range;
    const amorph = gaussianBlur(
      Float32Array.from({ length: H * W }, () => rng.normal()),
      H,
      W,
      rng.uniform(0.5, 2),
    );
    const amp = rng.uniform(0, 0.3) * range;
    const side = (x: number, y: number) => (x - W / 2) * nx + (y - H / 2) * ny > off;
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) if (side(j, i)) data[i * W + j] = level + amp * amorph[i * W + j];
    for (let k = 0; k < tx.length; k++) if (side(tx[k], ty[k])) keep[k] = false;
  }
  // background gradient and a broad bump (thickness), extra white noise
  const gx = rng.uniform(-1, 1) * range * rng.uniform(0, 0.6),
    gy = rng.uniform(-1, 1) * range * rng.uniform(0, 0.6);
  const bx = rng.uniform(0, W),
    by = rng.uniform(0, H),
    bs = rng.uniform(0.2, 0.6) * Math.max(H, W),
    ba = rng.uniform(-0.5, 0.8) * range;
  const noise = rng.next() < 0.5 ? rng.uniform(0, 0.25) * range : 0;
  // fast-scan streaks (noise correlated along the rows, as on the Si [110] and YBCO images): white noise
  // smeared along x only; the crops' 90° turns show it in both directions
  const streak = rng.next() < 0.3 ? rowSmear(H, W, rng.uniform(1, 4), rng) : null;
  const streakAmp = streak ? rng.uniform(0.03, 0.15) * range : 0;
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) {
      const b = ba * Math.exp(-((j - bx) ** 2 + (i - by) ** 2) / (2 * bs * bs));
      data[i * W + j] +=
        gx * (j / W - 0.5) +
        gy * (i / H - 0.5) +
        b +
        noise * rng.normal() +
        (streak ? streakAmp * streak[i * W + j] : 0);
    }
  let input = normalizeForNet(data);
  if (rng.next() < 0.3) {
    const g = Math.exp(rng.uniform(-0.5, 0.5));
    input = input.map((v) => Math.sign(v) * Math.abs(v) ** g);
  }
  const kx = tx.filter((_, k) => keep[k]),
    ky = ty.filter((_, k) => keep[k]);
  return { input, target: targetMap(kx, ky, H, W, TARGET_SIGMA), height: H, width: W };
}

/** Unit-variance white noise smeared along the rows by a Gaussian of σ px (streaks of the fast scan). */
function rowSmear(H: number, W: number, sigma: number, rng: Random): Float32Array {
  const r = Math.ceil(3 * sigma),
    k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const norm = Math.sqrt(k.reduce((a, v) => a + v * v, 0));
  const w = new Float32Array(H * (W + 2 * r)).map(() => rng.normal());
  const out = new Float32Array(H * W);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) {
      let acc = 0;
      for (let t = 0; t <= 2 * r; t++) acc += k[t] * w[i * (W + 2 * r) + j + t];
      out[i * W + j] = acc / norm;
    }
  return out;
}

/**
 * A random crop of side `side` from a training image (padded with its edge when smaller), turned by a
 * random multiple of 90° and mirrored at random, with a random contrast scale and offset. Writes into the
 * given arrays at offset `o`.
 */
export function randomCrop(
  t: TrainingImage,
  side: number,
  rng: Random,
  xOut: Float32Array,
  yOut: Float32Array,
  o: number,
): void {
  const { height: H, width: W } = t;
  const y0 = rng.int(Math.max(1, H - side + 1)),
    x0 = rng.int(Math.max(1, W - side + 1));
  const rot = rng.int(4),
    flip = rng.next() < 0.5;
  const a = rng.uniform(0.7, 1.3),
    b = rng.uniform(-0.15, 0.15);
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) {
      let u = flip ? side - 1 - j : j,
        v = i;
      for (let r = 0; r < rot; r++) [u, v] = [side - 1 - v, u];
      const yy = Math.min(H - 1, y0 + v),
        xx = Math.min(W - 1, x0 + u);
      xOut[o + i * side + j] = a * t.input[yy * W + xx] + b;
      yOut[o + i * side + j] = t.target[yy * W + xx];
    }
}
