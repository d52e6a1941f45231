// Types shared by addon.cc and the per-ISA kernel builds (kernels_<isa>.cc include kernels.h).
#pragma once

namespace ivae_native {

/** The decoder's parameters, every width padded to a multiple of the kernel's column block (zeros). */
struct Net {
  int L;                 // hidden layers after layer 0
  const int* dims;       // padded widths n_0..n_L
  const float* coords;   // [Ppad, 2], padded rows are (0, 0)
  const float* A;        // [B, 2, n_0]
  const float* o;        // [B, n_0]
  const float* const* W;   // W[l]: [n_l, n_{l+1}] (layer l+1), row-major
  const float* const* WT;  // its transpose [n_{l+1}, n_l] for the backward product
  const float* const* b;   // b[l]: [n_{l+1}]
  const float* const* z;   // z[l]: [B, n_{l+1}] or nullptr (skip connections)
  const float* wOut;     // [C, n_L]: one padded row per output channel
  const float* bOut;     // [C]
  int act0 = 0;          // activation of layer 0: 0 = tanh, 1 = sin (learned Fourier features)
  int C = 1;             // output channels (detector channels of the image): logits per tile are [C, T]
  int redo0 = 0;         // backward: compute layer 0 (and its cos) into H[0] (H[L + 1]) first, as they were not kept
};

/** One thread's gradient accumulators (padded like Net); summed over threads at the end. */
struct Grads {
  float* A;   // [B, 2, n_0]
  float* o;   // [B, n_0]
  float** W;  // [n_l, n_{l+1}]
  float** b;
  float** z;  // nullptr where the layer has no z offset
  float* wOut;  // [C, n_L]
  float* bOut;  // [C]
};

#define IVAE_DECLARE_KERNELS(NS)                                                                   \
  namespace NS {                                                                                   \
  int mr();                                                                                        \
  int nr();                                                                                        \
  float tanh_scalar(float x);                                                                      \
  void sincos_scalar(float x, float& s, float& c);                                                 \
  void forward(const Net& net, int b, int row0, int T, float* const* H, float* logits);            \
  void backward(const Net& net, int b, int row0, int T, float* const* H, const float* dlogit,      \
                Grads& g, float* dH, float* dP);                                                   \
  double gemm_flops(int reps);                                                                     \
  void gemm_packed(int m, int n, int k, const float* a, const float* b, float* c);                \
  }

IVAE_DECLARE_KERNELS(avx512)
IVAE_DECLARE_KERNELS(avx2)
IVAE_DECLARE_KERNELS(generic)

}  // namespace ivae_native
