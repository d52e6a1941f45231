// Optional OpenBLAS for the dense products (issue 15: "prefer linking a well-kept BLAS over growing the hand-written
// gemm where it is as fast"). Loaded at run time with dlopen, so neither the build nor the install needs BLAS
// headers or libraries: where libopenblas.so.0 is absent (or IVAE_NATIVE_BLAS=0) every product runs on the
// addon's own micro-kernel, as before. OpenBLAS is kept single-threaded: the addon splits each product over its
// own worker pool (pool.h) and each worker calls sgemm on its share, so there is one set of threads, never
// OpenBLAS's pool on top of ours (no oversubscription of the cores).
#pragma once

namespace ivae_native {

/** Whether OpenBLAS was found and loaded (first call loads it). */
bool blas_available();
/** "OpenBLAS 0.3.21 ..." (its openblas_get_config), the reason it is not used, or "off (IVAE_NATIVE_BLAS=0)". */
const char* blas_description();
/** Whether products go to OpenBLAS now (loaded and not turned off). */
bool blas_on();
/** Turns the BLAS path on or off at run time (tests compare both); returns whether it is now on. */
bool blas_enable(bool on);

/** C[m x n] = op(A) op(B) + beta C, all row-major: op(A) [m x k] is A (lda >= k) or, with ta, Aᵀ of a [k x m]
 * A (lda >= m); likewise op(B) [k x n]. Returns false (nothing done) when BLAS is not in use. */
bool blas_sgemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
                float* c, int ldc);

}  // namespace ivae_native
