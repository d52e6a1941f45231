// Frame scorer of the equivariant pose encoder (src/models/pose-encoder.ts `frameScores`), fused: the
// circular correlation over trial angles, tanh and the 1x1 layer to one score, forward and the gradients of
// its weights. Included by kernels_<isa>.cc right after kernels.h, so it shares that ISA's vector type,
// load/store and vtanh (same namespace).
//
// Math, per image b and trial k (polar image [K, R], trial-major; kw odd, half = (kw - 1) / 2):
//   col[k][j R + r] = polar[((k + j - half) mod K) R + r]           (j < kw, r < R: the im2col row)
//   h[k][c] = tanh(b0[c] + sum_q col[k][q] W0[q][c]),  score[k] = sum_c h[k][c] W1[c]
// Why fused: the im2col matrix is B K kw R floats (16 MB at B = 128, 48 px) that tfjs built in JS and
// uploaded every step, and its product ran on one core. Here each image's row k is a contiguous window of
// the circularly padded polar image (row stride R), so nothing is materialised, and images are split over
// threads. The polar image is data (no gradient), so the backward pass computes dW0, db0, dW1 only.

namespace ivae_native {
namespace IVAE_NS {

// Circular padding of one polar image: pad[(i) R + r] = polar[((i - half) mod K) R + r], i < K + kw - 1.
static void scorer_pad(const float* polar, int K, int R, int kw, float* pad) {
  const int half = (kw - 1) / 2;
  for (int i = 0; i < K + kw - 1; ++i) {
    const int src = ((i - half) % K + K) % K;
    std::memcpy(pad + (size_t)i * R, polar + (size_t)src * R, sizeof(float) * R);
  }
}

// h[K x Cp] = tanh(pad-windows W0 + b0) and scores[K] for one image; W0 is [Q x Cp] (Q = kw R), columns
// padded with zeros to Cp (a multiple of VW), b0 and W1 likewise.
template <int NV>
static void scorer_fwd_image(const float* pad, int K, int R, int Q, int Cp, const float* W0, const float* b0,
                             const float* W1, float* h, float* scores, bool add) {
  int k = 0;
  for (; k + 1 < K; k += 2) {  // two trials share every load of W0
    vf a0[NV], a1[NV];
    for (int v = 0; v < NV; ++v) a0[v] = a1[v] = load(b0 + v * VW);
    const float* x0 = pad + (size_t)k * R;
    const float* x1 = x0 + R;
    for (int q = 0; q < Q; ++q) {
      const vf s0 = splat_mem(x0 + q), s1 = splat_mem(x1 + q);  // broadcasts from memory: no shuffle uops
      const float* w = W0 + (size_t)q * Cp;
      for (int v = 0; v < NV; ++v) {
        const vf wv = load(w + v * VW);
        a0[v] += s0 * wv;
        a1[v] += s1 * wv;
      }
    }
    vf o0 = vf{}, o1 = vf{};
    for (int v = 0; v < NV; ++v) {
      a0[v] = vtanh(a0[v]);
      a1[v] = vtanh(a1[v]);
      store(h + (size_t)k * Cp + v * VW, a0[v]);
      store(h + (size_t)(k + 1) * Cp + v * VW, a1[v]);
      o0 += a0[v] * load(W1 + v * VW);
      o1 += a1[v] * load(W1 + v * VW);
    }
    float t0 = 0, t1 = 0;
    for (int q = 0; q < VW; ++q) { t0 += o0[q]; t1 += o1[q]; }
    scores[k] = add ? scores[k] + t0 : t0;
    scores[k + 1] = add ? scores[k + 1] + t1 : t1;
  }
  for (; k < K; ++k) {
    vf a0[NV];
    for (int v = 0; v < NV; ++v) a0[v] = load(b0 + v * VW);
    const float* x0 = pad + (size_t)k * R;
    for (int q = 0; q < Q; ++q) {
      const vf s0 = splat_mem(x0 + q);
      for (int v = 0; v < NV; ++v) a0[v] += s0 * load(W0 + (size_t)q * Cp + v * VW);
    }
    vf o0 = vf{};
    for (int v = 0; v < NV; ++v) {
      a0[v] = vtanh(a0[v]);
      store(h + (size_t)k * Cp + v * VW, a0[v]);
      o0 += a0[v] * load(W1 + v * VW);
    }
    float t0 = 0;
    for (int q = 0; q < VW; ++q) t0 += o0[q];
    scores[k] = add ? scores[k] + t0 : t0;
  }
}

// dW0 rows q .. q + QB - 1 (x = pad + q, w = dW0 + q Cp): w[i][c] += sum_k x[k R + i] dpre[k][c], k in order.
template <int NV, int QB>
// Forced inline: an out-of-line copy kept the QB x NV accumulators on the stack (a store per FMA), 2x slower.
__attribute__((always_inline)) static inline void scorer_bwd_rows(const float* x, int K, int R, int Cp,
                                                                  const float* dpre, float* w) {
  vf acc[QB][NV];
  for (int i = 0; i < QB; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = load(w + (size_t)i * Cp + v * VW);
  for (int k = 0; k < K; ++k) {
    const float* xk = x + (size_t)k * R;
    const float* d = dpre + (size_t)k * Cp;
    vf s[QB];
    for (int i = 0; i < QB; ++i) s[i] = splat_mem(xk + i);
    for (int v = 0; v < NV; ++v) {
      const vf dv = load(d + v * VW);
      for (int i = 0; i < QB; ++i) acc[i][v] += s[i] * dv;
    }
  }
  for (int i = 0; i < QB; ++i)
    for (int v = 0; v < NV; ++v) store(w + (size_t)i * Cp + v * VW, acc[i][v]);
}

// One image's contribution to the weight gradients: dpre = ds W1 (1 - h^2) [K x Cp] (scratch), then
// dW0[q] += sum_k pad[k R + q] dpre[k], db0 += sum_k dpre[k], dW1 += sum_k ds[k] h[k].
template <int NV>
static void scorer_bwd_image(const float* pad, int K, int R, int Q, int Cp, const float* W1, const float* h,
                             const float* ds, float* dpre, float* dW0, float* db0, float* dW1) {
  for (int k = 0; k < K; ++k) {
    const vf g = splat(ds[k]);
    for (int v = 0; v < NV; ++v) {
      const vf hv = load(h + (size_t)k * Cp + v * VW);
      const vf d = g * load(W1 + v * VW) * (splat(1.f) - hv * hv);
      store(dpre + (size_t)k * Cp + v * VW, d);
      store(db0 + v * VW, load(db0 + v * VW) + d);
      store(dW1 + v * VW, load(dW1 + v * VW) + g * hv);
    }
  }
  // QB rows of dW0 at a time share each load of dpre (the loop was load-bound with one row: NV loads and a
  // broadcast per NV FMAs); every dW0[q][c] still sums over k in the same order, so the values are unchanged.
  constexpr int QB = NV <= 2 ? 4 : NV <= 4 ? 3 : 1;
  int q = 0;
  for (; q + QB <= Q; q += QB) scorer_bwd_rows<NV, QB>(pad + q, K, R, Cp, dpre, dW0 + (size_t)q * Cp);
  for (; q < Q; ++q) scorer_bwd_rows<NV, 1>(pad + q, K, R, Cp, dpre, dW0 + (size_t)q * Cp);
}

int scorer_lanes() { return VW; }

// Channels go in chunks of up to 8 vector registers (one template instance per chunk width); a chunk's
// columns sit at offset c0 in rows of width Cp (a multiple of VW). dpre is [K x Cp] scratch.
#define IVAE_SCORER_DISPATCH(FN, NVAL, ...) \
  switch (NVAL) {                           \
    case 1: FN<1>(__VA_ARGS__); break;      \
    case 2: FN<2>(__VA_ARGS__); break;      \
    case 3: FN<3>(__VA_ARGS__); break;      \
    case 4: FN<4>(__VA_ARGS__); break;      \
    case 5: FN<5>(__VA_ARGS__); break;      \
    case 6: FN<6>(__VA_ARGS__); break;      \
    case 7: FN<7>(__VA_ARGS__); break;      \
    default: FN<8>(__VA_ARGS__); break;     \
  }

void scorer_forward(const float* pad, int K, int R, int Q, int Cp, const float* W0, const float* b0,
                    const float* W1, float* h, float* scores) {
  for (int c0 = 0; c0 < Cp; c0 += 8 * VW) {
    const int nv = (Cp - c0) / VW < 8 ? (Cp - c0) / VW : 8;
    IVAE_SCORER_DISPATCH(scorer_fwd_image, nv, pad, K, R, Q, Cp, W0 + c0, b0 + c0, W1 + c0, h + c0, scores, c0 > 0)
  }
}

void scorer_backward(const float* pad, int K, int R, int Q, int Cp, const float* W1, const float* h,
                     const float* ds, float* dpre, float* dW0, float* db0, float* dW1) {
  for (int c0 = 0; c0 < Cp; c0 += 8 * VW) {
    const int nv = (Cp - c0) / VW < 8 ? (Cp - c0) / VW : 8;
    IVAE_SCORER_DISPATCH(scorer_bwd_image, nv, pad, K, R, Q, Cp, W1 + c0, h + c0, ds, dpre + c0, dW0 + c0, db0 + c0,
                         dW1 + c0)
  }
}
#undef IVAE_SCORER_DISPATCH

void scorer_pad_image(const float* polar, int K, int R, int kw, float* pad) { scorer_pad(polar, K, R, kw, pad); }

}  // namespace IVAE_NS
}  // namespace ivae_native
