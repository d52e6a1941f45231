// N-API glue of one Adam update over a parameter (src/training/native-adam.ts), split from addon_mlp.cc:
//   adamUpdate(w, g, m, v, wOut, mOut, vOut, consts Float64Array[8]) -> 0 ok, 1 gradient non-finite, 2 weight
// Registered by addon_mlp.cc's register_mlp.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "extra_api.h"
#include "napi_util.h"
#include "pool.h"

namespace ivae_native {
namespace {

// One Adam step of tfjs 4.22's AdamOptimizer for one variable, element by element in float32 with its operation
// order, so the result is bit-identical (this file is built for baseline x86-64, which has no FMA to contract to;
// the loops vectorise with exact SSE division and square root):
//   m' = m β1 + g (1 − β1), v' = v β2 + g² (1 − β2), w' = (m'/(1 − β1ᵗ)) / (√(v'/(1 − β2ᵗ)) + ε) (−lr) + w.
// consts: β1, 1 − β1, β2, 1 − β2, 1 − β1ᵗ, 1 − β2ᵗ, ε, −lr (each rounded to float32 as tfjs's scalars are).
// Returns 1 when a gradient is not finite, 2 when a new weight is not finite, else 0 (the caller keeps the outputs
// only on 0).
int adam_update(size_t n, const float* __restrict w, const float* __restrict g, const float* __restrict m,
                const float* __restrict v, float* __restrict wo, float* __restrict mo, float* __restrict vo,
                const double* cd) {
  float c[8];
  for (int i = 0; i < 8; ++i) c[i] = (float)cd[i];
  // x − x == 0 exactly for finite x (NaN for ±Inf and NaN): branch-free, so the loop vectorises. The gradients are
  // checked in the same pass as the update (a separate pass read them twice): the outputs are new arrays that the
  // caller drops unless every variable's outcome is 0, so writing them before the verdict changes nothing.
  int badg = 0, badw = 0;
  for (size_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float m1 = m[i] * c[0] + gi * c[1];
    const float g2 = gi * gi;
    const float v1 = v[i] * c[2] + g2 * c[3];
    const float mh = m1 / c[4], vh = v1 / c[5];
    const float den = std::sqrt(vh) + c[6];
    const float w1 = (mh / den) * c[7] + w[i];
    mo[i] = m1;
    vo[i] = v1;
    wo[i] = w1;
    badg |= !(gi - gi == 0.f);
    badw |= !(w1 - w1 == 0.f);
  }
  return badg ? 1 : badw ? 2 : 0;
}

// adam_update over the pool's threads for large variables (the plain VAE's first encoder layer has 295k weights):
// elements are independent, so the result is the same bit for bit; a non-finite gradient anywhere gives 1.
int adam_update_parallel(size_t n, const float* w, const float* g, const float* m, const float* v, float* wo, float* mo,
                         float* vo, const double* cd) {
  const int nt = n < 65536 ? 1 : std::max(1, std::min(current_threads(), (int)(n / 32768)));
  if (nt == 1) return adam_update(n, w, g, m, v, wo, mo, vo, cd);
  const size_t blocks = (n + 15) / 16;
  std::vector<int> res(nt, 0);
  pool_run(nt, [&](int t) {
    const size_t a = std::min(n, blocks * t / nt * 16), b = std::min(n, blocks * (t + 1) / nt * 16);
    res[t] = b > a ? adam_update(b - a, w + a, g + a, m + a, v + a, wo + a, mo + a, vo + a, cd) : 0;
  });
  int out = 0;
  for (int r : res) out = r == 1 || out == 1 ? 1 : std::max(out, r);
  return out;
}

napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 8) throw JsError{"adamUpdate: expected 8 arguments"};
  napi_typedarray_type t;
  size_t n;
  void* data;
  napi_value ab;
  size_t off;
  f32(env, a[0], SIZE_MAX, "w");
  check(env, napi_get_typedarray_info(env, a[0], &t, &n, &data, &ab, &off));
  const float* w = f32(env, a[0], n, "w");
  const float* g = f32(env, a[1], n, "g");
  const float* m = f32(env, a[2], n, "m");
  const float* v = f32(env, a[3], n, "v");
  float* wo = f32(env, a[4], n, "wOut");
  float* mo = f32(env, a[5], n, "mOut");
  float* vo = f32(env, a[6], n, "vOut");
  const double* c = f64(env, a[7], 8, "consts");
  napi_value out;
  check(env, napi_create_int32(env, adam_update_parallel(n, w, g, m, v, wo, mo, vo, c), &out));
  return out;
}

}  // namespace

void register_adam(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"adamUpdate", nullptr, guarded<AdamUpdate>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace ivae_native
