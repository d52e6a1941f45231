// The plain VAE's fused step (addon_mlp.cc): its products over the addon's pool, on OpenBLAS (blas.h) or the
// micro-kernel (mlp.h), and how each product is cut into chunks (plan()). Included by addon_mlp.cc only.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "blas.h"
#include "extra_api.h"
#include "mlp_api.h"
#include "pool.h"

namespace ivae_native {
namespace {

struct Mlp {
  void (*gemm)(int, int, int, const float*, long, long, const float*, long, float*, long, bool);
  void (*tanh_bias)(int, int, float*, const float*);
  void (*pixel_loss)(int, int, const float*, const float*, int, float, float, float*, double*);
  void (*tanh_back)(int, int, const float*, float*);
  void (*col_sum)(int, int, const float*, float*);
};

#define IVAE_MLP(NS) Mlp{NS::mlp_gemm, NS::mlp_tanh_bias, NS::mlp_pixel_loss, NS::mlp_tanh_back, NS::mlp_col_sum}

Mlp mlp() {
  const std::string isa = current_isa();
#if defined(__x86_64__) || defined(__i386__)
  if (isa == "avx512") return IVAE_MLP(avx512);
  if (isa == "avx2") return IVAE_MLP(avx2);
#endif
  return IVAE_MLP(generic);
}

// Runs fn(first, last) over row blocks of [0, m) (multiples of 8 rows, the largest micro-tile height) on up to
// the addon's thread count, through the persistent pool (pool.h); one thread below 1M multiply-adds, where the
// hand-off costs more than it saves.
// The row blocks are fixed chunks of the problem (pool.h): at most 16, bounds from m only, one call each, so a
// product's shapes, and with them OpenBLAS's kernels and every sum, are the same for any thread count.
template <typename F>
void rows_parallel(int m, double work, F fn) {
  const int blocks = (m + 7) / 8;
  const int nc = chunk_count(blocks, kRowChunks);
  pool_chunks(work < 1e6 ? 1 : current_threads(), nc, [&](int ch) {
    const int r0 = std::min(m, (int)chunk_begin(blocks, nc, ch) * 8);
    const int r1 = std::min(m, (int)chunk_begin(blocks, nc, ch + 1) * 8);
    if (r1 > r0) fn(r0, r1);
  });
}

// A product's operand: element (r, c) is p[r rs + c cs]; rs == 1 (stored transposed) or cs == 1 (row-major).
struct Operand {
  const float* p;
  long rs, cs;
};

// How a product C[m x n] (+)= A[m x k] B[k x n] is cut into chunks for the pool: by rows of C, by columns of C, or
// along k (each chunk's partial product in its own buffer, the partials added in chunk order). Each chunk is one
// sgemm call, and every call packs its share of both operands: a row chunk packs all of B, a column chunk all of A.
// With B = 128 images the row split of the old code (16 chunks of 8 rows) packed the encoder's [2304, 128] weight
// 16 times per product; perf showed OpenBLAS's packing (sgemm_itcopy/incopy) at ~70 % of its kernel's time in the
// step. The plan takes the split that copies least: the extra operand traffic is (nc − 1) k n for rows,
// (nc − 1) m k for columns and 2 (nc − 1) m n (write and add the partials) along k. Chunks depend on the shapes
// only (pool.h: the same sums for any thread count); products under 1M multiply-adds are one call on one thread.
enum class Split { kRows, kCols, kDepth };
struct Plan {
  Split split;
  int nc;
};

Plan plan(int m, int n, int k) {
  if ((double)m * n * k < 1e6) return {Split::kRows, 1};
  const int rc = chunk_count((m + 7) / 8, kRowChunks);    // rows in multiples of 8 (the micro-tile height)
  const int cc = chunk_count((n + 15) / 16, kRowChunks);  // columns in multiples of 16 (its width)
  const int kc = chunk_count(k / 256, kRowChunks);        // at least 256 of the reduction per call
  const int most = std::max(rc, std::max(cc, kc));
  const int need = std::min(4, most);  // enough chunks to share among threads
  Plan best{Split::kRows, rc};
  double cost = 1e300;
  const auto consider = [&](Split s, int nc, double c) {
    if (nc >= need && c < cost) best = {s, nc}, cost = c;
  };
  consider(Split::kRows, rc, (double)(rc - 1) * k * n);
  consider(Split::kCols, cc, (double)(cc - 1) * m * k);
  consider(Split::kDepth, kc, 2.0 * (kc - 1) * m * n);
  return best;
}

// C[r0:r1, j0:j1] (+)= A[r0:r1, k0:k1] B[k0:k1, j0:j1] with C's rows ldc apart, on OpenBLAS when it is loaded
// (blas.h) and the layouts are ones it takes, else on the micro-kernel (which needs B row-major: callers with a
// transposed B pass a transposed copy when BLAS is off).
void mm_part(const Mlp& k, int r0, int r1, int j0, int j1, int k0, int k1, Operand A, Operand Bm, float* c, long ldc,
             bool acc) {
  const int M = r1 - r0, N = j1 - j0, K = k1 - k0;
  const float* a = A.p + r0 * A.rs + k0 * A.cs;
  const float* b = Bm.p + k0 * Bm.rs + j0 * Bm.cs;
  c += r0 * ldc + j0;
  if (blas_on()) {
    const bool an = A.cs == 1 && A.rs >= K, at = !an && A.rs == 1 && A.cs >= M;
    const bool bn = Bm.cs == 1 && Bm.rs >= N, bt = !bn && Bm.rs == 1 && Bm.cs >= K;
    if ((an || at) && (bn || bt) &&
        blas_sgemm(at, bt, M, N, K, a, (int)(an ? A.rs : A.cs), b, (int)(bn ? Bm.rs : Bm.cs), acc ? 1.f : 0.f, c,
                   (int)ldc))
      return;
  }
  k.gemm(M, N, K, a, A.rs, A.cs, b, Bm.rs, c, ldc, acc);  // Bm.cs == 1 here (see above)
}

// C[m x n] (+)= op(A) op(B) over the pool, cut as plan() says. A is read as a(r, kk) = a[r ars + kk acs] (acs == 1:
// row-major with leading dimension ars; ars == 1: stored transposed); B is row-major [k x n] unless given as an
// Operand.
void mm(const Mlp& k, int m, int n, int kk, Operand A, Operand Bm, float* c, bool acc) {
  const Plan p = plan(m, n, kk);
  const int nt = (double)m * n * kk < 1e6 ? 1 : current_threads();
  if (p.split == Split::kRows) {
    const int blocks = (m + 7) / 8;
    pool_chunks(nt, p.nc, [&](int ch) {
      const int r0 = std::min(m, (int)chunk_begin(blocks, p.nc, ch) * 8);
      const int r1 = std::min(m, (int)chunk_begin(blocks, p.nc, ch + 1) * 8);
      if (r1 > r0) mm_part(k, r0, r1, 0, n, 0, kk, A, Bm, c, n, acc);
    });
  } else if (p.split == Split::kCols) {
    const int blocks = (n + 15) / 16;
    pool_chunks(nt, p.nc, [&](int ch) {
      const int j0 = std::min(n, (int)chunk_begin(blocks, p.nc, ch) * 16);
      const int j1 = std::min(n, (int)chunk_begin(blocks, p.nc, ch + 1) * 16);
      if (j1 > j0) mm_part(k, 0, m, j0, j1, 0, kk, A, Bm, c, n, acc);
    });
  } else {
    // partials of the k chunks, added in chunk order (sum_chunks); buffers kept between calls
    static thread_local std::vector<float> scratch;
    const size_t mn = (size_t)m * n;
    scratch.resize(mn * (p.nc + (acc ? 1 : 0)));
    std::vector<float*> parts;
    for (int ch = 0; ch < p.nc; ++ch) parts.push_back(scratch.data() + mn * ch);
    pool_chunks(nt, p.nc, [&](int ch) {
      const int k0 = (int)chunk_begin(kk, p.nc, ch), k1 = (int)chunk_begin(kk, p.nc, ch + 1);
      mm_part(k, 0, m, 0, n, k0, k1, A, Bm, parts[ch], n, false);
    });
    float* sum = acc ? scratch.data() + mn * p.nc : c;
    sum_chunks(nt, parts, mn, sum);
    if (acc)
      for (size_t i = 0; i < mn; ++i) c[i] += sum[i];
  }
}

void mm(const Mlp& k, int m, int n, int kk, const float* a, long ars, long acs, const float* b, float* c, bool acc) {
  mm(k, m, n, kk, Operand{a, ars, acs}, Operand{b, n, 1}, c, acc);
}

std::vector<float> transpose(const float* w, int rows, int cols);

// C[m x no] = A[m x n] Wᵀ for W [no x n] row-major (the input gradient dP Wᵀ): OpenBLAS reads W transposed in
// place; the micro-kernel needs a transposed copy.
void mm_wt(const Mlp& k, int m, int no, int n, const float* a, const float* W, float* c) {
  if (blas_on()) return mm(k, m, no, n, Operand{a, n, 1}, Operand{W, 1, n}, c, false);
  const std::vector<float> WT = transpose(W, no, n);
  mm(k, m, no, n, a, n, 1, WT.data(), c, false);
}

std::vector<float> transpose(const float* w, int rows, int cols) {
  std::vector<float> t((size_t)rows * cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) t[(size_t)j * rows + i] = w[(size_t)i * cols + j];
  return t;
}

}  // namespace
}  // namespace ivae_native
