// Run-time binding of OpenBLAS's cblas_sgemm (blas.h). Only OpenBLAS is accepted (it is recognised by
// openblas_set_num_threads, which also keeps it single-threaded): a libblas.so.3 could be netlib's reference
// BLAS, several times slower than the addon's own kernel.
#include "blas.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace ivae_native {
namespace {

// cblas.h's enums (no header needed): CblasRowMajor 101, CblasNoTrans 111, CblasTrans 112.
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                         int);

struct Blas {
  sgemm_fn sgemm = nullptr;
  bool on = false;
  std::string desc = "not loaded";
};

Blas& state() {
  static Blas b;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("IVAE_NATIVE_BLAS");
    if (env && std::strcmp(env, "0") == 0) {
      b.desc = "off (IVAE_NATIVE_BLAS=0)";
      return;
    }
    const char* lib = env && *env && std::strcmp(env, "1") != 0 ? env : "libopenblas.so.0";
    // OpenBLAS starts its own threads when it is loaded unless OPENBLAS_NUM_THREADS says 1; ours do the work
    const bool setEnv = std::getenv("OPENBLAS_NUM_THREADS") == nullptr;
    if (setEnv) setenv("OPENBLAS_NUM_THREADS", "1", 0);
    void* h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (setEnv) unsetenv("OPENBLAS_NUM_THREADS");
    if (!h) {
      b.desc = std::string("not found (") + lib + "): the addon's own kernels";
      return;
    }
    auto setThreads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    auto config = (const char* (*)())dlsym(h, "openblas_get_config");
    b.sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    if (!setThreads || !b.sgemm) {
      b.sgemm = nullptr;
      b.desc = std::string(lib) + " is not OpenBLAS (no openblas_set_num_threads/cblas_sgemm): the addon's own kernels";
      return;
    }
    setThreads(1);
    b.desc = std::string(config ? config() : "OpenBLAS") + " (one thread per addon worker)";
    b.on = true;
  });
  return b;
}

}  // namespace

bool blas_available() { return state().sgemm != nullptr; }
const char* blas_description() { return state().desc.c_str(); }
bool blas_on() { return state().on; }
bool blas_enable(bool on) {
  Blas& b = state();
  b.on = on && b.sgemm != nullptr;
  return b.on;
}

bool blas_sgemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
                float* c, int ldc) {
  Blas& s = state();
  if (!s.on) return false;
  s.sgemm(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
  return true;
}

}  // namespace ivae_native
