export {};
export * from "./io";
export { cards, CARDS_VARIANTS } from "./cards";
export type { CardsOptions, CardsDataSet, CardsFactors, CardsVariant, LectureVariant } from "./cards";
export { SUIT_NAMES, SUIT_SYMMETRY, suitOutline } from "./suits";
export type { SuitName, SuitOutline } from "./suits";
export { fillPolygons } from "./rasterize";
