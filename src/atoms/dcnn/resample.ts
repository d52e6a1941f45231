import { gaussianBlur, quantile } from "../filters";

/**
 * Resamples one image by the factor f (new side ≈ old side · f) with bilinear interpolation, after a
 * Gaussian anti-aliasing blur of 0.4/f px when shrinking (a 5× shrink of a noisy image would otherwise
 * alias the noise into column-sized blobs). Pixel centres map as x_new = (x_old + 0.5)·f − 0.5.
 */
export function resampleImage(
  img: Float32Array,
  H: number,
  W: number,
  f: number,
): { data: Float32Array; height: number; width: number } {
  const h = Math.max(1, Math.round(H * f)),
    w = Math.max(1, Math.round(W * f));
  const src = f < 1 ? gaussianBlur(img, H, W, 0.4 / f) : img;
  const fy = H / h,
    fx = W / w;
  const out = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    const y = Math.min(H - 1, Math.max(0, (i + 0.5) * fy - 0.5)),
      y0 = Math.floor(y),
      y1 = Math.min(H - 1, y0 + 1),
      ty = y - y0;
    for (let j = 0; j < w; j++) {
      const x = Math.min(W - 1, Math.max(0, (j + 0.5) * fx - 0.5)),
        x0 = Math.floor(x),
        x1 = Math.min(W - 1, x0 + 1),
        tx = x - x0;
      out[i * w + j] =
        (1 - ty) * ((1 - tx) * src[y0 * W + x0] + tx * src[y0 * W + x1]) +
        ty * ((1 - tx) * src[y1 * W + x0] + tx * src[y1 * W + x1]);
    }
  }
  return { data: out, height: h, width: w };
}

/**
 * Scales an image to the net's input range: the 1st percentile → 0, the 99.8th → 1 (robust to a few hot
 * pixels and to vacuum); a flat image becomes all zeros. The same rule in training and in the finder.
 */
export function normalizeForNet(img: Float32Array): Float32Array {
  const lo = quantile(img, 0.01),
    hi = quantile(img, 0.998);
  const d = hi - lo;
  if (!(d > 0)) return new Float32Array(img.length);
  return img.map((v) => (v - lo) / d);
}

/** The target map: max over the columns of a unit Gaussian of σ px at each (x, y). */
export function targetMap(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  H: number,
  W: number,
  sigma: number,
): Float32Array {
  const out = new Float32Array(H * W),
    r = Math.ceil(3 * sigma),
    s2 = 2 * sigma * sigma;
  for (let k = 0; k < x.length; k++) {
    const cx = x[k],
      cy = y[k];
    for (let i = Math.max(0, Math.floor(cy - r)); i <= Math.min(H - 1, Math.ceil(cy + r)); i++) {
      for (let j = Math.max(0, Math.floor(cx - r)); j <= Math.min(W - 1, Math.ceil(cx + r)); j++) {
        const v = Math.exp(-((j - cx) ** 2 + (i - cy) ** 2) / s2);
        if (v > out[i * W + j]) out[i * W + j] = v;
      }
    }
  }
  return out;
}
