/**
 * A small radix-2 complex FFT on plain Float64Arrays, enough for the lattice-scale estimate (one
 * autocorrelation per image). Sizes must be powers of two; callers zero-pad.
 */

/** Smallest power of two >= n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** In-place FFT of `n` complex values at `re`/`im` (n a power of two); `inverse` includes the 1/n. */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const sgn = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sgn * 2 * Math.PI) / len,
      wr = Math.cos(ang),
      wi = Math.sin(ang),
      half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1,
        ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k,
          b = a + half;
        const xr = re[b] * cr - im[b] * ci,
          xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
  if (inverse)
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
}

/** In-place 2-D FFT of a rows × cols complex array (row-major; both powers of two). */
export function fft2d(re: Float64Array, im: Float64Array, rows: number, cols: number, inverse = false): void {
  const r = new Float64Array(cols),
    i = new Float64Array(cols);
  for (let y = 0; y < rows; y++) {
    r.set(re.subarray(y * cols, (y + 1) * cols));
    i.set(im.subarray(y * cols, (y + 1) * cols));
    fft1d(r, i, inverse);
    re.set(r, y * cols);
    im.set(i, y * cols);
  }
  const cr = new Float64Array(rows),
    ci = new Float64Array(rows);
  for (let x = 0; x < cols; x++) {
    for (let y = 0; y < rows; y++) {
      cr[y] = re[y * cols + x];
      ci[y] = im[y * cols + x];
    }
    fft1d(cr, ci, inverse);
    for (let y = 0; y < rows; y++) {
      re[y * cols + x] = cr[y];
      im[y * cols + x] = ci[y];
    }
  }
}
