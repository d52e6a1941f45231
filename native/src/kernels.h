// Fused coordinate decoder (forward and backward) of the rVAE, written once and compiled several
// times: each kernels_<isa>.cc sets the target ISA with `#pragma GCC target`, defines IVAE_VW (floats
// per SIMD register) and IVAE_NS (its namespace) and includes this file. GCC vector extensions turn
// into AVX-512, AVX2 or SSE instructions depending on that pragma, so one source serves all machines
// and addon.cc picks the widest one the CPU supports at run time (no -march=native in the build).
//
// Math (docs/DEVELOPERS.md, "The coordinate decoder"): for image b and pixel p
//   h0 = tanh(c_p A_b + o_b) (or sin: Fourier features), h_l = tanh(h_{l-1} W_l + b_l [+ z_l[b]]),
//   logit_c = h_L wOut_c + bOut_c for each of the C output channels (one hidden stack draws every channel).
// Work is organised as (image, tile of T pixel rows) tasks: every layer is a [T x k] x [k x n] product
// done by a register-blocked micro-kernel while the tile stays in L1/L2, so the 150 MB per layer that
// an unfused framework writes and reads back per step never leaves the cache unless the caller asks
// for the activations to be kept for the backward pass.

#include <cstddef>
#include <cstring>
#include <cstdint>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include "kernels_api.h"

