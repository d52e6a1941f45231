// AVX2 + FMA build of the fused decoder kernels (CPUs without AVX-512).
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx2,fma")
#define IVAE_VW 8
#define IVAE_NS avx2
#include "kernels.h"
#include "scorer.h"
#include "mlp.h"
#endif
