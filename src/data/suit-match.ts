/**
 * Which suit does an image show, and at what angle? The nearest-glyph rule of issue 13: an image (a decoded
 * cluster centre, a reconstruction) is compared with every suit's exact glyph at every trial rotation, after
 * moving its intensity centroid to the image centre (the glyphs' centroids are there by construction); the
 * suit and angle of the highest Pearson correlation win. A round blob or an inverted background then scores
 * low against every suit, where a drawn suit scores ≈ 1 against its own glyph.
 */
import { check, checkInt, IvaeInputError } from "../util/errors";
import { ImageStack } from "./image-stack";
import { fillPolygons } from "./rasterize";
import { rotateImages } from "./rotate";
import { SUIT_NAMES, SuitName, suitOutline } from "./suits";

/** Options of `glyphs` and `matchSuits`. */
export interface GlyphOptions {
  /** image side in pixels (default: the images' side for `matchSuits`, 48 for `glyphs`) */
  size?: number;
  /** glyph height as a fraction of the frame (default 0.45, the "ivae" style; the "notebook" style is 0.6) */
  scale?: number;
  /** suits, in label order (default clubs, spades, hearts, diamonds) */
  suits?: SuitName[];
}

/** Best match of each image against the suits' glyphs. */
export interface SuitMatch {
  /** index into the suits of the best-matching glyph */
  suit: Int32Array;
  /** rotation of that glyph, radians, counter-clockwise as displayed, in (−π, π] */
  angle: Float32Array;
  /** its Pearson correlation with the (centred) image; 0 for a constant image */
  correlation: Float32Array;
  /** best correlation minus the best of the other suits: how clearly the image is that suit and no other */
  margin: Float32Array;
  /** best correlation of image i with suit s over all trial angles, at [i * suits + s] */
  perSuit: Float32Array;
  suitNames: SuitName[];
}

function resolveSuits(where: string, suits: SuitName[] | undefined): SuitName[] {
  const s = suits ?? [...SUIT_NAMES];
  check(Array.isArray(s) && s.length > 0, where, `suits must be a non-empty array of ${SUIT_NAMES.join(", ")}`);
  for (const x of s) check((SUIT_NAMES as readonly string[]).includes(x), where, `unknown suit "${String(x)}"`);
  return [...s];
}

function resolveScale(where: string, scale: number | undefined): number {
  const g = scale ?? 0.45;
  check(
    typeof g === "number" && Number.isFinite(g) && g > 0 && g <= 2,
    where,
    `scale must be a number in (0, 2], got ${String(scale)}`,
  );
  return g;
}

/** One suit rendered exactly (area coverage) with its centroid at the image centre, rotated by `angle`. */
function renderGlyph(
  name: SuitName,
  size: number,
  scale: number,
  angle: number,
  out: Float32Array,
  offset: number,
): void {
  const g = size * scale,
    c0 = size / 2,
    ca = Math.cos(angle),
    sa = Math.sin(angle);
  const rings = suitOutline(name).rings.map((r) => {
    const v = new Float64Array(r.length);
    for (let q = 0; q < r.length; q += 2) {
      v[q] = c0 + g * (ca * r[q] - sa * r[q + 1]);
      v[q + 1] = c0 - g * (sa * r[q] + ca * r[q + 1]);
    }
    return v;
  });
  fillPolygons(rings, size, size, out, offset, 16);
}

/**
 * The upright glyph of each suit (centroid at the centre, no shear), one image per suit in label order:
 * the canonical pose a decoder should draw.
 */
export function glyphs(opts: GlyphOptions & { angle?: number } = {}): ImageStack {
  const where = "cards.glyphs";
  const size = opts.size ?? 48;
  checkInt(size, where, "size (image side in pixels)", 8);
  const scale = resolveScale(where, opts.scale);
  const suits = resolveSuits(where, opts.suits);
  const angle = opts.angle ?? 0;
  check(Number.isFinite(angle), where, `angle must be a finite number of radians, got ${String(opts.angle)}`);
  const px = size * size;
  const data = new Float32Array(suits.length * px);
  suits.forEach((s, i) => renderGlyph(s, size, scale, angle, data, i * px));
  return { data, n: suits.length, height: size, width: size };
}

