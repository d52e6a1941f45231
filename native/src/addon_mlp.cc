// N-API glue of the plain VAE's fused training step (src/native/vae-step.ts). Registered on the addon's exports by
// addon.cc's Init (through register_mlp, which also registers addon_adam.cc's Adam update).
//
//   vaeForward(B, encDims, decDims, x, eps, encW, encB, decW, decB, cols, kind, sigma, encH, decH, dl, nll, kl)
//   vaeBackward(B, encDims, decDims, x, eps, encW, decW, cols, encH, decH, dl, a, bkl, dEncW, dEncB, dDecW, dDecB)
//
// The model (src/models/vae.ts, parts/encoder.ts, parts/decoder.ts, elbo.ts): encDims = [D, e_1..e_L, 2d] with
// tanh hidden layers and a linear head (means, then log-variances), z = μ + e^{lv/2} ε, decDims = [d, g_1..g_M, N]
// with tanh hidden layers and a linear output of N logits, of which only the columns `cols` (m of them; all when
// null) are computed. nll[b] = Σ_j loss(logit, x[b, cols_j]) (Bernoulli kind 0, Gaussian kind 1) and
// dl = ∂loss/∂logit; kl[b] = ½ Σ (μ² + e^lv − 1 − lv). The backward pass takes the gradient of
// a · Σ_b nll[b] + bkl · Σ_b kl[b] (JS passes a = scale/B, bkl = β/B for the batch-mean ELBO) into every weight.
// Buffers: encH = [h_1..h_L, head], decH = [z, g_1..g_M, logits]; the input x gets no gradient.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "blas.h"
#include "extra_api.h"
#include "mlp_api.h"
#include "mlp_products.h"
#include "napi_util.h"
#include "pool.h"

