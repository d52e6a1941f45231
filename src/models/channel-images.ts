/**
 * Multi-channel images (rows [B, C·P], channel planes as in an ImageStack) for the pose and offset encoders, whose
 * geometry (centroid, polar and de-rotated resampling, re-centring) is written for one h × w plane per image.
 *
 * How the channels share one pose (the way AtomAI's and pyroVED's multichannel rVAEs treat them: one angle, one
 * shift and one z for all channels):
 * - the centroid (and the offset search's scores) come from channel 0 alone. An intensity centroid needs
 *   positive contrast, and an inverted-contrast channel (ABF: dark columns on a bright background) would pull it
 *   to the middle of the background; channel 0 is the main image of a file (`ImageFile.images`, e.g. HAADF).
 * - the polar images of all channels around that centroid are stacked per trial angle ([B, K, C·R]) and the
 *   scorer's circular convolution reads all of them: its first layer is the sum over channels of a convolution
 *   per channel (a multi-channel convolution), with weights learned per channel. Rotating the image shifts every
 *   channel's polar image by the same number of trials, so the scores stay equivariant; and learned weights let
 *   an inverted channel add evidence where a plain sum of intensities or of fixed per-channel scores would cancel.
 * - every channel is centred and de-rotated by the same pose before the MLP reads z.
 * For C = 1 every function here returns what the single-channel one does.
 */
import { centroids, normalisedImages, polarImages, PoseGeometry } from "./pose-encoder";
import { recentredImages } from "./offset-encoder";

/** The scorer's geometry for C channels: per trial angle the C·R polar samples of all channels. */
export function channelPoseGeometry(g: PoseGeometry, C: number): PoseGeometry {
  return C === 1 ? g : { ...g, radii: g.radii * C };
}

/** The per-channel polar geometry of a scorer geometry made by {@link channelPoseGeometry}. */
export function planePoseGeometry(g: PoseGeometry, C: number): PoseGeometry {
  return C === 1 ? g : { ...g, radii: g.radii / C };
}

/** Channel 0 of each of B images [B, C·P] as [B, P] (the same array when C = 1). */
export function firstChannel(x: Float32Array, B: number, C: number, P: number): Float32Array {
  if (C === 1) return x;
  const out = new Float32Array(B * P);
  for (let b = 0; b < B; b++) out.set(x.subarray(b * C * P, (b * C + 1) * P), b * P);
  return out;
}

/** Each image's value repeated for its C planes: [B·k] → [B·C·k] (k values per image). */
function perPlane<T extends Float32Array | Float64Array>(v: T, B: number, C: number, k: number): T {
  if (C === 1) return v;
  const out = new (v.constructor as { new (n: number): T })(B * C * k);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out.set(v.subarray(b * k, (b + 1) * k), (b * C + c) * k);
  return out;
}

/** Intensity centroid (row, col) of channel 0 of each image; see the file comment for why channel 0. */
export function channelCentroids(x: Float32Array, B: number, C: number, H: number, W: number): Float64Array {
  return centroids(firstChannel(x, B, C, H * W), B, H, W);
}

/**
 * Polar images of all channels around each image's centre: [B, K, C·R] (per trial: channel 0's R radii, then
 * channel 1's, ...), the input of a scorer built on {@link channelPoseGeometry}. `g` is the per-channel geometry.
 */
export function channelPolarImages(
  x: Float32Array,
  B: number,
  C: number,
  g: PoseGeometry,
  centre: Float64Array,
): Float32Array {
  if (C === 1) return polarImages(x, B, g, centre);
  const { steps: K, radii: R } = g;
  // the planes are contiguous, so the B·C planes are B·C images, each with its image's centre
  const planes = polarImages(x, B * C, g, perPlane(centre, B, C, 2));
  const out = new Float32Array(B * K * C * R);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let k = 0; k < K; k++)
        out.set(planes.subarray(((b * C + c) * K + k) * R, ((b * C + c) * K + k + 1) * R), ((b * K + k) * C + c) * R);
  return out;
}

/** Every channel of each image centred on the image's centroid and de-rotated by its angle: [B, C·P]. */
export function channelNormalisedImages(
  x: Float32Array,
  B: number,
  C: number,
  H: number,
  W: number,
  centre: Float64Array,
  angle: Float32Array,
): Float32Array {
  return normalisedImages(x, B * C, H, W, perPlane(centre, B, C, 2), perPlane(angle, B, C, 1));
}

/** Every channel of each image re-centred by the image's shift [B, 2] px (offset-encoder.ts): [B, C·P]. */
export function channelRecentredImages(
  x: Float32Array,
  B: number,
  C: number,
  H: number,
  W: number,
  shift: Float32Array,
  margin: number,
): Float32Array {
  return recentredImages(x, B * C, H, W, perPlane(shift, B, C, 2), margin);
}
