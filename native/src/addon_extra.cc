// N-API glue of the kernels beside the coordinate decoder (extra_api.h): the equivariant pose encoder's
// fused frame scorer and its polar / de-rotated resampling. Registered on the addon's exports by addon.cc's
// Init (register_extra).
//
//   scorerLanes() -> floats per vector register of the ISA in use (h is stored with C padded to it)
//   scorerForward(B, K, R, kw, C, polar, W0, b0, W1, scoresOut, hOut)
//   scorerBackward(B, K, R, kw, C, polar, W1, h, dscores, dW0, db0, dW1)
// polar [B, K R] (trial-major), W0 [kw R, C], b0 [C], W1 [C], scores [B, K], h [B, K, Cp].
//   polarImages(B, H, W, K, R, rMax, x, centre, out)        (pose-encoder.ts `polarImages`)
//   normalisedImages(B, H, W, x, centre, angle, out)        (pose-encoder.ts `normalisedImages`)
//   centroids(B, H, W, x, out)                               (pose-encoder.ts `centroids`; out float64 [B, 2])
// The two resamplings of the equivariant pose encoder, the JS code's float64 arithmetic in the same order
// (this file is built without FMA contraction: baseline x86-64), threaded over images; on AVX2 CPUs four samples
// at a time (target "avx2" without "fma": still no contraction), bit-identical (test/native/resample-exact.test.ts).
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "extra_api.h"
#include "napi_util.h"
#include "pool.h"

