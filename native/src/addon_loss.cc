// N-API glue of the pixel loss as one threaded op (src/native/pixel-loss.ts, issue 15): the rVAE's Bernoulli term
// `bernoulliNll` (src/models/elbo.ts) was nine tfjs-wasm ops over B x P logits forward and about as many backward
// on one core (Exp, Log1p, Relu, ...: ~10 ms of a 110 ms step at batch 128, 48 px). Registered by addon_mlp.cc.
//
//   bernoulliNll(rows, n, logits, x, nll, dl)          nll[i] = Σ_j BCE-with-logits (summed in double), dl = σ(l) − x
//   bernoulliNllGrad(rows, n, dy, dl, logits, gl, gx)  the gradients for an upstream dy[rows]
// All Float32Arrays, rows x n row-major. The arithmetic is the plain VAE's (mlp.h mlp_pixel_loss: Cephes expf,
// log1p by its atanh series), threaded over rows.
#include <node_api.h>

#include <algorithm>
#include <string>
#include <vector>

#include "extra_api.h"
#include "mlp_api.h"
#include "napi_util.h"
#include "pool.h"

namespace ivae_native {
namespace {

using PixelLoss = void (*)(int, int, const float*, const float*, int, float, float, float*, double*);

PixelLoss pixel_loss() {
  const std::string isa = current_isa();
#if defined(__x86_64__) || defined(__i386__)
  if (isa == "avx512") return avx512::mlp_pixel_loss;
  if (isa == "avx2") return avx2::mlp_pixel_loss;
#endif
  return generic::mlp_pixel_loss;
}

// Runs fn(r0, r1) over row blocks on up to the addon's threads (one below 64k values, where the hand-off costs
// more than it saves); the split depends on the thread count only.
template <typename F>
void rows_split(int rows, size_t len, F fn) {
  const int nt = len < 65536 ? 1 : std::max(1, std::min(current_threads(), rows));
  pool_run(nt, [&](int t) {
    const int r0 = (int)((long)rows * t / nt), r1 = (int)((long)rows * (t + 1) / nt);
    if (r1 > r0) fn(r0, r1);
  });
}

// bernoulliNll(rows, n, logits, x, nll, dl): nll[i] = Σ_j max(l, 0) − x l + log(1 + e^−|l|), dl = σ(l) − x
napi_value BernoulliNll(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 6) throw JsError{"bernoulliNll: expected 6 arguments"};
  const int rows = to_int(env, a[0]), n = to_int(env, a[1]);
  if (rows <= 0 || n <= 0) throw JsError{"bernoulliNll: rows and n must be positive"};
  const size_t len = (size_t)rows * n;
  const float* l = f32(env, a[2], len, "logits");
  const float* x = f32(env, a[3], len, "x");
  float* nll = f32(env, a[4], (size_t)rows, "nll");
  float* dl = f32(env, a[5], len, "dl");
  std::vector<double> sums(rows);
  const PixelLoss k = pixel_loss();
  rows_split(rows, len, [&](int r0, int r1) {
    k(r1 - r0, n, l + (size_t)r0 * n, x + (size_t)r0 * n, 0, 1.f, 0.f, dl + (size_t)r0 * n, sums.data() + r0);
  });
  for (int i = 0; i < rows; ++i) nll[i] = static_cast<float>(sums[i]);
  return nullptr;
}

// bernoulliNllGrad(rows, n, dy, dl, logits, gl, gx): gl = dy[i] dl (w.r.t. the logits), gx = −dy[i] l (w.r.t. x)
napi_value BernoulliNllGrad(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 7) throw JsError{"bernoulliNllGrad: expected 7 arguments"};
  const int rows = to_int(env, a[0]), n = to_int(env, a[1]);
  if (rows <= 0 || n <= 0) throw JsError{"bernoulliNllGrad: rows and n must be positive"};
  const size_t len = (size_t)rows * n;
  const float* dy = f32(env, a[2], (size_t)rows, "dy");
  const float* dl = f32(env, a[3], len, "dl");
  const float* l = f32(env, a[4], len, "logits");
  float* gl = f32(env, a[5], len, "gl");
  float* gx = f32(env, a[6], len, "gx");
  rows_split(rows, len, [&](int r0, int r1) {
    for (int i = r0; i < r1; ++i) {
      const float d = dy[i];
      const size_t o = (size_t)i * n;
      for (int j = 0; j < n; ++j) {
        gl[o + j] = d * dl[o + j];
        gx[o + j] = -d * l[o + j];
      }
    }
  });
  return nullptr;
}

}  // namespace

void register_loss(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bernoulliNll", nullptr, guarded<BernoulliNll>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bernoulliNllGrad", nullptr, guarded<BernoulliNllGrad>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace ivae_native
