// Kernels added beside the coordinate decoder (kernels_api.h), compiled per ISA the same way:
// kernels_<isa>.cc include kernels.h and then the headers below, in one namespace per ISA.
#pragma once

namespace ivae_native {

#define IVAE_DECLARE_EXTRA(NS)                                                                         \
  namespace NS {                                                                                       \
  int scorer_lanes();                                                                                  \
  void scorer_pad_image(const float* polar, int K, int R, int kw, float* pad);                         \
  void scorer_forward(const float* pad, int K, int R, int Q, int Cp, const float* W0, const float* b0, \
                      const float* W1, float* h, float* scores);                                       \
  void scorer_backward(const float* pad, int K, int R, int Q, int Cp, const float* W1, const float* h, \
                       const float* ds, float* dpre, float* dW0, float* db0, float* dW1);              \
  }

IVAE_DECLARE_EXTRA(avx512)
IVAE_DECLARE_EXTRA(avx2)
IVAE_DECLARE_EXTRA(generic)

/** Name of the instruction set addon.cc picked ("avx512", "avx2", "generic") and its thread count. */
const char* current_isa();
int current_threads();

}  // namespace ivae_native