namespace ivae_native {
namespace {

// The kernels of the ISA addon.cc picked.
struct Extra {
  int (*lanes)();
  void (*pad)(const float*, int, int, int, float*);
  void (*fwd)(const float*, int, int, int, int, const float*, const float*, const float*, float*, float*);
  void (*bwd)(const float*, int, int, int, int, const float*, const float*, const float*, float*, float*, float*,
              float*);
};

#define IVAE_EXTRA(NS) Extra{NS::scorer_lanes, NS::scorer_pad_image, NS::scorer_forward, NS::scorer_backward}

Extra extra() {
  const std::string isa = current_isa();
#if defined(__x86_64__) || defined(__i386__)
  if (isa == "avx512") return IVAE_EXTRA(avx512);
  if (isa == "avx2") return IVAE_EXTRA(avx2);
#endif
  return IVAE_EXTRA(generic);
}

// Runs fn(thread, first, last) over [0, n) split statically over the addon's threads: for a given thread
// count the split, and so every floating-point sum, is always the same.
template <typename F>
void parallel(int n, F fn) {
  const int nt = std::max(1, std::min(current_threads(), n));
  pool_run(nt, [&](int t) { fn(t, (long)n * t / nt, (long)n * (t + 1) / nt); });
}

struct ScorerDims {
  int B, K, R, kw, C, Q, Cp;
};

ScorerDims scorer_dims(napi_env env, napi_value* a, int lanes) {
  ScorerDims d{to_int(env, a[0]), to_int(env, a[1]), to_int(env, a[2]), to_int(env, a[3]), to_int(env, a[4]), 0, 0};
  if (d.B <= 0 || d.K <= 0 || d.R <= 0 || d.C <= 0) throw JsError{"scorer: B, K, R and C must be positive"};
  if (d.kw <= 0 || d.kw % 2 == 0 || d.kw > d.K) throw JsError{"scorer: kw must be odd and at most K"};
  d.Q = d.kw * d.R;
  d.Cp = (d.C + lanes - 1) / lanes * lanes;
  return d;
}

// Copies rows of width C into rows of width Cp (zeros in the padding).
std::vector<float> pad_cols(const float* src, int rows, int C, int Cp) {
  std::vector<float> out((size_t)rows * Cp, 0.f);
  for (int i = 0; i < rows; ++i) std::memcpy(&out[(size_t)i * Cp], src + (size_t)i * C, sizeof(float) * C);
  return out;
}

napi_value ScorerLanes(napi_env env, napi_callback_info) {
  napi_value out;
  check(env, napi_create_int32(env, extra().lanes(), &out));
  return out;
}

napi_value ScorerForward(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value a[11];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 11) throw JsError{"scorerForward: expected 11 arguments"};
  const Extra x = extra();
  const ScorerDims d = scorer_dims(env, a, x.lanes());
  const float* polar = f32(env, a[5], (size_t)d.B * d.K * d.R, "polar");
  const std::vector<float> W0 = pad_cols(f32(env, a[6], (size_t)d.Q * d.C, "W0"), d.Q, d.C, d.Cp);
  const std::vector<float> b0 = pad_cols(f32(env, a[7], d.C, "b0"), 1, d.C, d.Cp);
  const std::vector<float> W1 = pad_cols(f32(env, a[8], d.C, "W1"), 1, d.C, d.Cp);
  float* scores = f32(env, a[9], (size_t)d.B * d.K, "scores");
  float* h = f32(env, a[10], (size_t)d.B * d.K * d.Cp, "h");
  parallel(d.B, [&](int, long b0i, long b1i) {
    std::vector<float> pad((size_t)(d.K + d.kw - 1) * d.R);
    for (long b = b0i; b < b1i; ++b) {
      x.pad(polar + (size_t)b * d.K * d.R, d.K, d.R, d.kw, pad.data());
      x.fwd(pad.data(), d.K, d.R, d.Q, d.Cp, W0.data(), b0.data(), W1.data(), h + (size_t)b * d.K * d.Cp,
            scores + (size_t)b * d.K);
    }
  });
  return nullptr;
}

napi_value ScorerBackward(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value a[12];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 12) throw JsError{"scorerBackward: expected 12 arguments"};
  const Extra x = extra();
  const ScorerDims d = scorer_dims(env, a, x.lanes());
  const float* polar = f32(env, a[5], (size_t)d.B * d.K * d.R, "polar");
  const std::vector<float> W1 = pad_cols(f32(env, a[6], d.C, "W1"), 1, d.C, d.Cp);
  const float* h = f32(env, a[7], (size_t)d.B * d.K * d.Cp, "h (from scorerForward with the same instruction set)");
  const float* ds = f32(env, a[8], (size_t)d.B * d.K, "dscores");
  float* dW0 = f32(env, a[9], (size_t)d.Q * d.C, "dW0");
  float* db0 = f32(env, a[10], d.C, "db0");
  float* dW1 = f32(env, a[11], d.C, "dW1");
  // fixed chunks of images, one gradient buffer each, added in chunk order (pool.h): the same sums for any
  // thread count
  const int nc = chunk_count(d.B, kGradChunks);
  const size_t per = (size_t)d.Q * d.Cp + 2 * (size_t)d.Cp;  // dW0, db0, dW1 of one chunk
  std::vector<std::vector<float>> acc(nc);
  pool_chunks(current_threads(), nc, [&](int ch) {
    const long b0i = chunk_begin(d.B, nc, ch), b1i = chunk_begin(d.B, nc, ch + 1);
    acc[ch].assign(per, 0.f);
    std::vector<float> pad((size_t)(d.K + d.kw - 1) * d.R), dpre((size_t)d.K * d.Cp);
    float* g = acc[ch].data();
    for (long b = b0i; b < b1i; ++b) {
      x.pad(polar + (size_t)b * d.K * d.R, d.K, d.R, d.kw, pad.data());
      x.bwd(pad.data(), d.K, d.R, d.Q, d.Cp, W1.data(), h + (size_t)b * d.K * d.Cp, ds + (size_t)b * d.K,
            dpre.data(), g, g + (size_t)d.Q * d.Cp, g + (size_t)d.Q * d.Cp + d.Cp);
    }
  });
  sum_chunks(current_threads(), acc, per, acc[0].data());
  const float* g = acc[0].data();
  for (int q = 0; q < d.Q; ++q) std::memcpy(dW0 + (size_t)q * d.C, g + (size_t)q * d.Cp, sizeof(float) * d.C);
  std::memcpy(db0, g + (size_t)d.Q * d.Cp, sizeof(float) * d.C);
  std::memcpy(dW1, g + (size_t)d.Q * d.Cp + d.Cp, sizeof(float) * d.C);
  return nullptr;
}

