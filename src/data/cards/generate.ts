/**
 * The "cards" data set of the invariant-VAE lecture: the four playing-card suits, each image a random
 * rotation, shear and translation of one suit, with the ground-truth factors kept.
 *
 * How it relates to the lecture's recipe (Valleti/Kalinin `rvae_cards.ipynb`, see docs): there four
 * screenshots of black suit glyphs were resized, inverted and warped with kornia `Affine` (bilinear
 * resampling). Here the suits are vector outlines (`suits.ts`); the affine map is applied to the outline
 * and the result is rasterised once with exact area coverage (`rasterize.ts`), so images carry no
 * resampling blur or JPEG ringing, and the factors are exact.
 *
 * The transform, in display coordinates (x right, y up, origin at the image centre), of a canonical
 * outline point p is   p' = size·scale · R(angle) · S(shear) · p + (dx, −dy)
 * - R(γ) = [[cos γ, −sin γ], [sin γ, cos γ]]: counter-clockwise positive as displayed.
 * - S(s) = [[1, t], [t, 1 + t²]], t = tan s: kornia's shear with sx = sy = s (the lecture's choice), written
 *   for a y-up frame. It is symmetric with determinant 1, i.e. a pure area-preserving strain along the
 *   diagonals with no rotational part, so the rotation factor stays exactly `angle`.
 * - dx to the right, dy downward (image rows), in pixels. The outline's area centroid is at the origin, so
 *   (dx, dy) is the displacement of the shape's centre of mass from the image centre.
 * Shear is applied first, then rotation, then translation, as in kornia's `get_affine_matrix2d`.
 *
 * Translation: the lecture passes `translation = 0.1` to kornia, which reads it in *pixels* (a sub-pixel
 * jitter). We follow the intended "±10 % of the image" (torchvision's `translate = 0.1` meaning):
 * dx, dy ~ U(−0.1·size, 0.1·size), ±4.8 px at 48 × 48, drawn independently for x and y (kornia drew one
 * value for both, which would make translation a one-dimensional factor). Set `maxShift` to change it.
 *
 * Scale: `scaleJitter: r` multiplies each glyph by a factor ~ U(1 − r, 1 + r) about its centroid (ground
 * truth `factors.scale`), for scale-invariance experiments; r = 0 (default) draws nothing, so the data sets
 * without jitter are unchanged.
 */
import { check, checkInt, nonNegativeOr } from "../../util/errors";
import { Random } from "../../util/random";
import { ImageStack } from "../image-stack";
import { fillPolygons } from "../rasterize";
import { SUIT_NAMES, SUIT_SYMMETRY, SuitName, suitOutline } from "../suits";
import { CARDS_VARIANTS } from "./variants";

/** Options of `cards.generate`. Angles in radians, shifts in pixels. */
export interface CardsOptions {
  /** number of images (default 12000 = 4 × 3000, as in the lecture) */
  n?: number;
  /** image height = width in pixels (default 48; at least 8) */
  size?: number;
  /** rotation angle ~ U(−maxRotation, maxRotation), radians (default 12° = cards1) */
  maxRotation?: number;
  /** shear ~ U(−maxShear, maxShear), radians (default 1° = cards1) */
  maxShear?: number;
  /** dx, dy ~ U(−maxShift, maxShift) independently, pixels (default 0.1·size) */
  maxShift?: number;
  /** suits to draw, in label order (default all four: clubs, spades, hearts, diamonds) */
  suits?: SuitName[];
  /** glyph height (bounding box, before shear) / image size (default 0.45; the lecture notebook's glyphs: 0.60) */
  scale?: number;
  /** random scale factor ~ U(1 − scaleJitter, 1 + scaleJitter) per image, in [0, 1) (default 0: none) */
  scaleJitter?: number;
  /** equal counts per suit (±1) when true (default); otherwise each suit drawn independently at random */
  balanced?: boolean;
  /** random order (default true); false gives suit-blocked order 0,…,0,1,…, as in the lecture notebook */
  shuffle?: boolean;
  /** sub-scanlines per pixel row in the coverage computation (default 8; x coverage is exact) */
  supersample?: number;
  /** seed of the random factors (default 0) */
  seed?: number;
}