namespace ivae_native {
namespace {

std::vector<int> read_dims(napi_env env, napi_value v, const char* what) {
  const int32_t* d = typed<int32_t>(env, v, SIZE_MAX, what, napi_int32_array, "Int32Array");
  napi_typedarray_type t;
  size_t n;
  void* data;
  napi_value ab;
  size_t off;
  check(env, napi_get_typedarray_info(env, v, &t, &n, &data, &ab, &off));
  if (n < 2) throw JsError{std::string(what) + ": need at least an input and an output width"};
  std::vector<int> out(d, d + n);
  for (int x : out)
    if (x <= 0) throw JsError{std::string(what) + ": widths must be positive"};
  return out;
}

std::vector<float*> f32_list(napi_env env, napi_value arr, const std::vector<size_t>& sizes, const char* what) {
  if (array_len(env, arr, what) != sizes.size())
    throw JsError{std::string(what) + ": expected " + std::to_string(sizes.size()) + " arrays"};
  std::vector<float*> out;
  for (size_t i = 0; i < sizes.size(); ++i) out.push_back(f32(env, array_at(env, arr, i), sizes[i], what));
  return out;
}

// Everything both passes read: sizes, weights, buffers.
struct Vae {
  int B = 0, D = 0, d = 0, N = 0, m = 0, Le = 0, Ld = 0;
  std::vector<int> e, g;  // encoder widths [D, e_1.., 2d], decoder widths [d, g_1.., N]
  const float *x = nullptr, *eps = nullptr;
  std::vector<float*> encW, decW, encH, decH;
  const int32_t* cols = nullptr;
  std::vector<float> Wsel, bsel;  // output layer restricted to the columns (when cols)
  const float* Wout() const { return cols ? Wsel.data() : decW.back(); }
};

void read_common(napi_env env, napi_value* a, Vae& v, napi_value encW, napi_value decW, napi_value cols,
                 napi_value encH, napi_value decH) {
  v.B = to_int(env, a[0]);
  if (v.B <= 0) throw JsError{"vae: B must be positive"};
  v.e = read_dims(env, a[1], "encDims");
  v.g = read_dims(env, a[2], "decDims");
  v.D = v.e.front();
  v.N = v.g.back();
  v.d = v.g.front();
  if (v.e.back() != 2 * v.d) throw JsError{"vae: the encoder head must have 2 d columns (d = decDims[0])"};
  v.Le = (int)v.e.size() - 2;
  v.Ld = (int)v.g.size() - 2;
  const size_t B = v.B;
  v.x = f32(env, a[3], B * v.D, "x");
  v.eps = f32(env, a[4], B * v.d, "eps");
  std::vector<size_t> es, gs;
  for (size_t i = 0; i + 1 < v.e.size(); ++i) es.push_back((size_t)v.e[i] * v.e[i + 1]);
  for (size_t i = 0; i + 1 < v.g.size(); ++i) gs.push_back((size_t)v.g[i] * v.g[i + 1]);
  v.encW = f32_list(env, encW, es, "encW");
  v.decW = f32_list(env, decW, gs, "decW");
  v.m = v.N;
  if (!is_nullish(env, cols)) {
    napi_typedarray_type t;
    size_t n;
    void* data;
    napi_value ab;
    size_t off;
    v.cols = typed<int32_t>(env, cols, SIZE_MAX, "cols", napi_int32_array, "Int32Array");
    check(env, napi_get_typedarray_info(env, cols, &t, &n, &data, &ab, &off));
    if (n == 0) throw JsError{"cols: expected at least one column"};
    v.m = (int)n;
    for (int j = 0; j < v.m; ++j)
      if (v.cols[j] < 0 || v.cols[j] >= v.N) throw JsError{"cols: column index out of range"};
  }
  if (v.D != v.N) throw JsError{"vae: the decoder's output width must equal the encoder's input width"};
  std::vector<size_t> hs, ds;
  for (int l = 1; l <= v.Le + 1; ++l) hs.push_back(B * v.e[l]);
  ds.push_back(B * v.d);
  for (int l = 1; l <= v.Ld; ++l) ds.push_back(B * v.g[l]);
  ds.push_back(B * v.m);
  v.encH = f32_list(env, encH, hs, "encH");
  v.decH = f32_list(env, decH, ds, "decH");
  if (v.cols) {
    const int h = v.g[v.Ld];
    v.Wsel.resize((size_t)h * v.m);
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < v.m; ++j) v.Wsel[(size_t)i * v.m + j] = v.decW.back()[(size_t)i * v.N + v.cols[j]];
  }
}

// the targets of the computed columns, [B, m] contiguous
std::vector<float> targets(const Vae& v) {
  std::vector<float> t((size_t)v.B * v.m);
  for (int b = 0; b < v.B; ++b)
    for (int j = 0; j < v.m; ++j) t[(size_t)b * v.m + j] = v.x[(size_t)b * v.D + v.cols[j]];
  return t;
}

napi_value VaeForward(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value a[17];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 17) throw JsError{"vaeForward: expected 17 arguments"};
  Vae v;
  read_common(env, a, v, a[5], a[7], a[9], a[12], a[13]);
  const size_t B = v.B;
  std::vector<size_t> eb, gb;
  for (int l = 1; l <= v.Le + 1; ++l) eb.push_back(v.e[l]);
  for (int l = 1; l <= v.Ld + 1; ++l) gb.push_back(v.g[l]);
  const std::vector<float*> encB = f32_list(env, a[6], eb, "encB");
  std::vector<float*> decB = f32_list(env, a[8], gb, "decB");
  const int kind = to_int(env, a[10]);
  if (kind != 0 && kind != 1) throw JsError{"vaeForward: kind must be 0 (Bernoulli) or 1 (Gaussian)"};
  const float sigma = (float)to_double(env, a[11]);
  float* dl = f32(env, a[14], B * v.m, "dl");
  double* nll = f64(env, a[15], B, "nll");
  double* kl = f64(env, a[16], B, "kl");
  const Mlp k = mlp();
  // encoder: h_l = tanh(h_{l-1} W_l + b_l), head = h_L W + b
  const float* in = v.x;
  for (int l = 0; l <= v.Le; ++l) {
    const int ki = v.e[l], no = v.e[l + 1];
    float* out = v.encH[l];
    mm(k, v.B, no, ki, in, ki, 1, v.encW[l], out, false);
    if (l < v.Le) k.tanh_bias(v.B, no, out, encB[l]);
    else
      for (size_t b = 0; b < B; ++b)
        for (int j = 0; j < no; ++j) out[b * no + j] += encB[l][j];
    in = out;
  }
  // z = μ + e^{lv/2} ε and the KL of N(μ, e^lv) from N(0, 1) per image
  const int d = v.d;
  float* z = v.decH[0];
  for (size_t b = 0; b < B; ++b) {
    double s = 0;
    for (int j = 0; j < d; ++j) {
      const float mu = in[b * 2 * d + j], lv = in[b * 2 * d + d + j];
      const float sd = std::exp(0.5f * lv);
      z[b * d + j] = mu + sd * v.eps[b * d + j];
      s += 0.5 * ((double)mu * mu + std::exp((double)lv) - 1.0 - lv);
    }
    kl[b] = s;
  }
  // decoder
  const float* h = z;
  for (int l = 0; l <= v.Ld; ++l) {
    const int ki = v.g[l], no = l < v.Ld ? v.g[l + 1] : v.m;
    float* out = v.decH[l + 1];
    const float* W = l < v.Ld ? v.decW[l] : v.Wout();
    mm(k, v.B, no, ki, h, ki, 1, W, out, false);
    if (l < v.Ld) k.tanh_bias(v.B, no, out, decB[l]);
    else {
      std::vector<float> bs;
      const float* bo = decB[l];
      if (v.cols) {
        bs.resize(v.m);
        for (int j = 0; j < v.m; ++j) bs[j] = decB[l][v.cols[j]];
        bo = bs.data();
      }
      for (size_t b = 0; b < B; ++b)
        for (int j = 0; j < no; ++j) out[b * no + j] += bo[j];
    }
    h = out;
  }
  const std::vector<float> xt = v.cols ? targets(v) : std::vector<float>();
  const float* target = v.cols ? xt.data() : v.x;
  const float c = kind == 1 ? (float)(std::log((double)sigma) + 0.5 * std::log(2 * M_PI)) : 0.f;
  rows_parallel(v.B, (double)B * v.m * 40, [&](int r0, int r1) {
    k.pixel_loss(r1 - r0, v.m, h + (size_t)r0 * v.m, target + (size_t)r0 * v.m, kind, sigma, c,
                 dl + (size_t)r0 * v.m, nll + r0);
  });
  return nullptr;
}

