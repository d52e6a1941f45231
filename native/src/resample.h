// The equivariant pose encoder's bilinear sampling for addon_extra.cc's resampling (polar, de-rotated images):
// the scalar sample, which is pose-encoder.ts `bilinear`'s float64 arithmetic, and its four-lane AVX2 form.
// Included by addon_extra.cc inside its anonymous namespace, after <immintrin.h> (x86) and <cmath>.

// Bilinear sample of one image (row-major H x W) at fractional (row, col), 0 outside: pose-encoder.ts `bilinear`,
// same operations in the same order.
inline double bilinear(const float* img, int H, int W, double row, double col) {
  const double fi = std::floor(row), fj = std::floor(col);
  const long i0 = (long)fi, j0 = (long)fj;
  const double fy = row - fi, fx = col - fj;
  double v = 0;
  if (i0 >= 0 && i0 < H) {
    if (j0 >= 0 && j0 < W) v += (1 - fx) * (1 - fy) * img[i0 * W + j0];
    if (j0 + 1 >= 0 && j0 + 1 < W) v += fx * (1 - fy) * img[i0 * W + j0 + 1];
  }
  if (i0 + 1 >= 0 && i0 + 1 < H) {
    if (j0 >= 0 && j0 < W) v += (1 - fx) * fy * img[(i0 + 1) * W + j0];
    if (j0 + 1 >= 0 && j0 + 1 < W) v += fx * fy * img[(i0 + 1) * W + j0 + 1];
  }
  return v;
}

#if defined(__x86_64__) || defined(__i386__)
// Lanes with 0 <= v < n (m1: all lanes -1).
__attribute__((target("avx2"))) inline __m128i inside4(__m128i v, __m128i n, __m128i m1) {
  return _mm_and_si128(_mm_cmpgt_epi32(v, m1), _mm_cmpgt_epi32(n, v));
}

// v + w * img[base + off] per lane; masked-off lanes never read memory and add +0 (pixel 0 times a finite weight).
__attribute__((target("avx2"))) inline __m256d corner4(const float* img, __m128i base, __m128i mask, int off, __m256d w,
                                                       __m256d v) {
  const __m128 px = _mm_mask_i32gather_ps(_mm_setzero_ps(), img + off, base, _mm_castsi128_ps(mask), 4);
  return _mm256_add_pd(v, _mm256_mul_pd(w, _mm256_cvtps_pd(px)));
}

// The same bilinear sample for four (row, col) pairs at once, AVX2 without FMA (this file's other code is
// baseline x86-64 and the target below does not include "fma", so nothing is contracted): every lane does the
// scalar code's double operations in its order, and a corner outside the image adds exactly +0, which leaves the
// sum unchanged (the sum of non-negative weights times finite pixels is never -0). Bit-identical to `bilinear`;
// about 3x faster per sample (the pixels are gathered, the bounds are masks instead of branches).
__attribute__((target("avx2"))) inline __m256d bilinear4(const float* img, int H, int W, __m256d row, __m256d col) {
  const __m256d fi = _mm256_floor_pd(row), fj = _mm256_floor_pd(col);
  const __m256d fy = _mm256_sub_pd(row, fi), fx = _mm256_sub_pd(col, fj);
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d gx = _mm256_sub_pd(one, fx), gy = _mm256_sub_pd(one, fy);
  // rows/cols as int32 (|value| far below 2^31 for any image the encoder resamples; the caller checks)
  const __m128i i0 = _mm256_cvttpd_epi32(fi), j0 = _mm256_cvttpd_epi32(fj);
  const __m128i i1 = _mm_add_epi32(i0, _mm_set1_epi32(1)), j1 = _mm_add_epi32(j0, _mm_set1_epi32(1));
  const __m128i m1 = _mm_set1_epi32(-1), hh = _mm_set1_epi32(H), ww = _mm_set1_epi32(W);
  const __m128i ri0 = inside4(i0, hh, m1), ri1 = inside4(i1, hh, m1), cj0 = inside4(j0, ww, m1),
                cj1 = inside4(j1, ww, m1);
  const __m128i base = _mm_add_epi32(_mm_mullo_epi32(i0, ww), j0);
  __m256d v = _mm256_setzero_pd();
  v = corner4(img, base, _mm_and_si128(ri0, cj0), 0, _mm256_mul_pd(gx, gy), v);
  v = corner4(img, base, _mm_and_si128(ri0, cj1), 1, _mm256_mul_pd(fx, gy), v);
  v = corner4(img, base, _mm_and_si128(ri1, cj0), W, _mm256_mul_pd(gx, fy), v);
  v = corner4(img, base, _mm_and_si128(ri1, cj1), W + 1, _mm256_mul_pd(fx, fy), v);
  return v;
}

