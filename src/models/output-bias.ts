import type { ImageStack } from "../data/image-stack";

/** Mean intensities are clamped to [ε, 1 − ε] before the logit, so a blank channel gives a finite bias. */
const EPS = 1e-3;

/**
 * The logit of the mean intensity of each channel of `images` (layout [n, C, h, w]): the constant output that
 * best fits the data under a σ(logit) likelihood, and where `train({ initOutputBias: true })` starts a fresh
 * coordinate decoder's output bias (the usual "initialise the last bias to the data's marginal").
 * Why: with a zero start, Adam (≈ lr per step) leaves the shared output bias near 0 within a lecture's budget
 * and the dark background is drawn by hidden units that also read z, so away from the data's z the
 * background inverts (docs/experiments/rvae-decoder.md, "Inverted cells").
 */
export function meanIntensityLogits(images: ImageStack, channels: number): Float32Array {
  const plane = images.height * images.width;
  const sums = new Float64Array(channels);
  for (let i = 0; i < images.n; i++)
    for (let k = 0; k < channels; k++) {
      const off = (i * channels + k) * plane;
      let s = 0;
      for (let p = 0; p < plane; p++) s += images.data[off + p];
      sums[k] += s;
    }
  return Float32Array.from(sums, (s) => {
    const m = Math.min(1 - EPS, Math.max(EPS, s / (images.n * plane)));
    return Math.log(m / (1 - m));
  });
}
