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
 * Two styles of `cards.lecture`: "ivae" (default, above: glyph height 0.45 of the frame, shifts ±10 %) and
 * "notebook", the lecture notebook's own look: glyph height 0.60 of the frame and shifts ±0.1 px. The 0.60
 * was measured on the notebook's four JPEGs (m3-learning/m3_learning, identical to its cards.zip) put through
 * its recipe (grey, bilinear resize to 64 × 64, invert, CenterCrop 48): the glyphs (coverage > 0.5) are
 * 30, 30, 27 and 29 px tall in the 48-px frame (clubs, spades, hearts, diamonds; 0.56-0.63, mean 0.60) and
 * 31, 25, 26, 22 px wide, with 1691 px of ink for the four together; ours at 0.60 have 1677 (the shapes
 * differ: our hearts are fuller, our diamond narrower). Turned about the centre the notebook's glyphs sweep a
 * disc of 0.67-0.72 of the frame, not 90 %. Its glyph centroids sit 0.9-2.4 px off the frame centre (the
 * screenshots were not centred; spades most), so its ±120° rotations also move them by up to ~4 px; ours
 * are centred.
 *
 * Scale: `scaleJitter: r` multiplies each glyph by a factor ~ U(1 − r, 1 + r) about its centroid (ground
 * truth `factors.scale`), for scale-invariance experiments; r = 0 (default) draws nothing, so the data sets
 * without jitter are unchanged.
 */
import { IvaeInputError, check, checkInt } from "../util/errors";
import { Random } from "../util/random";
import { ImageStack } from "./image-stack";
import { fillPolygons } from "./rasterize";
import { glyphs, matchSuits } from "./suit-match";
import { SUIT_NAMES, SUIT_SYMMETRY, SuitName, suitOutline } from "./suits";

const DEG = Math.PI / 180;

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

/** One of the lecture's four disorder levels. */
export interface CardsVariant {
  name: LectureVariant;
  /** maximum rotation, degrees and radians */
  rotationDeg: number;
  maxRotation: number;
  /** maximum shear, degrees and radians */
  shearDeg: number;
  maxShear: number;
  /** maximum shift as a fraction of the image size */
  shiftFraction: number;
  description: string;
}

export type LectureVariant = "cards1" | "cards2" | "cards3" | "cards4";

function variant(name: LectureVariant, rot: number, shear: number, description: string): CardsVariant {
  return {
    name,
    rotationDeg: rot,
    maxRotation: rot * DEG,
    shearDeg: shear,
    maxShear: shear * DEG,
    shiftFraction: 0.1,
    description,
  };
}

/** The lecture's four variants: (rotation, shear) = (±12°, ±1°), (±12°, ±20°), (±120°, ±1°), (±120°, ±20°). */
export const CARDS_VARIANTS: Readonly<Record<LectureVariant, CardsVariant>> = Object.freeze({
  cards1: variant("cards1", 12, 1, "small rotation, almost no shear"),
  cards2: variant("cards2", 12, 20, "small rotation, strong shear"),
  cards3: variant("cards3", 120, 1, "large rotation, almost no shear"),
  cards4: variant("cards4", 120, 20, "large rotation and strong shear"),
});

/** How `cards.lecture` draws: "ivae" (small glyphs, ±10 % shifts) or "notebook" (the lecture notebook's look). */
export type CardsStyle = "ivae" | "notebook";

/** A style: glyph height as a fraction of the frame and the maximum shift (pixels) at a given image size. */
export interface CardsStyleSpec {
  scale: number;
  shift: (size: number) => number;
  description: string;
}

/** The two styles of `cards.lecture`. */
export const CARDS_STYLES: Readonly<Record<CardsStyle, CardsStyleSpec>> = Object.freeze({
  ivae: {
    scale: 0.45,
    shift: (size: number) => 0.1 * size,
    description: "glyph 0.45 of the frame, shifts ±10 % of the size",
  },
  notebook: {
    scale: 0.6,
    // kornia's translation = 0.1 is in pixels of the 48-px frame; scaled with the size so the look is the same
    shift: (size: number) => (0.1 * size) / 48,
    description: "the lecture notebook's look: glyph 0.60 of the frame (measured), shifts ±0.1 px at 48 px",
  },
});