/** Mean-free, unit-norm copy of a vector (zeros when it is constant). */
function standardise(v: Float32Array, out: Float64Array): void {
  let m = 0;
  for (let p = 0; p < v.length; p++) m += v[p];
  m /= v.length;
  let ss = 0;
  for (let p = 0; p < v.length; p++) {
    out[p] = v[p] - m;
    ss += out[p] * out[p];
  }
  const inv = ss > 1e-12 ? 1 / Math.sqrt(ss) : 0;
  for (let p = 0; p < v.length; p++) out[p] *= inv;
}

/**
 * Matches every image against every suit's glyph at `steps` trial angles (default 72, every 5°; the best
 * angle is refined by a parabola through its neighbours). Images must be square; the glyph scale must be the
 * data's (0.45 for `cards.lecture`'s default style, 0.6 for `style: "notebook"`).
 */
export function matchSuits(images: ImageStack, opts: GlyphOptions & { steps?: number } = {}): SuitMatch {
  const where = "cards.matchSuits";
  check(images && images.data instanceof Float32Array, where, "expected an ImageStack as the first argument");
  const { n, height, width } = images;
  check(height === width, where, `images must be square, got ${height}x${width}`);
  check(n >= 1, where, "expected at least one image");
  if (opts.size !== undefined && opts.size !== width) {
    throw new IvaeInputError(`${where}: size ${opts.size} does not match the images (${width} px)`);
  }
  const size = width,
    px = size * size;
  const scale = resolveScale(where, opts.scale);
  const suits = resolveSuits(where, opts.suits);
  const steps = opts.steps ?? 72;
  checkInt(steps, where, "steps (trial angles)", 4);
  const k = suits.length;

  // Templates: suit s at angle 2πj/steps, standardised.
  const tpl = new Float64Array(k * steps * px);
  const tmp = new Float32Array(px),
    std = new Float64Array(px);
  for (let s = 0; s < k; s++)
    for (let j = 0; j < steps; j++) {
      tmp.fill(0);
      renderGlyph(suits[s], size, scale, (2 * Math.PI * j) / steps, tmp, 0);
      standardise(tmp, std);
      tpl.set(std, (s * steps + j) * px);
    }

  // Move each image's intensity centroid to the centre (bicubic shift), where the glyphs' centroids are.
  const dx = new Float32Array(n),
    dy = new Float32Array(n),
    c = (size - 1) / 2,
    lim = size / 4;
  for (let i = 0; i < n; i++) {
    let m = 0,
      mx = 0,
      my = 0;
    for (let p = 0; p < px; p++) {
      const v = Math.max(0, images.data[i * px + p]);
      m += v;
      mx += v * (p % size);
      my += v * Math.floor(p / size);
    }
    if (m > 0) {
      dx[i] = Math.max(-lim, Math.min(lim, c - mx / m));
      dy[i] = Math.max(-lim, Math.min(lim, c - my / m));
    }
  }
  const centred = rotateImages(images, { angle: 0, dx, dy, clamp: false }).images;

  const suit = new Int32Array(n),
    angle = new Float32Array(n),
    correlation = new Float32Array(n);
  const perSuit = new Float32Array(n * k),
    scores = new Float64Array(steps);
  for (let i = 0; i < n; i++) {
    standardise(centred.data.subarray(i * px, (i + 1) * px), std);
    let best = -Infinity;
    for (let s = 0; s < k; s++) {
      let bestJ = 0;
      for (let j = 0; j < steps; j++) {
        const o = (s * steps + j) * px;
        let dot = 0;
        for (let p = 0; p < px; p++) dot += std[p] * tpl[o + p];
        scores[j] = dot;
        if (dot > scores[bestJ]) bestJ = j;
      }
      perSuit[i * k + s] = scores[bestJ];
      if (scores[bestJ] > best) {
        best = scores[bestJ];
        suit[i] = s;
        // parabola through the neighbours (cyclic) for a sub-step angle
        const a = scores[(bestJ + steps - 1) % steps],
          b = scores[bestJ],
          d = scores[(bestJ + 1) % steps];
        const den = a - 2 * b + d;
        const shift = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - d)) / den)) : 0;
        let ang = (2 * Math.PI * (bestJ + shift)) / steps;
        if (ang > Math.PI) ang -= 2 * Math.PI;
        angle[i] = ang;
        correlation[i] = b;
      }
    }
  }
  const margin = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let second = -Infinity;
    for (let s = 0; s < k; s++) if (s !== suit[i]) second = Math.max(second, perSuit[i * k + s]);
    margin[i] = k > 1 ? correlation[i] - second : correlation[i];
  }
  return { suit, angle, correlation, margin, perSuit, suitNames: suits };
}
