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

#include "vmath.h"

#ifndef IVAE_ROWS_OUTER
#define IVAE_ROWS_OUTER 1
#endif
#ifndef IVAE_NOINLINE  // bench/tile-bench.cc -DIVAE_NOINLINE='__attribute__((noinline))' to profile the parts
#define IVAE_NOINLINE
#endif

constexpr int NR = 2 * VW;           // micro-tile width in columns (two registers)
constexpr int MR = (VW >= 16) ? 8 : 4;  // micro-tile height in rows; divides every padded width

// What a micro-tile does with its accumulators before storing them, while they are still in registers (saves a
// pass over the tile; issue 15): nothing; acc * (1 - e^2) with e the layer's activation (the gradient through its
// tanh); acc * e (through layer 0's sin: e is its cos). Both gradient forms also add the column sums of the
// result to cs0 and cs1 when given (db and the per-image dz or do).
enum Epi { kPlain = 0, kDTanh = 2, kDMul = 3 };
struct EpiArgs {
  const float* e = nullptr;     // kDTanh, kDMul: at (row i, column j), leading dimension lde
  long lde = 0;
  float* cs0 = nullptr;  // column sums, at column j (or nullptr)
  float* cs1 = nullptr;
  // layer 0 (the result is dP0, needed only for these sums, so it is not stored): coordinates (x, y) of row i, and
  // dA0 += sum_r x_r dP0[r], dA1 += sum_r y_r dP0[r] at column j
  const float* cxy = nullptr;
  float* dA0 = nullptr;
  float* dA1 = nullptr;
};

