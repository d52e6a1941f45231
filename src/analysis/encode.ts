// Batched encoding lives with the models (src/models/encode.ts), so that models do not import analysis;
// this module keeps the old import path working.
export { encodeImages, latentColumn } from "../models/encode";
export type { Encoding, EncodeOptions, PoseEncoding, ShiftEncoding } from "../models/encode";
