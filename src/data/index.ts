export {};
export * from "./io";
export { cards, CARDS_VARIANTS, CARDS_STYLES } from "./cards";
export type {
  CardsOptions,
  CardsDataSet,
  CardsFactors,
  CardsVariant,
  LectureVariant,
  CardsStyle,
  CardsStyleSpec,
  LectureOptions,
} from "./cards";
export { SUIT_NAMES, SUIT_SYMMETRY, suitOutline } from "./suits";
export type { SuitName, SuitOutline } from "./suits";
export { fillPolygons } from "./rasterize";
export { digits } from "./digits";
export { ASYMMETRIC_DIGITS } from "./digits";
export type {
  DigitsSet,
  DigitsLoadOptions,
  DigitsSplitOptions,
  RotatedDigitsSet,
  DigitsRotatedOptions,
  DigitsRotatedSplitOptions,
} from "./digits";
export { oneHot, labelCounts } from "./labels";
export * from "./stem";
export { rotateImages, inversePose } from "./rotate";
export type { RotateOptions, RotatedImages, Interpolation } from "./rotate";
export { glyphs, matchSuits } from "./suit-match";
export type { GlyphOptions, SuitMatch } from "./suit-match";
