/**
 * The "cards" data set of the invariant-VAE lecture: the four playing-card suits, each image a random
 * rotation, shear and translation of one suit, with the ground-truth factors kept (how it is drawn:
 * `generate.ts`; the lecture's variants and styles: `lecture.ts`).
 */
import { glyphs, matchSuits } from "../suit-match";
import { SUIT_NAMES, SUIT_SYMMETRY, SuitName, suitOutline } from "../suits";
import { generate } from "./generate";
import { lecture, lectureOptions } from "./lecture";
import { CARDS_STYLES, CARDS_VARIANTS } from "./variants";

export { generate } from "./generate";
export type { CardsOptions, CardsFactors, CardsDataSet } from "./generate";
export { CARDS_VARIANTS, CARDS_STYLES } from "./variants";
export { lecture, lectureOptions } from "./lecture";
export type { CardsVariant, LectureVariant, CardsStyle, CardsStyleSpec } from "./variants";
export type { LectureOptions } from "./lecture";

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
