// Dense layers and the pixel loss of the plain VAE's fused training step (addon_mlp.cc, src/native/vae-step.ts).
// Included by kernels_<isa>.cc after kernels.h: it shares that ISA's vector type, micro-kernel (gemm) and vtanh.
// addon_mlp.cc splits the rows of every call over threads; these functions run on one thread.

#include <algorithm>
#include <cmath>

namespace ivae_native {
namespace IVAE_NS {

// C[m x n] (+)= A[m x k] B[k x n] for any m, n: a(r, kk) = a[r ars + kk acs] (so A may be read transposed),
// B and C row-major with leading dimensions ldb, ldc. The register-tiled kernel does the rows and columns that
// fill whole micro-tiles; the rest (a head of 2d columns, odd image sizes) is a plain loop.
void mlp_gemm(int m, int n, int k, const float* a, long ars, long acs, const float* b, long ldb, float* c, long ldc,
              bool acc) {
  const int mm = m / MR * MR, nn = n / NR * NR;
  // the reduction in blocks of KB so that a panel of B (KB x NR floats, 16 KB) stays in L1 while the row tiles
  // pass it (the encoder's first layer and the output layer's input gradient reduce over all pixels)
  constexpr int KB = 256;
  if (mm > 0 && nn > 0)
    for (int k0 = 0; k0 < k; k0 += KB) {
      const int kb = k - k0 < KB ? k - k0 : KB;
      if (acc || k0 > 0) gemm<true>(mm, nn, kb, a + k0 * acs, ars, acs, b + (long)k0 * ldb, ldb, c, ldc);
      else gemm<false>(mm, nn, kb, a + k0 * acs, ars, acs, b + (long)k0 * ldb, ldb, c, ldc);
    }
  for (int i = 0; i < m; ++i)
    for (int j = i < mm ? nn : 0; j < n; ++j) {
      float s = 0.f;
      for (int kk = 0; kk < k; ++kk) s += a[i * ars + kk * acs] * b[(long)kk * ldb + j];
      c[(long)i * ldc + j] = acc ? c[(long)i * ldc + j] + s : s;
    }
}

// Scalar tanh with the vector routine's rounding (tails of rows whose width is not a multiple of VW).
static inline float mlp_tanh1(float x) {
  float in[VW] = {x}, out[VW];
  store(out, vtanh(load(in)));
  return out[0];
}

// h = tanh(h + b) over rows of width n (b broadcast over rows).
void mlp_tanh_bias(int rows, int n, float* h, const float* b) {
  const int nv = n / VW * VW;
  for (int i = 0; i < rows; ++i) {
    float* r = h + (size_t)i * n;
    for (int j = 0; j < nv; j += VW) store(r + j, vtanh(load(r + j) + load(b + j)));
    for (int j = nv; j < n; ++j) r[j] = mlp_tanh1(r[j] + b[j]);
  }
}

// e^x for x <= 0 (Cephes expf: x = n ln2 + r, a degree-6 polynomial in r, 2^n by the exponent bits); x below
// −87 gives e^−87 instead of a denormal, far below what a float sum of pixel losses can see.
static inline vf mlp_exp_neg(vf x) {
  const vf lo = splat(-87.f);
  x = x < lo ? lo : x;
  const vf fx = x * splat(1.44269504088896341f) - splat(0.5f);
  const vi n = __builtin_convertvector(fx, vi);  // truncation of a negative number: rounds x/ln2 to nearest
  const vf nf = __builtin_convertvector(n, vf);
  vf r = x - nf * splat(0.693359375f);
  r = r - nf * splat(-2.12194440e-4f);
  vf p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  const vf y = p * r * r + r + splat(1.f);
  const vi bits = (n + 127) << 23;
  return y * (vf)bits;
}

// log(1 + e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) <= 1/3, odd series to s^15 (error < 1e-9).
static inline vf mlp_log1p_unit(vf e) {
  const vf s = e / (splat(2.f) + e), s2 = s * s;
  vf p = splat(1.f / 15);
  p = p * s2 + splat(1.f / 13);
  p = p * s2 + splat(1.f / 11);
  p = p * s2 + splat(1.f / 9);
  p = p * s2 + splat(1.f / 7);
  p = p * s2 + splat(1.f / 5);
  p = p * s2 + splat(1.f / 3);
  return splat(2.f) * (s + s * s2 * p);
}

// Pixel loss of rows of logits l against targets x (both [rows, n]): nll[i] = Σ_j loss(l_ij, x_ij) and
// dl = ∂loss/∂l. kind 0: Bernoulli, loss = max(l, 0) − x l + log(1 + e^−|l|), dl = σ(l) − x. kind 1: Gaussian
// around σ(l) with standard deviation sigma: loss = ½ r² + c, r = (x − σ(l)) / sigma, dl = −r σ(1 − σ) / sigma.
void mlp_pixel_loss(int rows, int n, const float* l, const float* x, int kind, float sigma, float c, float* dl,
                    double* nll) {
  const int nv = n / VW * VW;
  const vf one = splat(1.f), zero = vf{};
  for (int i = 0; i < rows; ++i) {
    const float* li = l + (size_t)i * n;
    const float* xi = x + (size_t)i * n;
    float* di = dl + (size_t)i * n;
    vf acc = vf{};
    for (int j = 0; j < nv; j += VW) {
      const vf lv = load(li + j), xv = load(xi + j);
      const vf al = lv < zero ? -lv : lv;
      const vf e = mlp_exp_neg(-al);
      const vf inv = one / (one + e);
      const vf sg = lv >= zero ? inv : e * inv;
      if (kind == 0) {
        acc += (lv > zero ? lv : zero) - xv * lv + mlp_log1p_unit(e);
        store(di + j, sg - xv);
      } else {
        const vf r = (xv - sg) / splat(sigma);
        acc += splat(0.5f) * r * r + splat(c);
        store(di + j, -(r / splat(sigma)) * sg * (one - sg));
      }
    }
    double s = 0;
    for (int q = 0; q < VW; ++q) s += acc[q];
    for (int j = nv; j < n; ++j) {
      const float lv = li[j], xv = xi[j];
      const float e = std::exp(-std::fabs(lv)), sg = lv >= 0 ? 1.f / (1.f + e) : e / (1.f + e);
      if (kind == 0) {
        s += std::max(lv, 0.f) - xv * lv + std::log1p(e);
        di[j] = sg - xv;
      } else {
        const float r = (xv - sg) / sigma;
        s += 0.5f * r * r + c;
        di[j] = -(r / sigma) * sg * (1.f - sg);
      }
    }
    nll[i] = s;
  }
}

// dP = dH (1 − h²) in place (the tanh's derivative from its output), rows of width n.
void mlp_tanh_back(int rows, int n, const float* h, float* dh) {
  const int nv = n / VW * VW;
  for (int i = 0; i < rows; ++i) {
    const float* hi = h + (size_t)i * n;
    float* di = dh + (size_t)i * n;
    for (int j = 0; j < nv; j += VW) {
      const vf y = load(hi + j);
      store(di + j, load(di + j) * (splat(1.f) - y * y));
    }
    for (int j = nv; j < n; ++j) di[j] *= 1.f - hi[j] * hi[j];
  }
}

// out[j] (+)= Σ_i a[i, j] over rows of width n (bias gradients).
void mlp_col_sum(int rows, int n, const float* a, float* out) {
  const int nv = n / VW * VW;
  for (int i = 0; i < rows; ++i) {
    const float* r = a + (size_t)i * n;
    for (int j = 0; j < nv; j += VW) store(out + j, load(out + j) + load(r + j));
    for (int j = nv; j < n; ++j) out[j] += r[j];
  }
}

}  // namespace IVAE_NS
}  // namespace ivae_native