/** Options of `cards.lecture`. */
export interface LectureOptions {
  /** number of images (default 12000) */
  n?: number;
  /** seed (default 0) */
  seed?: number;
  /** image side in pixels (default 48) */
  size?: number;
  /** "ivae" (default) or "notebook" */
  style?: CardsStyle;
  /** random scale ±scaleJitter (default 0), as in `cards.generate` */
  scaleJitter?: number;
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
  const nonNeg = (v: number | undefined, what: string, dflt: number): number => {
    const x = v ?? dflt;
    check(
      typeof x === "number" && Number.isFinite(x) && x >= 0,
      WHERE,
      `${what} must be a finite number >= 0, got ${String(v)}`,
    );
    return x;
  };
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

/**
 * The `cards.generate` options of one of the lecture's variants in a style (what `cards.lecture` draws):
 * rotation and shear of the variant; glyph size and shifts of the style.
 */
export function lectureOptions(name: LectureVariant, opts: LectureOptions = {}): CardsOptions {
  const where = "cards.lecture";
  const v = (CARDS_VARIANTS as Record<string, CardsVariant>)[name as string];
  if (!v) {
    throw new IvaeInputError(
      `${where}: unknown variant "${String(name)}"; expected one of ${Object.keys(CARDS_VARIANTS).join(", ")}`,
    );
  }
  check(
    opts !== null && typeof opts === "object",
    where,
    "options must be an object {n, seed, size, style, scaleJitter}",
  );
  const keys = ["n", "seed", "size", "style", "scaleJitter"];
  for (const key of Object.keys(opts)) {
    check(
      keys.includes(key),
      where,
      `unknown option "${key}"; expected ${keys.join(", ")} (use cards.generate for the other parameters)`,
    );
  }
  const size = opts.size ?? 48;
  checkInt(size, where, "size (image side in pixels)", 8);
  const style = opts.style ?? "ivae";
  const st = (CARDS_STYLES as Record<string, CardsStyleSpec>)[style as string];
  if (!st) throw new IvaeInputError(`${where}: unknown style "${String(style)}"; expected "ivae" or "notebook"`);
  const out: CardsOptions = {
    n: opts.n ?? 12000,
    seed: opts.seed ?? 0,
    size,
    maxRotation: v.maxRotation,
    maxShear: v.maxShear,
    maxShift: st.shift(size),
    scale: st.scale,
  };
  if (opts.scaleJitter !== undefined) out.scaleJitter = opts.scaleJitter;
  return out;
}

/**
 * One of the lecture's four data sets (defaults: n = 12000, seed = 0, size = 48, style "ivae": glyph 0.45
 * of the frame, translation ±10 % of the size; style "notebook": glyph 0.60, ±0.1 px, the lecture
 * notebook's look). `cards.lecture("cards3")` is the large-rotation, small-shear set on which the rVAE
 * separates the suits.
 */
export function lecture(name: LectureVariant, opts: LectureOptions = {}): CardsDataSet {
  return generate(lectureOptions(name, opts));
}

/**
 * The cards data set: `cards.lecture`, `cards.generate`, the variants and styles, suit names and symmetries,
 * the upright `glyphs` and the nearest-glyph rule `matchSuits` (src/data/suit-match.ts).
 */
export const cards = {
  lecture,
  lectureOptions,
  generate,
  styles: CARDS_STYLES,
  variants: CARDS_VARIANTS,
  suitNames: [...SUIT_NAMES] as SuitName[],
  symmetry: { ...SUIT_SYMMETRY } as Record<SuitName, number>,
  outline: suitOutline,
  glyphs,
  matchSuits,
};