namespace ivae_native {
namespace IVAE_NS {

constexpr int VW = IVAE_VW;          // floats per vector register
constexpr int NR = 2 * VW;           // micro-tile width in columns (two registers)
constexpr int MR = (VW >= 16) ? 8 : 4;  // micro-tile height in rows; divides every padded width
typedef float vf __attribute__((vector_size(VW * 4)));

static inline vf load(const float* p) { vf v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void store(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
static inline vf splat(float x) { return vf{} + x; }

// Broadcast of *p straight from memory (one vbroadcastss with a memory operand: a load, no shuffle). The
// micro-kernel's operand broadcasts need it: GCC builds `vf{} + x` as a scalar add of 0 (kept because of
// signed zeros) and a register shuffle, two extra uops per row per k step.
static inline vf splat_mem(const float* p) {
#if (defined(__x86_64__) || defined(__i386__)) && IVAE_VW == 16
  return (vf)_mm512_set1_ps(*p);
#elif (defined(__x86_64__) || defined(__i386__)) && IVAE_VW == 8
  return (vf)_mm256_broadcast_ss(p);
#else
  return splat(*p);
#endif
}

// tanh as Eigen's float rational approximation (odd 13/even 6 minimax on [-7.9, 7.9]); max error
// about 2 ulp, which the gradient tests confirm is far below what training notices.
static inline vf vtanh(vf x) {
  const vf hi = splat(7.90531110763549805f), lo = splat(-7.90531110763549805f);
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  const vf x2 = x * x;
  vf p = x2 * splat(-2.76076847742355e-16f) + splat(2.00018790482477e-13f);
  p = x2 * p + splat(-8.60467152213735e-11f);
  p = x2 * p + splat(5.12229709037114e-08f);
  p = x2 * p + splat(1.48572235717979e-05f);
  p = x2 * p + splat(6.37261928875436e-04f);
  p = x2 * p + splat(4.89352455891786e-03f);
  p = x * p;
  vf q = x2 * splat(1.19825839466702e-06f) + splat(1.18534705686654e-04f);
  q = x2 * q + splat(2.26843463243900e-03f);
  q = x2 * q + splat(4.89352518554385e-03f);
  return p / q;
}

typedef int vi __attribute__((vector_size(VW * 4)));

// sin and cos of x: Cody-Waite reduction by π (x = kπ + r, |r| <= π/2, π split in a float and its
// remainder), then the Taylor series of sin to r^11 and cos to r^12 (truncation < 1e-7 on |r| <= π/2),
// and the sign (−1)^k. Layer 0 of the Fourier-feature decoder sees |x| of a few tens at most.
static inline void vsincos(vf x, vf& s, vf& c) {
  const vf kf = x * splat(0.318309886183790671f);
  const vi k = __builtin_convertvector(kf + (kf >= splat(0.f) ? splat(0.5f) : splat(-0.5f)), vi);
  const vf kr = __builtin_convertvector(k, vf);
  vf r = x - kr * splat(3.14159274101257324f);
  r = r - kr * splat(-8.74227766e-08f);
  const vf r2 = r * r;
  vf ps = splat(-2.50521083854417e-08f);
  ps = ps * r2 + splat(2.75573192239859e-06f);
  ps = ps * r2 + splat(-1.98412698412698e-04f);
  ps = ps * r2 + splat(8.33333333333333e-03f);
  ps = ps * r2 + splat(-1.66666666666667e-01f);
  vf pc = splat(2.08767569878681e-09f);
  pc = pc * r2 + splat(-2.75573192239859e-07f);
  pc = pc * r2 + splat(2.48015873015873e-05f);
  pc = pc * r2 + splat(-1.38888888888889e-03f);
  pc = pc * r2 + splat(4.16666666666667e-02f);
  pc = pc * r2 + splat(-0.5f);
  const vf sign = splat(1.f) - splat(2.f) * __builtin_convertvector(k & 1, vf);
  s = (r + r * r2 * ps) * sign;
  c = (splat(1.f) + r2 * pc) * sign;
}

float sin_scalar(float x) {
  float in[VW] = {x};
  vf s, c;
  vsincos(load(in), s, c);
  float out[VW];
  store(out, s);
  return out[0];
}

float tanh_scalar(float x) {
  float in[VW] = {x};
  vf v = load(in);
  v = vtanh(v);
  float out[VW];
  store(out, v);
  return out[0];
}

// C[ROWS x NR] (+)= sum_kk a(r, kk) * B[kk, 0:NR] with a(r, kk) = a[r*ars + kk*acs]. The strides let the
// same kernel serve H W (ars = ld, acs = 1) and H^T dP (ars = 1, acs = ld) without transposing H.
// Forced inline with every row loop unrolled: left to itself GCC kept an out-of-line copy (the one the decoder's
// tiles call) whose accumulator arrays lived on the stack, a store per FMA pair, 3x slower than the inlined copy
// in gemm_packed (issue 15, measured with perf: the decoder's forward tile 87 -> 40 us, 192 rows x 64 x 64).
template <bool ACC, int ROWS>
__attribute__((always_inline)) static inline void micro(int K, const float* a, long ars, long acs, const float* b,
                                                        long ldb, float* c, long ldc) {
  vf c0[ROWS], c1[ROWS];
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; ++r) {
    if (ACC) { c0[r] = load(c + r * ldc); c1[r] = load(c + r * ldc + VW); }
    else { c0[r] = vf{}; c1[r] = vf{}; }
  }
  for (int kk = 0; kk < K; ++kk) {
    const vf b0 = load(b + kk * ldb), b1 = load(b + kk * ldb + VW);
    const float* ak = a + kk * acs;
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r) {
      const vf av = splat_mem(ak + r * ars);
      c0[r] += av * b0;
      c1[r] += av * b1;
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; ++r) { store(c + r * ldc, c0[r]); store(c + r * ldc + VW, c1[r]); }
}

// Rows per micro-tile in the main loop: as many accumulator pairs as the register file holds next to the
// two B vectors and the broadcast (AVX2/SSE: 16 registers -> 6 rows, 12 accumulators; AVX-512 keeps its
// 8 rows: not measured on a machine with AVX-512 yet).
// Twelve independent FMA chains instead of eight keep both FMA pipes busy (BLIS's Haswell/Zen kernel is
// 6 x 16 for the same reason); row counts that are not a multiple finish with MR-row tiles.
constexpr int MRB = (VW >= 16) ? MR : 6;

// C[m x n] (+)= A[m x k] B[k x n]; m a multiple of MR, n of NR (callers pad). The column blocks of B
// are the outer loop so one NR-wide panel of B (k x NR floats, 16 KB for k = 128) stays in L1 while all
// row blocks stream past it.
template <bool ACC>
static void gemm(int m, int n, int k, const float* a, long ars, long acs, const float* b, long ldb, float* c, long ldc) {
  // as many MRB-row tiles as leave a multiple of MR rows (m is one) for the MR-row tiles
  int nb = m / MRB;
  while (nb > 0 && (nb * MRB) % MR != 0) --nb;
  const int mb = nb * MRB;
  for (int j = 0; j < n; j += NR) {
    for (int i = 0; i < mb; i += MRB) micro<ACC, MRB>(k, a + i * ars, ars, acs, b + j, ldb, c + i * ldc + j, ldc);
    for (int i = mb; i < m; i += MR) micro<ACC, MR>(k, a + i * ars, ars, acs, b + j, ldb, c + i * ldc + j, ldc);
  }
}

int mr() { return MR; }

// C[m x n] = A[m x k] B[k x n], all row-major and contiguous; m a multiple of MR, n of NR (packed by
// the caller). Used by the dense (matmul) op of the encoder and the plain VAE.
void gemm_packed(int m, int n, int k, const float* a, const float* b, float* c) {
  gemm<false>(m, n, k, a, k, 1, b, n, c, n);
}
int nr() { return NR; }

// Forward of one tile: rows [row0, row0 + T) of image b (padded rows carry coordinates 0 and are
// ignored by the caller). H[l] points at T x n_l buffers (cache or scratch). Writes logits[C x T]
// (channel c of row t at c * T + t).
static void forward_tile(const Net& net, int b, int row0, int T, float* const* H, float* logits) {
  const int* n = net.dims;  // padded widths
  // layer 0: h0 = tanh(cx A0 + cy A1 + o) (or sin), vectorised over the hidden units
  {
    const float* A0 = net.A + (size_t)b * 2 * n[0];
    const float* A1 = A0 + n[0];
    const float* ob = net.o + (size_t)b * n[0];
    for (int t = 0; t < T; ++t) {
      const float cx = net.coords[2 * (row0 + t)], cy = net.coords[2 * (row0 + t) + 1];
      float* h = H[0] + (size_t)t * n[0];
      if (net.act0 == 1) {
        for (int j = 0; j < n[0]; j += VW) {
          vf s, c;
          vsincos(splat(cx) * load(A0 + j) + splat(cy) * load(A1 + j) + load(ob + j), s, c);
          store(h + j, s);
        }
      } else {
        for (int j = 0; j < n[0]; j += VW) store(h + j, vtanh(splat(cx) * load(A0 + j) + splat(cy) * load(A1 + j) + load(ob + j)));
      }
    }
  }
  for (int l = 1; l <= net.L; ++l) {
    const int k = n[l - 1], m = n[l];
    float* h = H[l];
    gemm<false>(T, m, k, H[l - 1], k, 1, net.W[l - 1], m, h, m);
    // bias (+ the per-image z offset of skip connections) and tanh while the tile is still in cache
    const float* bias = net.b[l - 1];
    const float* z = net.z[l - 1] ? net.z[l - 1] + (size_t)b * m : nullptr;
    alignas(64) float bz[1024];
    float* bzp = m <= 1024 ? bz : nullptr;
    if (!bzp) bzp = new float[m];
    for (int j = 0; j < m; ++j) bzp[j] = bias[j] + (z ? z[j] : 0.f);
    for (int t = 0; t < T; ++t) {
      float* row = h + (size_t)t * m;
      for (int j = 0; j < m; j += VW) store(row + j, vtanh(load(row + j) + load(bzp + j)));
    }
    if (bzp != bz) delete[] bzp;
  }
  const int nl = n[net.L];
  for (int c = 0; c < net.C; ++c) {
    const float* w = net.wOut + (size_t)c * nl;
    for (int t = 0; t < T; ++t) {
      const float* row = H[net.L] + (size_t)t * nl;
      vf acc = vf{};
      for (int j = 0; j < nl; j += VW) acc += load(row + j) * load(w + j);
      float s = net.bOut[c];
      for (int q = 0; q < VW; ++q) s += acc[q];
      logits[(size_t)c * T + t] = s;
    }
  }
}

void forward(const Net& net, int b, int row0, int T, float* const* H, float* logits) {
  forward_tile(net, b, row0, T, H, logits);
}

// Backward of one tile given dlogit[C x T] and the tile's activations H[0..L] (kept or recomputed).
// Accumulates into the per-thread gradient buffers of g. dH and dP are T x max(n) scratch.
void backward(const Net& net, int b, int row0, int T, float* const* H, const float* dlogit, Grads& g,
              float* dH, float* dP) {
  const int* n = net.dims;
  const int L = net.L;
  // output layer, per channel c: dwOut_c += H_L^T g_c, dbOut_c += sum g_c; dH_L = sum_c g_c wOut_c^T
  {
    const int nl = n[L];
    for (int t = 0; t < T; ++t) {
      const float* row = H[L] + (size_t)t * nl;
      float* dh = dH + (size_t)t * nl;
      for (int c = 0; c < net.C; ++c) {
        const float gt = dlogit[(size_t)c * T + t];
        g.bOut[c] += gt;
        float* gw = g.wOut + (size_t)c * nl;
        const float* w = net.wOut + (size_t)c * nl;
        for (int j = 0; j < nl; j += VW) {
          store(gw + j, load(gw + j) + splat(gt) * load(row + j));
          store(dh + j, (c == 0 ? vf{} : load(dh + j)) + splat(gt) * load(w + j));
        }
      }
    }
  }
  for (int l = L; l >= 1; --l) {
    const int m = n[l], k = n[l - 1];
    // dP = dH * (1 - h^2); the column sums are db_l and, per image, dz_l
    float* db = g.b[l - 1];
    float* dz = g.z[l - 1] ? g.z[l - 1] + (size_t)b * m : nullptr;
    for (int j = 0; j < m; j += VW) {
      vf s = vf{};
      for (int t = 0; t < T; ++t) {
        const vf h = load(H[l] + (size_t)t * m + j);
        const vf d = load(dH + (size_t)t * m + j) * (splat(1.f) - h * h);
        store(dP + (size_t)t * m + j, d);
        s += d;
      }
      store(db + j, load(db + j) + s);
      if (dz) store(dz + j, load(dz + j) + s);
    }
    // dW_l += H_{l-1}^T dP  (k x m, reduction over the T rows)
    gemm<true>(k, m, T, H[l - 1], 1, k, dP, m, g.W[l - 1], m);
    // dH_{l-1} = dP W_l^T, with W_l^T pre-transposed once per call (m x k)
    gemm<false>(T, k, m, dP, m, 1, net.WT[l - 1], k, dH, k);
  }
  // layer 0: dP0 = dH * (1 - h0^2) (sin: dH * cos of the recomputed pre-activation);
  // dA_b += [cx; cy]^T dP0, do_b += sum dP0
  {
    const int m = n[0];
    float* dA0 = g.A + (size_t)b * 2 * m;
    float* dA1 = dA0 + m;
    float* dob = g.o + (size_t)b * m;
    const float* A0 = net.A + (size_t)b * 2 * m;
    const float* A1 = A0 + m;
    const float* ob = net.o + (size_t)b * m;
    for (int j = 0; j < m; j += VW) {
      vf s0 = vf{}, s1 = vf{}, s = vf{};
      for (int t = 0; t < T; ++t) {
        const float cx = net.coords[2 * (row0 + t)], cy = net.coords[2 * (row0 + t) + 1];
        vf deriv;
        if (net.act0 == 1) {
          vf sn, cs;
          vsincos(splat(cx) * load(A0 + j) + splat(cy) * load(A1 + j) + load(ob + j), sn, cs);
          deriv = cs;
        } else {
          const vf h = load(H[0] + (size_t)t * m + j);
          deriv = splat(1.f) - h * h;
        }
        const vf d = load(dH + (size_t)t * m + j) * deriv;
        s0 += splat(cx) * d;
        s1 += splat(cy) * d;
        s += d;
      }
      store(dA0 + j, load(dA0 + j) + s0);
      store(dA1 + j, load(dA1 + j) + s1);
      store(dob + j, load(dob + j) + s);
    }
  }
}

// Peak of the micro-kernel on cache-resident data: `reps` products [192 x 128] x [128 x 128], the shape
// of one hidden layer on one tile. Returns the flops done (the caller times it).
double gemm_flops(int reps) {
  static thread_local float a[192 * 128], b[128 * 128], c[192 * 128];
  for (int i = 0; i < 192 * 128; ++i) a[i] = 0.001f * (i % 97);
  for (int i = 0; i < 128 * 128; ++i) b[i] = 0.001f * (i % 89);
  for (int r = 0; r < reps; ++r) gemm<false>(192, 128, 128, a, 128, 1, b, 128, c, 128);
  volatile float sink = c[7];
  (void)sink;
  return 2.0 * 192 * 128 * 128 * reps;
}

}  // namespace IVAE_NS
}  // namespace ivae_native