/** Ground-truth generative factors, one entry per image. */
export interface CardsFactors {
  /** suit index into `suitNames` */
  suit: Int32Array;
  /** rotation, radians, counter-clockwise positive as displayed */
  angle: Float32Array;
  /** shear s (radians) of S(s) = [[1, tan s], [tan s, 1 + tan² s]] */
  shear: Float32Array;
  /** horizontal displacement of the shape's centroid from the image centre, pixels, + right */
  dx: Float32Array;
  /** vertical displacement, pixels, + down */
  dy: Float32Array;
  /** scale factor of the glyph about its centroid (1 = `options.scale`; all 1 unless `scaleJitter` > 0) */
  scale: Float32Array;
}

/** A generated cards data set. */
export interface CardsDataSet {
  /** n × size × size, values in [0, 1]: the suit bright (1) on a dark (0) background */
  images: ImageStack;
  factors: CardsFactors;
  /** index → suit name */
  suitNames: SuitName[];
  /** per suit index: order of rotational symmetry (diamonds 2, others 1) */
  symmetry: number[];
  /** the options after filling in defaults */
  options: Required<CardsOptions>;
}

const WHERE = "cards.generate";

function resolve(opts: CardsOptions): Required<CardsOptions> {
  check(opts !== null && typeof opts === "object", WHERE, `options must be an object, got ${String(opts)}`);
  const known = new Set([
    "n",
    "size",
    "maxRotation",
    "maxShear",
    "maxShift",
    "suits",
    "scale",
    "scaleJitter",
    "balanced",
    "shuffle",
    "supersample",
    "seed",
  ]);
  for (const k of Object.keys(opts)) {
    check(known.has(k), WHERE, `unknown option "${k}"; expected one of ${[...known].join(", ")}`);
  }
  const n = opts.n ?? 12000;
  checkInt(n, WHERE, "n (number of images)", 1);
  const size = opts.size ?? 48;
  checkInt(size, WHERE, "size (image side in pixels)", 8);
  check(size <= 1024, WHERE, `size must be at most 1024 pixels, got ${size}`);
  const nonNeg = (v: number | undefined, what: string, dflt: number) => nonNegativeOr(v, dflt, WHERE, what);
  const maxRotation = nonNeg(opts.maxRotation, "maxRotation (radians)", CARDS_VARIANTS.cards1.maxRotation);
  const maxShear = nonNeg(opts.maxShear, "maxShear (radians)", CARDS_VARIANTS.cards1.maxShear);
  check(maxShear < 1.2, WHERE, `maxShear must be below 1.2 rad (69°; tan explodes towards 90°), got ${maxShear}`);
  const maxShift = nonNeg(opts.maxShift, "maxShift (pixels)", 0.1 * size);
  const scale = nonNeg(opts.scale, "scale (glyph height / image size)", 0.45);
  check(scale > 0 && scale <= 2, WHERE, `scale must be in (0, 2], got ${scale}`);
  const scaleJitter = nonNeg(opts.scaleJitter, "scaleJitter (relative scale change)", 0);
  check(
    scaleJitter < 1,
    WHERE,
    `scaleJitter must be below 1 (the factor is drawn from [1 − r, 1 + r]), got ${scaleJitter}`,
  );
  const suits = opts.suits ?? [...SUIT_NAMES];
  check(Array.isArray(suits) && suits.length > 0, WHERE, `suits must be a non-empty array of ${SUIT_NAMES.join(", ")}`);
  for (const s of suits) {
    check(
      (SUIT_NAMES as readonly string[]).includes(s),
      WHERE,
      `unknown suit "${String(s)}"; expected one of ${SUIT_NAMES.join(", ")}`,
    );
  }
  check(new Set(suits).size === suits.length, WHERE, `suits must not repeat, got [${suits.join(", ")}]`);
  const supersample = opts.supersample ?? 8;
  checkInt(supersample, WHERE, "supersample", 1);
  check(supersample <= 64, WHERE, `supersample must be at most 64, got ${supersample}`);
  const seed = opts.seed ?? 0;
  check(typeof seed === "number" && Number.isFinite(seed), WHERE, `seed must be a finite number, got ${String(seed)}`);
  const balanced = opts.balanced ?? true;
  const shuffle = opts.shuffle ?? true;
  check(typeof balanced === "boolean", WHERE, `balanced must be true or false, got ${String(balanced)}`);
  check(typeof shuffle === "boolean", WHERE, `shuffle must be true or false, got ${String(shuffle)}`);
  return {
    n,
    size,
    maxRotation,
    maxShear,
    maxShift,
    suits: [...suits],
    scale,
    scaleJitter,
    balanced,
    shuffle,
    supersample,
    seed,
  };
}

