// The plain VAE's fused step kernels (mlp.h), compiled per ISA like kernels_api.h / extra_api.h.
#pragma once

namespace ivae_native {

#define IVAE_DECLARE_MLP(NS)                                                                                       \
  namespace NS {                                                                                                   \
  void mlp_gemm(int m, int n, int k, const float* a, long ars, long acs, const float* b, long ldb, float* c,        \
                long ldc, bool acc);                                                                               \
  void mlp_tanh_bias(int rows, int n, float* h, const float* b);                                                   \
  void mlp_pixel_loss(int rows, int n, const float* l, const float* x, int kind, float sigma, float c, float* dl,   \
                      double* nll);                                                                                \
  void mlp_tanh_back(int rows, int n, const float* h, float* dh);                                                  \
  void mlp_col_sum(int rows, int n, const float* a, float* out);                                                   \
  }

IVAE_DECLARE_MLP(avx512)
IVAE_DECLARE_MLP(avx2)
IVAE_DECLARE_MLP(generic)

}  // namespace ivae_native
