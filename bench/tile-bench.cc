// Micro-benchmark of the fused coordinate decoder's tiles (native/src/kernels.h, AVX2 build), one thread, no
// N-API: forward with the activations kept, then backward from them, over B images of P pixels, as the addon's
// Forward/Backward run them per (image, 192-row tile) task. Prints the thread's CPU time per image-tile pass (best
// of reps) and the equivalent ms of a 128-image step on one thread. Build and run (bench/README.md, issue 15):
//   g++ -O3 -std=gnu++17 -ffp-contract=fast -fno-math-errno -Inative/src bench/tile-bench.cc -o /tmp/tile-bench
//   /tmp/tile-bench [B=32] [reps=5] [act0=1] [h=64] [keep0=1] [acc]
// (keep0 0: layer 0 recomputed in the backward, as the addon does; acc: also the sin/cos/tanh errors)
#pragma GCC target("avx2,fma")
#define IVAE_VW 8
#define IVAE_NS avx2
#include "kernels.h"

#include <algorithm>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace ivae_native;
using namespace ivae_native::avx2;

// CPU time of this thread (ms): on the shared machine a descheduled thread's wall time means nothing
static double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

int main(int argc, char** argv) {
  const int B = argc > 1 ? std::atoi(argv[1]) : 32, reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const int act0 = argc > 3 ? std::atoi(argv[3]) : 1, h = argc > 4 ? std::atoi(argv[4]) : 64;
  // keep0 1: layer 0 (and its cos) kept from the forward; 0: the backward recomputes them (net.redo0)
  const int keep0 = argc > 5 ? std::atoi(argv[5]) : 1;
  const int side = 48, P = side * side, T = 192, tpi = (P + T - 1) / T, Ppad = tpi * T, L = 1;
  std::vector<float> coords((size_t)Ppad * 2, 0.f);
  for (int p = 0; p < P; ++p) {
    coords[2 * p] = -1.f + 2.f * (p % side) / (side - 1);
    coords[2 * p + 1] = 1.f - 2.f * (p / side) / (side - 1);
  }
  unsigned s = 1;
  auto rnd = [&]() { s = s * 1664525u + 1013904223u; return ((s >> 8) / 16777216.f - 0.5f) * 2.f; };
  std::vector<float> A((size_t)B * 2 * h), o((size_t)B * h), W((size_t)h * h), WT((size_t)h * h), b(h), wOut(h);
  for (auto& v : A) v = 14.f * rnd();  // Fourier scale 0.3 (side - 1) rad per grid unit
  for (auto& v : o) v = 3.14f * rnd();
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < h; ++j) W[i * h + j] = WT[j * h + i] = 0.2f * rnd();
  for (auto& v : b) v = 0.1f * rnd();
  for (auto& v : wOut) v = 0.2f * rnd();
  float bOut = 0.1f;
  const int dims[2] = {h, h};
  const float* Wp[1] = {W.data()};
  const float* WTp[1] = {WT.data()};
  const float* bp[1] = {b.data()};
  const float* zp[1] = {nullptr};
  Net net{};
  net.L = L; net.dims = dims; net.coords = coords.data(); net.A = A.data(); net.o = o.data();
  net.W = Wp; net.WT = WTp; net.b = bp; net.z = zp; net.wOut = wOut.data(); net.bOut = &bOut; net.act0 = act0;
  net.C = 1;
  const size_t per = (size_t)Ppad * h;  // floats per image per layer
  std::vector<float> cache((size_t)B * per * (L + 2));
  std::vector<float> logits((size_t)B * Ppad), dl((size_t)B * Ppad);
  for (auto& v : dl) v = rnd();
  std::vector<float> gA((size_t)B * 2 * h), go((size_t)B * h), gW((size_t)h * h), gb(h), gw(h);
  float gbo = 0;
  float* gWp[1] = {gW.data()};
  float* gbp[1] = {gb.data()};
  float* gzp[1] = {nullptr};
  Grads g{gA.data(), go.data(), gWp, gbp, gzp, gw.data(), &gbo};
  std::vector<float> dH((size_t)T * h), dP((size_t)T * h);
  std::vector<float> s0((size_t)T * h), sc((size_t)T * h);  // layer 0 and its cos when not kept
  auto H = [&](int bb, int row0, float** out) {
    // H[0..L], then layer 0's cos (Fourier layer)
    for (int l = 0; l <= L + 1; ++l) out[l] = cache.data() + (size_t)l * B * per + ((size_t)bb * Ppad + row0) * h;
    if (!keep0) { out[0] = s0.data(); out[L + 1] = sc.data(); }
  };
#ifndef OLD
  net.redo0 = keep0 ? 0 : 1;
#endif
  double fbest = 1e30, bbest = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    for (int bb = 0; bb < B; ++bb)
      for (int t = 0; t < tpi; ++t) {
        float* Hs[4];
        H(bb, t * T, Hs);
        forward(net, bb, t * T, T, Hs, logits.data() + (size_t)bb * Ppad + t * T);
      }
    const double t1 = now_ms();
    for (int bb = 0; bb < B; ++bb)
      for (int t = 0; t < tpi; ++t) {
        float* Hs[4];
        H(bb, t * T, Hs);
        backward(net, bb, t * T, T, Hs, dl.data() + (size_t)bb * Ppad + t * T, g, dH.data(), dP.data());
      }
    const double t2 = now_ms();
    fbest = std::min(fbest, t1 - t0);
    bbest = std::min(bbest, t2 - t1);
  }
  double cs = 0;
  for (int i = 0; i < B * Ppad; i += 97) cs += logits[i];
  for (float v : gW) cs += v;
  const double tiles = (double)B * tpi;
  std::printf("keep0 %d B %d h %d act0 %d: forward %.1f us/tile, backward %.1f us/tile; 128-image step on 1 thread: "
              "fwd %.1f + bwd %.1f ms (checksum %.6g)\n",
              keep0, B, h, act0, 1e3 * fbest / tiles, 1e3 * bbest / tiles, fbest * 128 / B, bbest * 128 / B, cs);
  if (argc <= 6) return 0;
  // accuracy of the vector sin/cos and tanh against libm (double): pass a fifth argument
  double es = 0, ec = 0, et = 0;
  for (double x = -60; x <= 60; x += 1e-4) {
    float sv, cv;
    sincos_scalar((float)x, sv, cv);
    es = std::max(es, std::fabs(sv - std::sin((double)(float)x)));
    ec = std::max(ec, std::fabs(cv - std::cos((double)(float)x)));
  }
  for (double x = -12; x <= 12; x += 1e-5)
    et = std::max(et, std::fabs(tanh_scalar((float)x) - std::tanh((double)(float)x)));
  std::printf("max abs error: sin %.3g, cos %.3g on [-60, 60]; tanh %.3g on [-12, 12]\n", es, ec, et);
  return 0;
}