// C[ROWS x NR] (+)= sum_kk a(r, kk) * B[kk, 0:NR] with a(r, kk) = a[r*ars + kk*acs], then the epilogue EPI. The
// strides let the same kernel serve H W (ars = ld, acs = 1) and H^T dP (ars = 1, acs = ld) without transposing H.
// Forced inline with every row loop unrolled: left to itself GCC kept an out-of-line copy (the one the decoder's
// tiles call) whose accumulator arrays lived on the stack, a store per FMA pair, 3x slower than the inlined copy
// in gemm_packed (issue 15, measured with perf: the decoder's forward tile 87 -> 40 us, 192 rows x 64 x 64).
template <bool ACC, int ROWS, int EPI = kPlain>
__attribute__((always_inline)) static inline void micro(int K, const float* a, long ars, long acs, const float* b,
                                                        long ldb, float* c, long ldc, const EpiArgs& ep = {}) {
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
  if (EPI == kDTanh || EPI == kDMul) {
    vf s0 = vf{}, s1 = vf{}, x0 = vf{}, x1 = vf{}, y0 = vf{}, y1 = vf{};
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r) {
      const vf e0 = load(ep.e + r * ep.lde), e1 = load(ep.e + r * ep.lde + VW);
      const vf d0 = EPI == kDTanh ? c0[r] * (splat(1.f) - e0 * e0) : c0[r] * e0;
      const vf d1 = EPI == kDTanh ? c1[r] * (splat(1.f) - e1 * e1) : c1[r] * e1;
      s0 += d0;
      s1 += d1;
      if (ep.cxy) {
        const vf cx = splat_mem(ep.cxy + 2 * r), cy = splat_mem(ep.cxy + 2 * r + 1);
        x0 += cx * d0;
        x1 += cx * d1;
        y0 += cy * d0;
        y1 += cy * d1;
      } else {
        store(c + r * ldc, d0);
        store(c + r * ldc + VW, d1);
      }
    }
    if (ep.cs0) { store(ep.cs0, load(ep.cs0) + s0); store(ep.cs0 + VW, load(ep.cs0 + VW) + s1); }
    if (ep.cs1) { store(ep.cs1, load(ep.cs1) + s0); store(ep.cs1 + VW, load(ep.cs1 + VW) + s1); }
    if (ep.cxy) {
      store(ep.dA0, load(ep.dA0) + x0);
      store(ep.dA0 + VW, load(ep.dA0 + VW) + x1);
      store(ep.dA1, load(ep.dA1) + y0);
      store(ep.dA1 + VW, load(ep.dA1 + VW) + y1);
    }
    return;
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

// C[m x n] (+)= A[m x k] B[k x n] with the epilogue EPI (EpiArgs at the origin; moved to each micro-tile here);
// m a multiple of MR, n of NR (callers pad). The column blocks of B are the outer loop so one NR-wide panel of B
// (k x NR floats, 16 KB for k = 128) stays in L1 while all row blocks stream past it.
template <bool ACC, int EPI = kPlain>
IVAE_NOINLINE static void gemm(int m, int n, int k, const float* a, long ars, long acs, const float* b, long ldb,
                               float* c, long ldc, const EpiArgs& ep = {}) {
  // as many MRB-row tiles as leave a multiple of MR rows (m is one) for the MR-row tiles
  int nb = m / MRB;
  while (nb > 0 && (nb * MRB) % MR != 0) --nb;
  const int mb = nb * MRB;
  if (IVAE_ROWS_OUTER && (long)k * n <= 4096) {
    // all of B fits in half of L1 (k x n <= 16 KB): rows outside, so each row block of A is read from L2 once
    // (tile-bench, [64, 64]: forward 32.0 -> 31.0 us, backward 50.7 -> 50.0 us per tile, three alternations)
    auto at = [&](int i, int j, EpiArgs& e) {
      e = ep;
      if (e.cs0) e.cs0 += j;
      if (e.cs1) e.cs1 += j;
      if (e.dA0) { e.dA0 += j; e.dA1 += j; }
      if (e.e) e.e = ep.e + i * ep.lde + j;
      if (e.cxy) e.cxy = ep.cxy + 2 * i;
    };
    EpiArgs e;
    for (int i = 0; i < mb; i += MRB)
      for (int j = 0; j < n; j += NR) {
        at(i, j, e);
        micro<ACC, MRB, EPI>(k, a + i * ars, ars, acs, b + j, ldb, c + i * ldc + j, ldc, e);
      }
    for (int i = mb; i < m; i += MR)
      for (int j = 0; j < n; j += NR) {
        at(i, j, e);
        micro<ACC, MR, EPI>(k, a + i * ars, ars, acs, b + j, ldb, c + i * ldc + j, ldc, e);
      }
    return;
  }
  for (int j = 0; j < n; j += NR) {
    EpiArgs e = ep;
    if (e.cs0) e.cs0 += j;
    if (e.cs1) e.cs1 += j;
    if (e.dA0) { e.dA0 += j; e.dA1 += j; }
    for (int i = 0; i < mb; i += MRB) {
      if (e.e) e.e = ep.e + i * ep.lde + j;
      if (e.cxy) e.cxy = ep.cxy + 2 * i;
      micro<ACC, MRB, EPI>(k, a + i * ars, ars, acs, b + j, ldb, c + i * ldc + j, ldc, e);
    }
    for (int i = mb; i < m; i += MR) {
      if (e.e) e.e = ep.e + i * ep.lde + j;
      if (e.cxy) e.cxy = ep.cxy + 2 * i;
      micro<ACC, MR, EPI>(k, a + i * ars, ars, acs, b + j, ldb, c + i * ldc + j, ldc, e);
    }
  }
}

int mr() { return MR; }

// C[m x n] = A[m x k] B[k x n], all row-major and contiguous; m a multiple of MR, n of NR (packed by
// the caller). Used by the dense (matmul) op of the encoder and the plain VAE.
void gemm_packed(int m, int n, int k, const float* a, const float* b, float* c) {
  gemm<false>(m, n, k, a, k, 1, b, n, c, n);
}
int nr() { return NR; }

// Layer 0 of one tile: H0 = tanh(cx A0 + cy A1 + o) (or sin, Fourier features; then its cos into Hc when given,
// the derivative the backward needs), vectorised over the hidden units.
IVAE_NOINLINE static void layer0(const Net& net, int b, int row0, int T, float* H0, float* Hc) {
  const int n0 = net.dims[0];
  const float* A0 = net.A + (size_t)b * 2 * n0;
  const float* A1 = A0 + n0;
  const float* ob = net.o + (size_t)b * n0;
  for (int t = 0; t < T; ++t) {
    const vf cx = splat(net.coords[2 * (row0 + t)]), cy = splat(net.coords[2 * (row0 + t) + 1]);
    float* h = H0 + (size_t)t * n0;
    float* hc = Hc ? Hc + (size_t)t * n0 : nullptr;
    if (net.act0 == 1) {
      for (int j = 0; j < n0; j += VW) {
        vf s, c;
        vsincos(cx * load(A0 + j) + cy * load(A1 + j) + load(ob + j), s, c);
        store(h + j, s);
        if (hc) store(hc + j, c);
      }
    } else {
      for (int j = 0; j < n0; j += VW) store(h + j, vtanh(cx * load(A0 + j) + cy * load(A1 + j) + load(ob + j)));
    }
  }
}

// logits[c T + t] = H_L[t] . wOut_c + bOut_c, the lanes summed after bOut in lane order: the order the saved-model
// fixtures were decoded with (test/models/saved-models.test.ts asks bit-for-bit; a hadd tree over eight rows,
// tried in issue 15's second pass, changed the last bit and measured no faster).
IVAE_NOINLINE static void output_layer(const Net& net, int T, const float* HL, float* logits) {
  const int nl = net.dims[net.L];
  for (int c = 0; c < net.C; ++c) {
    const float* w = net.wOut + (size_t)c * nl;
    for (int t = 0; t < T; ++t) {
      const float* row = HL + (size_t)t * nl;
      vf acc = vf{};
      for (int j = 0; j < nl; j += VW) acc += load(row + j) * load(w + j);
      float s = net.bOut[c];
      for (int q = 0; q < VW; ++q) s += acc[q];
      logits[(size_t)c * T + t] = s;
    }
  }
}

// Forward of one tile: rows [row0, row0 + T) of image b (padded rows carry coordinates 0 and are
// ignored by the caller). H[l] points at T x n_l buffers (cache or scratch), H[L + 1] at one for layer 0's cos
// (Fourier layer; nullptr: not kept). Writes logits[C x T] (channel c of row t at c * T + t).
void forward(const Net& net, int b, int row0, int T, float* const* H, float* logits) {
  const int* n = net.dims;  // padded widths
  layer0(net, b, row0, T, H[0], net.act0 == 1 ? H[net.L + 1] : nullptr);
  for (int l = 1; l <= net.L; ++l) {
    const int k = n[l - 1], m = n[l];
    // bias (+ the per-image z offset of skip connections) and tanh while the tile is in cache; a separate pass:
    // applied to the micro-kernel's registers (an epilogue like the backward's) the forward tile took 52 instead
    // of 31 us (tile-bench, [64, 64]): the inlined tanh of 12 accumulators spills the main loop's registers
    const float* bias = net.b[l - 1];
    const float* z = net.z[l - 1] ? net.z[l - 1] + (size_t)b * m : nullptr;
    alignas(64) float bz[1024];
    float* bzp = m <= 1024 ? bz : new float[m];
    for (int j = 0; j < m; ++j) bzp[j] = bias[j] + (z ? z[j] : 0.f);
    gemm<false>(T, m, k, H[l - 1], k, 1, net.W[l - 1], m, H[l], m);
    for (int t = 0; t < T; ++t) {
      float* row = H[l] + (size_t)t * m;
      for (int j = 0; j < m; j += VW) store(row + j, vtanh(load(row + j) + load(bzp + j)));
    }
    if (bzp != bz) delete[] bzp;
  }
  output_layer(net, T, H[net.L], logits);
}

// dP_L = (sum_c g_c wOut_c) * (1 - h_L^2) for the last hidden layer, with dwOut_c += H_L^T g_c, dbOut_c += sum g_c
// and the column sums of dP_L into db (and dz); one pass over H_L, column blocks outside so the sums stay in
// registers. Needs L >= 1.
IVAE_NOINLINE static void output_backward(const Net& net, int T, const float* HL, const float* dlogit, float* dP,
                                          float* db, float* dz, Grads& g) {
  const int nl = net.dims[net.L], C = net.C;
  for (int c = 0; c < C; ++c) {
    float s = 0.f;
    for (int t = 0; t < T; ++t) s += dlogit[(size_t)c * T + t];
    g.bOut[c] += s;
  }
  for (int j = 0; j < nl; j += VW) {
    vf sb = vf{};
    if (C == 1) {  // one pass: dP = g w (1 - h^2)
      // four rows at a time with their own partial sums: one accumulator per sum made each row wait for the
      // previous row's add (tile-bench, perf: this loop was 8 % of a tile's time; T is a multiple of 4)
      const vf w = load(net.wOut + j);
      vf sw[4] = {}, sq[4] = {};
      for (int t = 0; t < T; t += 4) {
#pragma GCC unroll 4
        for (int u = 0; u < 4; ++u) {
          const vf gt = splat(dlogit[t + u]);
          const vf h = load(HL + (size_t)(t + u) * nl + j);
          sw[u] += gt * h;
          const vf d = gt * w * (splat(1.f) - h * h);
          store(dP + (size_t)(t + u) * nl + j, d);
          sq[u] += d;
        }
      }
      sb = (sq[0] + sq[1]) + (sq[2] + sq[3]);
      store(g.wOut + j, load(g.wOut + j) + ((sw[0] + sw[1]) + (sw[2] + sw[3])));
      store(db + j, load(db + j) + sb);
      if (dz) store(dz + j, load(dz + j) + sb);
      continue;
    }
    for (int c = 0; c < C; ++c) {
      const vf w = load(net.wOut + (size_t)c * nl + j);
      vf sw = vf{};
      for (int t = 0; t < T; ++t) {
        const vf gt = splat(dlogit[(size_t)c * T + t]);
        const vf h = load(HL + (size_t)t * nl + j);
        sw += gt * h;
        const vf prev = c == 0 ? vf{} : load(dP + (size_t)t * nl + j);
        store(dP + (size_t)t * nl + j, prev + gt * w);
      }
      float* gw = g.wOut + (size_t)c * nl + j;
      store(gw, load(gw) + sw);
    }
    for (int t = 0; t < T; ++t) {
      const vf h = load(HL + (size_t)t * nl + j);
      const vf d = load(dP + (size_t)t * nl + j) * (splat(1.f) - h * h);
      store(dP + (size_t)t * nl + j, d);
      sb += d;
    }
    store(db + j, load(db + j) + sb);
    if (dz) store(dz + j, load(dz + j) + sb);
  }
}

// Backward of one tile given dlogit[C x T] and the tile's activations H[0..L] and layer 0's cos H[L + 1] (Fourier
// layer), kept by the forward or recomputed: with net.redo0 the backward computes H[0] and H[L + 1] itself first
// (the addon then keeps only H[1..L] between the passes). Accumulates into the per-thread gradient buffers of g.
// dH and dP are T x max(n) scratch.
void backward(const Net& net, int b, int row0, int T, float* const* H, const float* dlogit, Grads& g,
              float* dH, float* dP) {
  const int* n = net.dims;
  const int L = net.L;
  const bool sin0 = net.act0 == 1;
  if (net.redo0) layer0(net, b, row0, T, H[0], sin0 ? H[L + 1] : nullptr);
  const int n0 = n[0];
  float* do_b = g.o + (size_t)b * n0;
  float* cur = dP;  // gradient w.r.t. the pre-activation of the layer being done
  float* nxt = dH;
  if (L == 0) {
    // no hidden layer: layer 0 feeds the output directly
    for (int c = 0; c < net.C; ++c) {
      float s = 0.f;
      for (int t = 0; t < T; ++t) s += dlogit[(size_t)c * T + t];
      g.bOut[c] += s;
    }
    for (int t = 0; t < T; ++t) {
      const float* row = H[0] + (size_t)t * n0;
      for (int j = 0; j < n0; j += VW) {
        vf dh = vf{};
        for (int c = 0; c < net.C; ++c) {
          const vf gt = splat(dlogit[(size_t)c * T + t]);
          float* gw = g.wOut + (size_t)c * n0 + j;
          store(gw, load(gw) + gt * load(row + j));
          dh += gt * load(net.wOut + (size_t)c * n0 + j);
        }
        const vf e = sin0 ? load(H[1] + (size_t)t * n0 + j) : load(row + j);
        const vf d = sin0 ? dh * e : dh * (splat(1.f) - e * e);
        store(cur + (size_t)t * n0 + j, d);
        store(do_b + j, load(do_b + j) + d);
      }
    }
  } else {
    output_backward(net, T, H[L], dlogit, cur, g.b[L - 1], g.z[L - 1] ? g.z[L - 1] + (size_t)b * n[L] : nullptr, g);
  }
  for (int l = L; l >= 1; --l) {
    const int m = n[l], k = n[l - 1];
    // dW_l += H_{l-1}^T dP_l  (k x m, reduction over the T rows)
    gemm<true>(k, m, T, H[l - 1], 1, k, cur, m, g.W[l - 1], m);
    // dP_{l-1} = (dP_l W_l^T) * act'_{l-1} (W_l^T pre-transposed once per call, m x k), with its column sums:
    // db_{l-1} and dz_{l-1} of the layer below, or do_b (layer 0)
    EpiArgs ep;
    ep.lde = k;
    if (l > 1) {
      ep.e = H[l - 1];
      ep.cs0 = g.b[l - 2];
      ep.cs1 = g.z[l - 2] ? g.z[l - 2] + (size_t)b * k : nullptr;
      gemm<false, kDTanh>(T, k, m, cur, m, 1, net.WT[l - 1], k, nxt, k, ep);
    } else {
      // layer 0: dP0 goes straight into do_b, dA_b (sums over the rows with their coordinates); not stored
      ep.e = sin0 ? H[L + 1] : H[0];
      ep.cs0 = do_b;
      ep.cxy = net.coords + 2 * (size_t)row0;
      ep.dA0 = g.A + (size_t)b * 2 * n0;
      ep.dA1 = ep.dA0 + n0;
      if (sin0) gemm<false, kDMul>(T, k, m, cur, m, 1, net.WT[l - 1], k, nxt, k, ep);
      else gemm<false, kDTanh>(T, k, m, cur, m, 1, net.WT[l - 1], k, nxt, k, ep);
      return;
    }
    float* tmp = cur;
    cur = nxt;
    nxt = tmp;
  }
  // no hidden layer (L == 0): dA_b += [cx; cy]^T dP0 (do_b came with the output pass)
  float* dA0 = g.A + (size_t)b * 2 * n0;
  float* dA1 = dA0 + n0;
  for (int j = 0; j < n0; j += VW) {
    vf s0 = vf{}, s1 = vf{};
    for (int t = 0; t < T; ++t) {
      const vf d = load(cur + (size_t)t * n0 + j);
      s0 += splat(net.coords[2 * (row0 + t)]) * d;
      s1 += splat(net.coords[2 * (row0 + t) + 1]) * d;
    }
    store(dA0 + j, load(dA0 + j) + s0);
    store(dA1 + j, load(dA1 + j) + s1);
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