#include "resample.h"  // bilinear sampling, scalar and AVX2 (same float64 results)

// Whether the AVX2 resampling runs: on CPUs with AVX2 unless the addon was set to the generic kernels (so that
// setIsa("generic") also tests the scalar loops), and only for coordinates far inside int32.
bool resample_avx2(int H, int W) {
#if defined(__x86_64__) || defined(__i386__)
  const std::string isa = current_isa();
  return isa != "generic" && __builtin_cpu_supports("avx2") && H < (1 << 14) && W < (1 << 14);
#else
  (void)H, (void)W;
  return false;
#endif
}

napi_value PolarImages(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value a[9];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 9) throw JsError{"polarImages: expected 9 arguments"};
  const int B = to_int(env, a[0]), H = to_int(env, a[1]), W = to_int(env, a[2]), K = to_int(env, a[3]),
            R = to_int(env, a[4]);
  double rMax;
  check(env, napi_get_value_double(env, a[5], &rMax));
  if (B <= 0 || H <= 0 || W <= 0 || K <= 0 || R <= 0) throw JsError{"polarImages: sizes must be positive"};
  const size_t P = (size_t)H * W;
  const float* x = f32(env, a[6], B * P, "x");
  const double* centre = f64(env, a[7], 2 * (size_t)B, "centre");
  float* out = f32(env, a[8], (size_t)B * K * R, "out");
  std::vector<double> off((size_t)K * R * 3 * 2);
  const double pi = 3.141592653589793;
  for (int k = 0; k < K; ++k)
    for (int r = 0; r < R; ++r) {
      const double rad = ((r + 0.5) * rMax) / R;
      for (int t = 0; t < 3; ++t) {
        const double ang = (2 * pi * (k + (t - 1) / 3.0)) / K;
        const size_t o = (((size_t)k * R + r) * 3 + t) * 2;
        off[o] = -rad * std::sin(ang);
        off[o + 1] = rad * std::cos(ang);
      }
    }
  const size_t n = (size_t)K * R;
  if (resample_avx2(H, W)) {
#if defined(__x86_64__) || defined(__i386__)
    std::vector<double> offT(6 * n);
    for (size_t q = 0; q < n; ++q)
      for (int t = 0; t < 3; ++t) {
        offT[(2 * t) * n + q] = off[(q * 3 + t) * 2];
        offT[(2 * t + 1) * n + q] = off[(q * 3 + t) * 2 + 1];
      }
    // a centre far outside the image would overflow the int32 lanes: those images take the scalar loop
    parallel(B, [&](int, long b0, long b1) {
      for (long b = b0; b < b1; ++b) {
        const double cr = centre[2 * b], cc = centre[2 * b + 1];
        if (std::fabs(cr) + rMax < 1e9 && std::fabs(cc) + rMax < 1e9)
          polar_row_avx2(x + b * P, H, W, cr, cc, offT.data(), n, out + b * n);
        else
          for (size_t q = 0; q < n; ++q) {
            double v = 0;
            for (int t = 0; t < 3; ++t)
              v += bilinear(x + b * P, H, W, cr + off[(q * 3 + t) * 2], cc + off[(q * 3 + t) * 2 + 1]);
            out[b * n + q] = (float)(v / 3);
          }
      }
    });
#endif
    return nullptr;
  }
  parallel(B, [&](int, long b0, long b1) {
    for (long b = b0; b < b1; ++b) {
      const double cr = centre[2 * b], cc = centre[2 * b + 1];
      const float* img = x + b * P;
      for (size_t q = 0; q < (size_t)K * R; ++q) {
        double v = 0;
        for (int t = 0; t < 3; ++t) v += bilinear(img, H, W, cr + off[(q * 3 + t) * 2], cc + off[(q * 3 + t) * 2 + 1]);
        out[b * (size_t)K * R + q] = (float)(v / 3);
      }
    }
  });
  return nullptr;
}

