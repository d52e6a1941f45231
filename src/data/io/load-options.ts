// The options of the image loaders, in their own file so that load.ts and load-channels.ts (which load.ts calls)
// can both use them without an import circle.

/** How `normalizeImages` maps intensities. */
export type Normalization =
  | "none"
  /** linear to [0, 1] between the minimum and the maximum */
  | "minmax"
  /** linear to [0, 1] between the low and high percentile, clipped (robust to hot pixels) */
  | "percentile"
  /** zero mean, unit standard deviation */
  | "zscore";

/** Options of `normalizeImages`. */
export interface NormalizeOptions {
  mode?: Normalization;
  /** normalise each frame on its own (default true: beam current drifts between frames of a movie) */
  perFrame?: boolean;
  /** percentiles for mode "percentile", default [0.1, 99.9] */
  percentiles?: [number, number];
}

/** Options of `loadImages` / `decodeImages`. */
export interface LoadOptions extends NormalizeOptions {
  /** force the format instead of sniffing the file's magic bytes */
  format?: "npy" | "png" | "tiff";
  /** keep only these frame indices */
  frames?: number[];
  /**
   * for .npy arrays with a channel axis ([n, h, w, c], [n, c, h, w] or [h, w, c], c ≤ 4): "mean" averages the
   * channels (default); a number picks that channel
   */
  channel?: "mean" | number;
  /**
   * keep detector channels as the channels of the stack ([n, C, h, w], each channel normalised on its own)
   * instead of merging them: `true` keeps the channels the file declares (ImageJ hyperstack, DM/TIA detectors,
   * a .npy channel axis), and is implied by an array of paths (one file per detector, see `loadImages`);
   * `"frames"` reads the frames of one stack as detectors of one scan (a 3-D file written without channel
   * metadata): frame k becomes channel k of a single image (after `frames` picked them)
   */
  channels?: boolean | "frames";
}