/**
 * Generates a cards data set with every parameter open. Same options (seed included), same images.
 * Takes about 0.1 ms per 48 × 48 image.
 */
export function generate(opts: CardsOptions = {}): CardsDataSet {
  const o = resolve(opts);
  const { n, size, suits } = o;
  const rng = new Random(o.seed);
  const k = suits.length;

  // Suit labels: balanced = the cyclic sequence 0..k-1 (counts differ by at most one), then shuffled;
  // otherwise independent uniform draws. Unshuffled output is suit-blocked like the lecture's arrays.
  const suit = new Int32Array(n);
  if (o.balanced) {
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[i % k]++;
    let p = 0;
    for (let s = 0; s < k; s++) for (let c = 0; c < counts[s]; c++) suit[p++] = s;
  } else {
    for (let i = 0; i < n; i++) suit[i] = rng.int(k);
    if (!o.shuffle) suit.sort();
  }
  if (o.shuffle && o.balanced) rng.shuffle(suit);

  const angle = new Float32Array(n),
    shear = new Float32Array(n),
    dx = new Float32Array(n),
    dy = new Float32Array(n);
  const scale = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    angle[i] = rng.uniform(-o.maxRotation, o.maxRotation);
    shear[i] = rng.uniform(-o.maxShear, o.maxShear);
    dx[i] = rng.uniform(-o.maxShift, o.maxShift);
    dy[i] = rng.uniform(-o.maxShift, o.maxShift);
    // drawn only when asked, so that sets without jitter keep their numbers
    if (o.scaleJitter > 0) scale[i] = rng.uniform(1 - o.scaleJitter, 1 + o.scaleJitter);
  }

  const outlines = suits.map((s) => suitOutline(s));
  const px = size * size;
  const data = new Float32Array(n * px);
  // Per-suit scratch rings in pixel coordinates, reused for every image.
  const scratch = outlines.map((ol) => ol.rings.map((r) => new Float64Array(r.length)));
  const c0 = size / 2;
  for (let i = 0; i < n; i++) {
    const si = suit[i];
    const g = size * o.scale * scale[i];
    // The factors are stored as float32; transform with exactly the stored values so they are the truth.
    const a = angle[i],
      t = Math.tan(shear[i]);
    const ca = Math.cos(a),
      sa = Math.sin(a);
    // M = g · R · S (display frame, y up), S = [[1, t], [t, 1 + t²]]
    const m00 = g * (ca - sa * t),
      m01 = g * (ca * t - sa * (1 + t * t));
    const m10 = g * (sa + ca * t),
      m11 = g * (sa * t + ca * (1 + t * t));
    const ox = c0 + dx[i],
      oy = c0 + dy[i];
    const src = outlines[si].rings,
      dst = scratch[si];
    for (let r = 0; r < src.length; r++) {
      const u = src[r],
        v = dst[r];
      for (let q = 0; q < u.length; q += 2) {
        const x = u[q],
          y = u[q + 1];
        v[q] = ox + m00 * x + m01 * y;
        v[q + 1] = oy - (m10 * x + m11 * y); // y up → image rows down
      }
    }
    fillPolygons(dst, size, size, data, i * px, o.supersample);
  }

  return {
    images: { data, n, height: size, width: size },
    factors: { suit, angle, shear, dx, dy, scale },
    suitNames: [...suits],
    symmetry: suits.map((s) => SUIT_SYMMETRY[s]),
    options: o,
  };
}
