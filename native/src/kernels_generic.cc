// Baseline x86-64 (SSE2) or any other architecture: 4-wide vectors, no ISA assumptions.
#define IVAE_VW 4
#define IVAE_NS generic
#include "kernels.h"
#include "scorer.h"
#include "mlp.h"
