/**
 * The lecture's four variants (rotation and shear) and two styles (glyph size and shifts), and `cards.lecture`,
 * which draws a variant in a style through `generate`.
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
 */
import { IvaeInputError, check, checkInt } from "../../util/errors";
import { CardsDataSet, CardsOptions, generate } from "./generate";
import { CARDS_STYLES, CARDS_VARIANTS, CardsStyle, CardsStyleSpec, CardsVariant, LectureVariant } from "./variants";

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
