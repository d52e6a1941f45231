/** The lecture's four variants (maximum rotation and shear) and the two styles (glyph size, shifts). */

const DEG = Math.PI / 180;

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

/** A variant's record from its limits in degrees. */
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