// Polar image of one image: out[q] for q in [0, n), the scalar loop's three sub-angle samples summed in order.
// offT holds the offsets transposed: [t][row|col][q] (6 rows of n).
__attribute__((target("avx2"))) void polar_row_avx2(const float* img, int H, int W, double cr, double cc,
                                                    const double* offT, size_t n, float* out) {
  const __m256d vr = _mm256_set1_pd(cr), vc = _mm256_set1_pd(cc), three = _mm256_set1_pd(3.0);
  size_t q = 0;
  for (; q + 4 <= n; q += 4) {
    __m256d v = _mm256_setzero_pd();
    for (int t = 0; t < 3; ++t) {
      const __m256d row = _mm256_add_pd(vr, _mm256_loadu_pd(offT + (2 * t) * n + q));
      const __m256d col = _mm256_add_pd(vc, _mm256_loadu_pd(offT + (2 * t + 1) * n + q));
      v = _mm256_add_pd(v, bilinear4(img, H, W, row, col));
    }
    _mm_storeu_ps(out + q, _mm256_cvtpd_ps(_mm256_div_pd(v, three)));
  }
  for (; q < n; ++q) {
    double v = 0;
    for (int t = 0; t < 3; ++t) v += bilinear(img, H, W, cr + offT[(2 * t) * n + q], cc + offT[(2 * t + 1) * n + q]);
    out[q] = (float)(v / 3);
  }
}

// One de-rotated image (NormalisedImages' loop body), four columns at a time.
__attribute__((target("avx2"))) void normalised_avx2(const float* img, int H, int W, double c, double s, double cr,
                                                     double cc, float* out) {
  const double cy = (H - 1) / 2.0, cx = (W - 1) / 2.0;
  const __m256d vc = _mm256_set1_pd(c), vs = _mm256_set1_pd(s), vcr = _mm256_set1_pd(cr), vcc = _mm256_set1_pd(cc);
  for (int i = 0; i < H; ++i) {
    const double Y = cy - i;
    const __m256d vY = _mm256_set1_pd(Y);
    int j = 0;
    for (; j + 4 <= W; j += 4) {
      const __m256d X = _mm256_sub_pd(_mm256_set_pd(j + 3, j + 2, j + 1, j), _mm256_set1_pd(cx));
      const __m256d sx = _mm256_sub_pd(_mm256_mul_pd(X, vc), _mm256_mul_pd(vY, vs));
      const __m256d sy = _mm256_add_pd(_mm256_mul_pd(X, vs), _mm256_mul_pd(vY, vc));
      const __m256d v = bilinear4(img, H, W, _mm256_sub_pd(vcr, sy), _mm256_add_pd(vcc, sx));
      _mm_storeu_ps(out + (size_t)i * W + j, _mm256_cvtpd_ps(v));
    }
    for (; j < W; ++j) {
      const double X = j - cx;
      const double sx = X * c - Y * s, sy = X * s + Y * c;
      out[(size_t)i * W + j] = (float)bilinear(img, H, W, cr - sy, cc + sx);
    }
  }
}
#endif