// Intensity centroid (row, col) of each image: pose-encoder.ts `centroids`, the same float64 sums in the same order
// (baseline x86-64, nothing contracted), so bit-identical; the image centre when an image has no positive pixel.
napi_value Centroids(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 5) throw JsError{"centroids: expected 5 arguments"};
  const int B = to_int(env, a[0]), H = to_int(env, a[1]), W = to_int(env, a[2]);
  if (B <= 0 || H <= 0 || W <= 0) throw JsError{"centroids: sizes must be positive"};
  const size_t P = (size_t)H * W;
  const float* x = f32(env, a[3], B * P, "x");
  double* out = f64(env, a[4], 2 * (size_t)B, "out");
  parallel(B, [&](int, long b0, long b1) {
    for (long b = b0; b < b1; ++b) {
      double s = 0, sr = 0, sc = 0;
      const float* img = x + b * P;
      for (int i = 0; i < H; ++i)
        for (int j = 0; j < W; ++j) {
          const double v = std::max(0.0, (double)img[(size_t)i * W + j]);
          s += v;
          sr += v * i;
          sc += v * j;
        }
      out[2 * b] = s > 0 ? sr / s : (H - 1) / 2.0;
      out[2 * b + 1] = s > 0 ? sc / s : (W - 1) / 2.0;
    }
  });
  return nullptr;
}

napi_value NormalisedImages(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 7) throw JsError{"normalisedImages: expected 7 arguments"};
  const int B = to_int(env, a[0]), H = to_int(env, a[1]), W = to_int(env, a[2]);
  if (B <= 0 || H <= 0 || W <= 0) throw JsError{"normalisedImages: sizes must be positive"};
  const size_t P = (size_t)H * W;
  const float* x = f32(env, a[3], B * P, "x");
  const double* centre = f64(env, a[4], 2 * (size_t)B, "centre");
  const float* angle = f32(env, a[5], B, "angle");
  float* out = f32(env, a[6], B * P, "out");
  const double cy = (H - 1) / 2.0, cx = (W - 1) / 2.0;
  const bool vec = resample_avx2(H, W);
  parallel(B, [&](int, long b0, long b1) {
    for (long b = b0; b < b1; ++b) {
      const double c = std::cos((double)angle[b]), s = std::sin((double)angle[b]);
      const double cr = centre[2 * b], cc = centre[2 * b + 1];
#if defined(__x86_64__) || defined(__i386__)
      if (vec && std::fabs(cr) + H + W < 1e9 && std::fabs(cc) + H + W < 1e9) {
        normalised_avx2(x + b * P, H, W, c, s, cr, cc, out + b * P);
        continue;
      }
#endif
      for (int i = 0; i < H; ++i) {
        const double Y = cy - i;
        for (int j = 0; j < W; ++j) {
          const double X = j - cx;
          const double sx = X * c - Y * s, sy = X * s + Y * c;
          out[b * P + (size_t)i * W + j] = (float)bilinear(x + b * P, H, W, cr - sy, cc + sx);
        }
      }
    }
  });
  return nullptr;
}

}  // namespace

void register_extra(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"scorerLanes", nullptr, guarded<ScorerLanes>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scorerForward", nullptr, guarded<ScorerForward>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scorerBackward", nullptr, guarded<ScorerBackward>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"polarImages", nullptr, guarded<PolarImages>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"centroids", nullptr, guarded<Centroids>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"normalisedImages", nullptr, guarded<NormalisedImages>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace ivae_native
