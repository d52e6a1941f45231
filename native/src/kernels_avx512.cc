// AVX-512 build of the fused decoder kernels (chosen at run time when the CPU reports avx512f).
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
#define IVAE_VW 16
#define IVAE_NS avx512
#include "kernels.h"
#include "scorer.h"
#include "mlp.h"
#endif
