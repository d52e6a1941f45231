/**
 * Small image filters on plain typed arrays (row-major, height × width). Borders are handled by
 * clamping (nearest edge pixel), which keeps atoms at the edge from being swamped by zeros.
 */

/**
 * The blob response at scale `sigma`: −σ²·∇²(G_σ * img), the scale-normalised Laplacian of Gaussian (5-point
 * Laplacian on the blurred image, clamped borders). Positive on a bright bump, negative in a bowl. One scale of
 * `findAtomsLoG`'s stack, and the DCNN finder's bump check.
 */
export function blobResponse(img: Float32Array, height: number, width: number, sigma: number): Float32Array {
  const H = height,
    W = width;
  const g = gaussianBlur(img, H, W, sigma);
  const out = new Float32Array(H * W);
  const s2 = sigma * sigma;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const cc = g[y * W + x];
      const l = g[y * W + (x > 0 ? x - 1 : x)],
        r = g[y * W + (x < W - 1 ? x + 1 : x)];
      const u = g[(y > 0 ? y - 1 : y) * W + x],
        d = g[(y < H - 1 ? y + 1 : y) * W + x];
      out[y * W + x] = -s2 * (l + r + u + d - 4 * cc);
    }
  }
  return out;
}

/**
 * Separable Gaussian blur with standard deviation `sigma` px (kernel truncated at 3.5σ, and at the image
 * size: with clamped borders a wider kernel only adds more copies of the edge pixels, and an uncapped
 * radius made `smooth: 1e6` allocate and loop for ever).
 */
export function gaussianBlur(img: Float32Array, height: number, width: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return Float32Array.from(img);
  const r = Math.max(1, Math.min(Math.ceil(3.5 * sigma), Math.max(height, width)));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const tmp = new Float32Array(img.length),
    out = new Float32Array(img.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i < 0 ? 0 : x + i >= width ? width - 1 : x + i;
        acc += k[i + r] * img[row + xx];
      }
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const yy = y + i < 0 ? 0 : y + i >= height ? height - 1 : y + i;
        acc += k[i + r] * tmp[yy * width + x];
      }
      out[y * width + x] = acc;
    }
  }
  return out;
}

/** Square maximum filter of half-width `r` (separable: max over rows then columns). */
export function maxFilter(img: Float32Array, height: number, width: number, r: number): Float32Array {
  const tmp = new Float32Array(img.length),
    out = new Float32Array(img.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      const a = Math.max(0, x - r),
        b = Math.min(width - 1, x + r);
      for (let i = a; i <= b; i++) if (img[row + i] > m) m = img[row + i];
      tmp[row + x] = m;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      let m = -Infinity;
      const a = Math.max(0, y - r),
        b = Math.min(height - 1, y + r);
      for (let i = a; i <= b; i++) if (tmp[i * width + x] > m) m = tmp[i * width + x];
      out[y * width + x] = m;
    }
  }
  return out;
}

/** Value at quantile q ∈ [0, 1] (copy + sort; images are small enough). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float32Array.from(values).sort();
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))));
  return s[i];
}