napi_value VaeBackward(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value a[17];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 17) throw JsError{"vaeBackward: expected 17 arguments"};
  Vae v;
  read_common(env, a, v, a[5], a[6], a[7], a[8], a[9]);
  const size_t B = v.B;
  const float* dl = f32(env, a[10], B * v.m, "dl");
  const float ca = (float)to_double(env, a[11]), ckl = (float)to_double(env, a[12]);
  std::vector<size_t> es, gs, eb, gb;
  for (size_t i = 0; i + 1 < v.e.size(); ++i) es.push_back((size_t)v.e[i] * v.e[i + 1]), eb.push_back(v.e[i + 1]);
  for (size_t i = 0; i + 1 < v.g.size(); ++i) gs.push_back((size_t)v.g[i] * v.g[i + 1]), gb.push_back(v.g[i + 1]);
  std::vector<float*> dEW = f32_list(env, a[13], es, "dEncW"), dEB = f32_list(env, a[14], eb, "dEncB");
  std::vector<float*> dDW = f32_list(env, a[15], gs, "dDecW"), dDB = f32_list(env, a[16], gb, "dDecB");
  const Mlp k = mlp();
  // output layer: dP = a dl. The work arrays (dP and dH hold up to B x m floats, 1.2 MB at batch 128, 48 px) are
  // kept between calls: allocated per call they were fresh pages to fault in every step
  static thread_local std::vector<float> dPbuf, dHbuf;
  std::vector<float>&dP = dPbuf, &dH = dHbuf;
  dP.resize((size_t)B * v.m);
  for (size_t i = 0; i < dP.size(); ++i) dP[i] = ca * dl[i];
  for (int l = v.Ld; l >= 0; --l) {
    const int ki = v.g[l], no = l < v.Ld ? v.g[l + 1] : v.m;
    const float* in = v.decH[l];  // the layer's input: z or g_l
    if (l < v.Ld) k.tanh_back(v.B, no, v.decH[l + 1], dP.data());
    if (l == v.Ld && v.cols) {
      // gradients of the selected columns, scattered into the full [h, N] and [N]
      std::vector<float> dWs((size_t)ki * v.m, 0.f), dbs(v.m, 0.f);
      mm(k, ki, v.m, v.B, in, 1, ki, dP.data(), dWs.data(), false);
      k.col_sum(v.B, v.m, dP.data(), dbs.data());
      std::fill(dDW[l], dDW[l] + (size_t)ki * v.N, 0.f);
      std::fill(dDB[l], dDB[l] + v.N, 0.f);
      for (int i = 0; i < ki; ++i)
        for (int j = 0; j < v.m; ++j) dDW[l][(size_t)i * v.N + v.cols[j]] += dWs[(size_t)i * v.m + j];
      for (int j = 0; j < v.m; ++j) dDB[l][v.cols[j]] += dbs[j];
    } else {
      mm(k, ki, no, v.B, in, 1, ki, dP.data(), dDW[l], false);  // dW = inᵀ dP
      std::fill(dDB[l], dDB[l] + no, 0.f);
      k.col_sum(v.B, no, dP.data(), dDB[l]);
    }
    const float* W = l < v.Ld ? v.decW[l] : v.Wout();
    dH.resize((size_t)B * ki);
    mm_wt(k, v.B, ki, no, dP.data(), W, dH.data());  // d input = dP Wᵀ
    dP.swap(dH);
  }
  // dP now holds dz [B, d]: back through the reparameterisation and the KL into the head [B, 2d]
  const int d = v.d;
  const float* head = v.encH[v.Le];
  std::vector<float> dHead(B * 2 * d);
  for (size_t b = 0; b < B; ++b)
    for (int j = 0; j < d; ++j) {
      const float mu = head[b * 2 * d + j], lv = head[b * 2 * d + d + j];
      const float sd = std::exp(0.5f * lv), dz = dP[b * d + j];
      dHead[b * 2 * d + j] = dz + ckl * mu;
      dHead[b * 2 * d + d + j] = dz * v.eps[b * d + j] * 0.5f * sd + ckl * 0.5f * (std::exp(lv) - 1.f);
    }
  dP.assign(dHead.begin(), dHead.end());
  for (int l = v.Le; l >= 0; --l) {
    const int ki = v.e[l], no = v.e[l + 1];
    const float* in = l > 0 ? v.encH[l - 1] : v.x;
    if (l < v.Le) k.tanh_back(v.B, no, v.encH[l], dP.data());
    mm(k, ki, no, v.B, in, 1, ki, dP.data(), dEW[l], false);
    std::fill(dEB[l], dEB[l] + no, 0.f);
    k.col_sum(v.B, no, dP.data(), dEB[l]);
    if (l == 0) break;  // no gradient for the images
    dH.resize((size_t)B * ki);
    mm_wt(k, v.B, ki, no, dP.data(), v.encW[l], dH.data());
    dP.swap(dH);
  }
  return nullptr;
}

}  // namespace

void register_adam(napi_env env, napi_value exports);
void register_loss(napi_env env, napi_value exports);

void register_mlp(napi_env env, napi_value exports) {
  register_adam(env, exports);
  register_loss(env, exports);  // addon_loss.cc: the rVAE's pixel loss
  napi_property_descriptor props[] = {
      {"vaeForward", nullptr, guarded<VaeForward>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"vaeBackward", nullptr, guarded<VaeBackward>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace ivae_native
