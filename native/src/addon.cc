// N-API glue of the ivae native kernels: argument checking, padding to the SIMD column block,
// splitting (image, pixel tile) tasks over threads, the activation cache between forward and backward,
// and run-time choice of the instruction set. The arithmetic lives in kernels.h.
//
// Exposed to JavaScript (src/native/addon.ts wraps it with types):
//   info() -> { isa, threads, mr, nr, cacheBytes }
//   setThreads(n), setIsa("avx512"|"avx2"|"generic"|"auto"), release(), peak(threads, ms) -> GFLOP/s
//   matmul(M, K, N, A, transA, B, transB, bias|null, C)
//   forward(B, P, dims, coords, A, o, Ws, bs, zs, wOut, bOut, logitsOut, keep) -> cacheId (0: not kept)
//   backward(B, P, dims, coords, A, o, Ws, bs, zs, wOut, bOut, cacheId, dlogits,
//            dA, do, dWs, dbs, dzs, dwOut) -> dbOut
//   forwardTrain(B, P, dims, coords, A, o, Ws, bs, zs, wOut, bOut, x, logits, dl, nll[, act0]) -> acc
//   backwardFused(B, P, dims, coords, A, o, Ws, bs, zs, wOut, bOut, acc, dnll, dA, do, dWs, dbs, dzs, dwOut)
//     -> dbOut: the training pass fused with the Bernoulli pixel loss (below, "Training pass")
//   C output channels: bOut a Float32Array of C values (a number: C = 1), wOut [n_L, C] row-major, logits
//   and dlogits [B, C, P], backward returns dbOut as a Float32Array of C values (info().outChannels is true)
#include <node_api.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "extra_api.h"
#include "blas.h"
#include "kernels_api.h"
#include "mlp_api.h"
#include "napi_util.h"
#include "pool.h"

namespace ivae_native {
void register_extra(napi_env env, napi_value exports);
void register_mlp(napi_env env, napi_value exports);
}

namespace ivae_native {
namespace {

struct Isa {
  const char* name;
  int (*mr)();
  int (*nr)();
  float (*tanh_scalar)(float);
  void (*sincos_scalar)(float, float&, float&);
  void (*forward)(const Net&, int, int, int, float* const*, float*);
  void (*backward)(const Net&, int, int, int, float* const*, const float*, Grads&, float*, float*);
  double (*gemm_flops)(int);
  void (*gemm_packed)(int, int, int, const float*, const float*, float*);
};

#define IVAE_ISA(NS)                                                                                    \
  Isa{#NS, NS::mr, NS::nr, NS::tanh_scalar, NS::sincos_scalar, NS::forward, NS::backward, NS::gemm_flops, \
      NS::gemm_packed}

bool cpu_has(const char* what) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (std::strcmp(what, "avx512") == 0) return __builtin_cpu_supports("avx512f");
  if (std::strcmp(what, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return std::strcmp(what, "generic") == 0;
}

Isa isa_by_name(const std::string& name) {
#if defined(__x86_64__) || defined(__i386__)
  if (name == "avx512") return IVAE_ISA(avx512);
  if (name == "avx2") return IVAE_ISA(avx2);
#endif
  (void)name;
  return IVAE_ISA(generic);
}

Isa best_isa() {
  const char* env = std::getenv("IVAE_NATIVE_ISA");
  if (env && *env && std::string(env) != "auto" && cpu_has(env)) return isa_by_name(env);
  if (cpu_has("avx512")) return isa_by_name("avx512");
  if (cpu_has("avx2")) return isa_by_name("avx2");
  return isa_by_name("generic");
}

Isa g_isa = best_isa();

int default_threads() {
  const char* env = std::getenv("IVAE_NATIVE_THREADS");
  if (env && std::atoi(env) > 0) return std::atoi(env);
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}
int g_threads = default_threads();

// Activation cache: the forward pass of a training step keeps h_0..h_L here (one slot, reused, so its
// pages are not faulted in again every step) and the backward pass of the same step reads them instead
// of recomputing. A backward whose id does not match recomputes its tiles, so results never depend on it.
struct Cache {
  uint64_t id = 0;
  float* mem = nullptr;
  size_t cap = 0;  // floats
  int B = 0, Ppad = 0;
  std::vector<int> dims;
} g_cache;
uint64_t g_next_id = 1;

size_t cache_limit_floats() {
  const char* env = std::getenv("IVAE_NATIVE_CACHE_MB");
  const double mb = env ? std::atof(env) : 2048.0;
  return static_cast<size_t>(mb * 1024 * 1024 / 4);
}

constexpr int kTile = 192;  // pixel rows per task: a 192 x 128 tile of one layer is 96 KB (L2-resident)

int round_up(int x, int m) { return (x + m - 1) / m * m; }

// ---------------------------------------------------------------- padded copy of the decoder
struct Padded {
  int B = 0, P = 0, Ppad = 0, L = 0;
  std::vector<int> dims, pdims;  // true and padded widths n_0..n_L
  int C = 1;  // output channels
  std::vector<float> coords, A, o, wOut, bOut;
  std::vector<std::vector<float>> W, WT, b, z;
  std::vector<const float*> Wp, WTp, bp, zp;
  Net net{};
};

// Reads the decoder arguments (positions 0..10 of forward and backward) and pads them.
void read_net(napi_env env, napi_value* a, Padded& d) {
  d.B = to_int(env, a[0]);
  d.P = to_int(env, a[1]);
  if (d.B <= 0 || d.P <= 0) throw JsError{"B and P must be positive"};
  const int32_t* dims = typed<int32_t>(env, a[2], SIZE_MAX, "dims", napi_int32_array, "Int32Array");
  size_t ndims;
  {
    napi_typedarray_type t; void* data; napi_value ab; size_t off;
    check(env, napi_get_typedarray_info(env, a[2], &t, &ndims, &data, &ab, &off));
  }
  if (ndims < 1) throw JsError{"dims: need at least one width"};
  d.L = static_cast<int>(ndims) - 1;
  const int nr = g_isa.nr();
  for (size_t i = 0; i < ndims; ++i) {
    if (dims[i] <= 0) throw JsError{"dims: widths must be positive"};
    d.dims.push_back(dims[i]);
    d.pdims.push_back(round_up(dims[i], nr));
  }
  d.Ppad = round_up(d.P, 8);
  const int B = d.B, P = d.P, n0 = d.dims[0], p0 = d.pdims[0];
  const float* coords = f32(env, a[3], (size_t)P * 2, "coords");
  d.coords.assign((size_t)d.Ppad * 2, 0.f);
  std::memcpy(d.coords.data(), coords, sizeof(float) * P * 2);
  const float* A = f32(env, a[4], (size_t)B * 2 * n0, "A");
  const float* o = f32(env, a[5], (size_t)B * n0, "o");
  d.A.assign((size_t)B * 2 * p0, 0.f);
  d.o.assign((size_t)B * p0, 0.f);
  for (int bb = 0; bb < B; ++bb) {
    for (int r = 0; r < 2; ++r) std::memcpy(&d.A[((size_t)bb * 2 + r) * p0], &A[((size_t)bb * 2 + r) * n0], sizeof(float) * n0);
    std::memcpy(&d.o[(size_t)bb * p0], &o[(size_t)bb * n0], sizeof(float) * n0);
  }
  const uint32_t nW = array_len(env, a[6], "Ws"), nb = array_len(env, a[7], "bs"), nz = array_len(env, a[8], "zs");
  if ((int)nW != d.L || (int)nb != d.L || (int)nz != d.L) throw JsError{"Ws, bs, zs: need one entry per hidden layer"};
  d.W.resize(d.L); d.WT.resize(d.L); d.b.resize(d.L); d.z.resize(d.L);
  for (int l = 0; l < d.L; ++l) {
    const int k = d.dims[l], m = d.dims[l + 1], kp = d.pdims[l], mp = d.pdims[l + 1];
    const float* W = f32(env, array_at(env, a[6], l), (size_t)k * m, "W");
    const float* bias = f32(env, array_at(env, a[7], l), (size_t)m, "b");
    d.W[l].assign((size_t)kp * mp, 0.f);
    d.WT[l].assign((size_t)mp * kp, 0.f);
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < m; ++j) {
        d.W[l][(size_t)i * mp + j] = W[(size_t)i * m + j];
        d.WT[l][(size_t)j * kp + i] = W[(size_t)i * m + j];
      }
    d.b[l].assign(mp, 0.f);
    std::memcpy(d.b[l].data(), bias, sizeof(float) * m);
    napi_value zv = array_at(env, a[8], l);
    if (!is_nullish(env, zv)) {
      const float* z = f32(env, zv, (size_t)B * m, "zOffset");
      d.z[l].assign((size_t)B * mp, 0.f);
      for (int bb = 0; bb < B; ++bb) std::memcpy(&d.z[l][(size_t)bb * mp], &z[(size_t)bb * m], sizeof(float) * m);
    }
  }
  // bOut: a number (one channel) or a Float32Array of C values; wOut [n_L, C] becomes C padded rows
  napi_typedarray_type bt;
  bool isTyped = false;
  check(env, napi_is_typedarray(env, a[10], &isTyped));
  if (isTyped) {
    size_t len;
    void* data;
    napi_value ab;
    size_t off;
    check(env, napi_get_typedarray_info(env, a[10], &bt, &len, &data, &ab, &off));
    if (len < 1 || len > 64) throw JsError{"bOut: expected 1 to 64 channels"};
    d.C = static_cast<int>(len);
    const float* bo = f32(env, a[10], len, "bOut");
    d.bOut.assign(bo, bo + len);
  } else {
    d.bOut.assign(1, static_cast<float>(to_double(env, a[10])));
  }
  const int nL = d.dims[d.L], pL = d.pdims[d.L], C = d.C;
  const float* wOut = f32(env, a[9], (size_t)nL * C, "wOut");
  d.wOut.assign((size_t)C * pL, 0.f);
  for (int j = 0; j < nL; ++j)
    for (int c = 0; c < C; ++c) d.wOut[(size_t)c * pL + j] = wOut[(size_t)j * C + c];
  for (int l = 0; l < d.L; ++l) {
    d.Wp.push_back(d.W[l].data());
    d.WTp.push_back(d.WT[l].data());
    d.bp.push_back(d.b[l].data());
    d.zp.push_back(d.z[l].empty() ? nullptr : d.z[l].data());
  }
  d.net.L = d.L;
  d.net.dims = d.pdims.data();
  d.net.coords = d.coords.data();
  d.net.A = d.A.data();
  d.net.o = d.o.data();
  d.net.W = d.Wp.data();
  d.net.WT = d.WTp.data();
  d.net.b = d.bp.data();
  d.net.z = d.zp.data();
  d.net.wOut = d.wOut.data();
  d.net.bOut = d.bOut.data();
  d.net.C = d.C;
}

// Layer 0's activation code (0 = tanh, 1 = sin), the optional last argument of forward and backward.
int read_act0(napi_env env, napi_value v) {
  const int act = to_int(env, v);
  if (act != 0 && act != 1) throw JsError{"act0: expected 0 (tanh) or 1 (sin)"};
  return act;
}

bool is_typed_array(napi_env env, napi_value v) {
  bool t = false;
  check(env, napi_is_typedarray(env, v, &t));
  return t;
}

// The cache keeps the hidden layers h_1..h_L only: layer 0 (and the cos of a Fourier layer 0, its derivative) is
// recomputed by the backward pass from the coordinates (net.redo0), which costs less than writing and reading
// back B P n_0 floats twice (75 MB each at batch 128, 48 px, width 64; tile micro-benchmark bench/tile-bench.cc).
size_t act_floats(const Padded& d) {
  size_t s = 0;
  for (int l = 1; l <= d.L; ++l) s += (size_t)d.B * d.Ppad * d.pdims[l];
  return s;
}

// Pointer to the cached tile of hidden layer l (1..L), image b, rows from row0.
float* cache_tile(const Padded& d, int l, int b, int row0) {
  size_t off = 0;
  for (int i = 1; i < l; ++i) off += (size_t)d.B * d.Ppad * d.pdims[i];
  return g_cache.mem + off + ((size_t)b * d.Ppad + row0) * d.pdims[l];
}

bool cache_matches(const Padded& d, uint64_t id) {
  return id != 0 && g_cache.id == id && g_cache.B == d.B && g_cache.Ppad == d.Ppad && g_cache.dims == d.pdims;
}

// Runs fn(thread, taskBegin, taskEnd) on g_threads threads with a static split of the (image, tile)
// tasks: the split, and so the order of every floating-point sum, depends only on the thread count.
template <typename F>
void parallel_tasks(int ntasks, F fn) {
  const int nt = std::max(1, std::min(g_threads, ntasks));
  pool_run(nt, [&](int t) { fn(t, (long)ntasks * t / nt, (long)ntasks * (t + 1) / nt); });
}


int tiles_per_image(const Padded& d) { return (d.Ppad + kTile - 1) / kTile; }

// ---------------------------------------------------------------- exported functions
napi_value Forward(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value a[14];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 13 && argc != 14) throw JsError{"forward: expected 13 or 14 arguments"};
  Padded d;
  read_net(env, a, d);
  if (argc == 14) d.net.act0 = read_act0(env, a[13]);
  const int C = d.C;
  float* logits = f32(env, a[11], (size_t)d.B * C * d.P, "logits");
  bool keep = false;
  check(env, napi_get_value_bool(env, a[12], &keep));
  const size_t need = act_floats(d);
  keep = keep && need > 0 && need <= cache_limit_floats();
  uint64_t id = 0;
  if (keep) {
    if (g_cache.cap < need) {
      std::free(g_cache.mem);
      g_cache.mem = static_cast<float*>(std::aligned_alloc(64, ((need * 4 + 63) / 64) * 64));
      if (!g_cache.mem) { g_cache.cap = 0; keep = false; }
      else g_cache.cap = need;
    }
  }
  if (keep) {
    id = g_next_id++;
    g_cache.id = id;
    g_cache.B = d.B;
    g_cache.Ppad = d.Ppad;
    g_cache.dims = d.pdims;
  }
  const int tpi = tiles_per_image(d);
  size_t scratch = 0;
  for (int w : d.pdims) scratch += (size_t)kTile * w;
  parallel_tasks(d.B * tpi, [&](int, long t0, long t1) {
    std::vector<float> buf(scratch);
    std::vector<float*> H(d.L + 2, nullptr);  // H[L + 1]: layer 0's cos, not needed here (the backward redoes it)
    std::vector<float> lg((size_t)kTile * C);
    for (long task = t0; task < t1; ++task) {
      const int b = task / tpi, row0 = (task % tpi) * kTile, T = std::min(kTile, d.Ppad - row0);
      size_t off = 0;
      for (int l = 0; l <= d.L; ++l) {
        H[l] = keep && l > 0 ? cache_tile(d, l, b, row0) : buf.data() + off;
        off += (size_t)kTile * d.pdims[l];
      }
      g_isa.forward(d.net, b, row0, T, H.data(), lg.data());
      const int valid = std::max(0, std::min(T, d.P - row0));
      for (int c = 0; c < C; ++c)
        std::memcpy(logits + ((size_t)b * C + c) * d.P + row0, lg.data() + (size_t)c * T, sizeof(float) * valid);
    }
  });
  napi_value out;
  check(env, napi_create_double(env, static_cast<double>(id), &out));
  return out;
}

// The shared weights' gradients from a padded accumulator into the caller's arrays (Backward and BackwardFused):
// dWs[l], dbs[l] (a[15], a[16]), dwOut (a[18]) un-padded; returns dbOut (a number for one channel called with a
// number in a[10], else a Float32Array). The per-image gradients (dA, do, dz) are the caller's: the fused pass weighs
// them by dnll.
napi_value write_shared_grads(napi_env env, napi_value* a, const Padded& d, const float* tot,
                              const std::vector<size_t>& offW, const std::vector<size_t>& offb, size_t offw,
                              size_t offbo) {
  const int L = d.L, C = d.C;
  if ((int)array_len(env, a[15], "dWs") != L || (int)array_len(env, a[16], "dbs") != L || (int)array_len(env, a[17], "dzs") != L)
    throw JsError{"dWs, dbs, dzs: need one entry per hidden layer"};
  for (int l = 0; l < L; ++l) {
    const int k = d.dims[l], m = d.dims[l + 1], mp = d.pdims[l + 1];
    float* dW = f32(env, array_at(env, a[15], l), (size_t)k * m, "dW");
    for (int i = 0; i < k; ++i) std::memcpy(&dW[(size_t)i * m], &tot[offW[l] + (size_t)i * mp], sizeof(float) * m);
    float* db = f32(env, array_at(env, a[16], l), (size_t)m, "db");
    std::memcpy(db, &tot[offb[l]], sizeof(float) * m);
  }
  const int nL = d.dims[L], pL = d.pdims[L];
  float* dw = f32(env, a[18], (size_t)nL * C, "dwOut");
  for (int j = 0; j < nL; ++j)
    for (int c = 0; c < C; ++c) dw[(size_t)j * C + c] = tot[offw + (size_t)c * pL + j];
  napi_value out;
  if (!is_typed_array(env, a[10])) {  // called with a number: one channel, a number back
    check(env, napi_create_double(env, tot[offbo], &out));
    return out;
  }
  // C channels: dbOut as a Float32Array
  void* mem;
  napi_value ab;
  check(env, napi_create_arraybuffer(env, sizeof(float) * C, &mem, &ab));
  std::memcpy(mem, &tot[offbo], sizeof(float) * C);
  check(env, napi_create_typedarray(env, napi_float32_array, C, ab, 0, &out));
  return out;
}

napi_value Backward(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value a[20];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 19 && argc != 20) throw JsError{"backward: expected 19 or 20 arguments"};
  Padded d;
  read_net(env, a, d);
  if (argc == 20) d.net.act0 = read_act0(env, a[19]);
  const uint64_t id = static_cast<uint64_t>(to_double(env, a[11]));
  const int C = d.C;
  const float* dy = f32(env, a[12], (size_t)d.B * C * d.P, "dlogits");
  const bool cached = cache_matches(d, id);
  const int B = d.B, L = d.L, tpi = tiles_per_image(d);
  // fixed chunks of (image, tile) tasks, one gradient buffer each: the sums do not depend on the thread count
  const long ntasks = (long)B * tpi;
  const int nchunks = chunk_count(ntasks, kGradChunks);
  int nmax = 0;
  for (int w : d.pdims) nmax = std::max(nmax, w);

  // per-thread padded accumulators, one flat block each
  std::vector<size_t> offW(L), offb(L), offz(L);
  size_t per = 0;
  const size_t offA = per; per += (size_t)B * 2 * d.pdims[0];
  const size_t offo = per; per += (size_t)B * d.pdims[0];
  for (int l = 0; l < L; ++l) {
    offW[l] = per; per += (size_t)d.pdims[l] * d.pdims[l + 1];
    offb[l] = per; per += d.pdims[l + 1];
    offz[l] = per; if (d.zp[l]) per += (size_t)B * d.pdims[l + 1];
  }
  const size_t offw = per; per += (size_t)C * d.pdims[L];
  const size_t offbo = per; per += C;
  std::vector<std::vector<float>> acc(nchunks);  // zeroed by the thread that fills it (first touch)
  size_t scratch = (size_t)kTile * d.pdims[0];  // layer 0's cos
  for (int w : d.pdims) scratch += (size_t)kTile * w;
  d.net.redo0 = cached ? 1 : 0;  // the cache has h_1..h_L; layer 0 and its cos are recomputed per tile

  pool_chunks(g_threads, nchunks, [&](int ch) {
    const long t0 = chunk_begin(ntasks, nchunks, ch), t1 = chunk_begin(ntasks, nchunks, ch + 1);
    acc[ch].assign(per, 0.f);
    float* base = acc[ch].data();
    std::vector<float*> gW(L), gb(L), gz(L);
    for (int l = 0; l < L; ++l) {
      gW[l] = base + offW[l];
      gb[l] = base + offb[l];
      gz[l] = d.zp[l] ? base + offz[l] : nullptr;
    }
    Grads g{base + offA, base + offo, gW.data(), gb.data(), gz.data(), base + offw, base + offbo};
    std::vector<float> buf(scratch), dH((size_t)kTile * nmax), dP((size_t)kTile * nmax);
    std::vector<float*> H(L + 2);
    std::vector<float> lg((size_t)kTile * C), gt((size_t)kTile * C);
    for (long task = t0; task < t1; ++task) {
      const int b = task / tpi, row0 = (task % tpi) * kTile, T = std::min(kTile, d.Ppad - row0);
      size_t off = 0;
      for (int l = 0; l <= L; ++l) {
        H[l] = cached && l > 0 ? cache_tile(d, l, b, row0) : buf.data() + off;
        off += (size_t)kTile * d.pdims[l];
      }
      H[L + 1] = buf.data() + off;
      if (!cached) g_isa.forward(d.net, b, row0, T, H.data(), lg.data());
      const int valid = std::max(0, std::min(T, d.P - row0));
      for (int c = 0; c < C; ++c) {
        float* gc = gt.data() + (size_t)c * T;
        std::memcpy(gc, dy + ((size_t)b * C + c) * d.P + row0, sizeof(float) * valid);
        std::fill(gc + valid, gc + T, 0.f);  // padded rows contribute nothing
      }
      g_isa.backward(d.net, b, row0, T, H.data(), gt.data(), g, dH.data(), dP.data());
    }
  });
  // the chunks' partials in chunk order (the same for any thread count), into chunk 0's buffer
  std::vector<float>& tot = acc[0];
  sum_chunks(g_threads, acc, per, tot.data());

  // un-pad into the caller's arrays
  const int n0 = d.dims[0], p0 = d.pdims[0];
  float* dA = f32(env, a[13], (size_t)B * 2 * n0, "dA");
  float* dob = f32(env, a[14], (size_t)B * n0, "do");
  for (int bb = 0; bb < B; ++bb) {
    for (int r = 0; r < 2; ++r) std::memcpy(&dA[((size_t)bb * 2 + r) * n0], &tot[offA + ((size_t)bb * 2 + r) * p0], sizeof(float) * n0);
    std::memcpy(&dob[(size_t)bb * n0], &tot[offo + (size_t)bb * p0], sizeof(float) * n0);
  }
  napi_value out = write_shared_grads(env, a, d, tot.data(), offW, offb, offw, offbo);
  for (int l = 0; l < L; ++l) {
    const int m = d.dims[l + 1], mp = d.pdims[l + 1];
    napi_value zv = array_at(env, a[17], l);
    if (d.zp[l] && !is_nullish(env, zv)) {
      float* dz = f32(env, zv, (size_t)B * m, "dzOffset");
      for (int bb = 0; bb < B; ++bb) std::memcpy(&dz[(size_t)bb * m], &tot[offz[l] + (size_t)bb * mp], sizeof(float) * m);
    }
  }
  return out;
}


// ---------------------------------------------------------------- training pass fused with the pixel loss
// A training step decodes, scores the logits against the images with the Bernoulli loss and back-propagates. Done
// as three passes, the forward writes the hidden layer of every pixel (75 MB at batch 128, 48 px, width 64) for
// the backward to read back, and the loss is a third pass over the logits. forwardTrain does all of it per tile
// while the tile is in cache: forward, loss and dl = σ(l) − x, then the backward of the tile with dl as the
// upstream gradient. Only the loss's per-image weight dnll[b] (the gradient of the training loss with respect to
// image b's nll, known after the forward) is missing then; every gradient is linear in it, so each image's
// gradient is accumulated with weight 1 in a block of its own, and backwardFused adds the blocks weighted by
// dnll in image order. The per-image blocks make the sums independent of the thread count (images are the
// tasks); the cost is B copies of the shared weights' gradients (17 kB per image at width 64: 2.2 MB at batch 128).

// Where the per-image accumulators of one forwardTrain call live in its acc array: B blocks of the shared
// weights' gradients (perS floats each: W_l, b_l, wOut, bOut), then the per-image gradients as [B, ...] arrays
// (A, o, z_l) so that the tile kernels index them by image like the per-thread buffers of Backward.
struct FusedLayout {
  size_t perS = 0, offw = 0, offbo = 0, offA = 0, offo = 0, total = 0;
  std::vector<size_t> offW, offb, offz;
};

FusedLayout fused_layout(const Padded& d) {
  FusedLayout f;
  const int L = d.L, B = d.B;
  size_t s = 0;
  f.offW.resize(L);
  f.offb.resize(L);
  f.offz.assign(L, 0);
  for (int l = 0; l < L; ++l) {
    f.offW[l] = s; s += (size_t)d.pdims[l] * d.pdims[l + 1];
    f.offb[l] = s; s += d.pdims[l + 1];
  }
  f.offw = s; s += (size_t)d.C * d.pdims[L];
  f.offbo = s; s += d.C;
  f.perS = (s + 15) / 16 * 16;  // whole cache lines per image block
  size_t t = (size_t)B * f.perS;
  f.offA = t; t += (size_t)B * 2 * d.pdims[0];
  f.offo = t; t += (size_t)B * d.pdims[0];
  for (int l = 0; l < L; ++l)
    if (d.zp[l]) { f.offz[l] = t; t += (size_t)B * d.pdims[l + 1]; }
  f.total = t;
  return f;
}

using PixelLossFn = void (*)(int, int, const float*, const float*, int, float, float, float*, double*);
PixelLossFn pixel_loss_fn() {
#if defined(__x86_64__) || defined(__i386__)
  if (std::strcmp(g_isa.name, "avx512") == 0) return avx512::mlp_pixel_loss;
  if (std::strcmp(g_isa.name, "avx2") == 0) return avx2::mlp_pixel_loss;
#endif
  return generic::mlp_pixel_loss;
}

// forwardTrain(B, P, dims, coords, A, o, Ws, bs, zs, wOut, bOut, x, logits, dl, nll[, act0]) -> acc (Float32Array)
// x, logits, dl: [B, C, P]; nll: [B] (Σ over pixels and channels, each tile summed in double, as bernoulliNll).
napi_value ForwardTrain(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value a[16];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 15 && argc != 16) throw JsError{"forwardTrain: expected 15 or 16 arguments"};
  Padded d;
  read_net(env, a, d);
  if (argc == 16) d.net.act0 = read_act0(env, a[15]);
  d.net.redo0 = 0;  // the tile's layer 0 (and its cos) are still in the scratch when its backward runs
  const int B = d.B, P = d.P, C = d.C, L = d.L, tpi = tiles_per_image(d);
  const size_t n = (size_t)B * C * P;
  const float* x = f32(env, a[11], n, "x");
  float* logits = f32(env, a[12], n, "logits");
  float* dl = f32(env, a[13], n, "dl");
  float* nll = f32(env, a[14], (size_t)B, "nll");
  const FusedLayout f = fused_layout(d);
  void* mem;
  napi_value ab, out;
  check(env, napi_create_arraybuffer(env, f.total * sizeof(float), &mem, &ab));
  float* acc = static_cast<float*>(mem);
  const PixelLossFn loss = pixel_loss_fn();
  size_t scratch = (size_t)kTile * d.pdims[0];  // layer 0's cos
  int nmax = 0;
  for (int w : d.pdims) { scratch += (size_t)kTile * w; nmax = std::max(nmax, w); }
  const int nt = std::max(1, std::min(g_threads, B));
  pool_run(nt, [&](int t) {
    std::vector<float> buf(scratch), dH((size_t)kTile * nmax), dP((size_t)kTile * nmax);
    std::vector<float> lg((size_t)kTile * C), gt((size_t)kTile * C);
    std::vector<float*> H(L + 2), gW(L), gb(L), gz(L);
    for (int b = (int)((long)B * t / nt); b < (int)((long)B * (t + 1) / nt); ++b) {
      float* S = acc + (size_t)b * f.perS;
      std::fill(S, S + f.perS, 0.f);
      std::fill(acc + f.offA + (size_t)b * 2 * d.pdims[0], acc + f.offA + (size_t)(b + 1) * 2 * d.pdims[0], 0.f);
      std::fill(acc + f.offo + (size_t)b * d.pdims[0], acc + f.offo + (size_t)(b + 1) * d.pdims[0], 0.f);
      for (int l = 0; l < L; ++l) {
        gW[l] = S + f.offW[l];
        gb[l] = S + f.offb[l];
        gz[l] = d.zp[l] ? acc + f.offz[l] : nullptr;
        if (gz[l]) std::fill(gz[l] + (size_t)b * d.pdims[l + 1], gz[l] + (size_t)(b + 1) * d.pdims[l + 1], 0.f);
      }
      Grads g{acc + f.offA, acc + f.offo, gW.data(), gb.data(), gz.data(), S + f.offw, S + f.offbo};
      double sum = 0;
      for (int task = 0; task < tpi; ++task) {
        const int row0 = task * kTile, T = std::min(kTile, d.Ppad - row0);
        size_t off = 0;
        for (int l = 0; l <= L + 1; ++l) {
          H[l] = buf.data() + off;
          off += (size_t)kTile * d.pdims[l <= L ? l : 0];
        }
        g_isa.forward(d.net, b, row0, T, H.data(), lg.data());
        const int valid = std::max(0, std::min(T, P - row0));
        for (int c = 0; c < C; ++c) {
          const size_t o = ((size_t)b * C + c) * P + row0;
          float* gc = gt.data() + (size_t)c * T;
          double s = 0;
          if (valid > 0) loss(1, valid, lg.data() + (size_t)c * T, x + o, 0, 1.f, 0.f, gc, &s);
          sum += s;
          std::memcpy(logits + o, lg.data() + (size_t)c * T, sizeof(float) * valid);
          std::memcpy(dl + o, gc, sizeof(float) * valid);
          std::fill(gc + valid, gc + T, 0.f);  // padded rows contribute nothing
        }
        g_isa.backward(d.net, b, row0, T, H.data(), gt.data(), g, dH.data(), dP.data());
      }
      nll[b] = static_cast<float>(sum);
    }
  });
  check(env, napi_create_typedarray(env, napi_float32_array, f.total, ab, 0, &out));
  return out;
}

// backwardFused(B, P, dims, coords, A, o, Ws, bs, zs, wOut, bOut, acc, dnll, dA, do, dWs, dbs, dzs, dwOut[, act0])
// -> dbOut (as Backward): the gradients of Σ_b dnll[b] nll[b] from forwardTrain's per-image blocks, the shared
// weights' blocks added in image order (each element by one thread, so the sums do not depend on the threads).
napi_value BackwardFused(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value a[20];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 19 && argc != 20) throw JsError{"backwardFused: expected 19 or 20 arguments"};
  Padded d;
  read_net(env, a, d);
  const FusedLayout f = fused_layout(d);
  const int B = d.B, L = d.L, C = d.C, n0 = d.dims[0], p0 = d.pdims[0];
  const float* acc = f32(env, a[11], f.total, "acc");
  const float* w = f32(env, a[12], (size_t)B, "dnll");
  std::vector<float> tot(f.perS);
  const size_t perS = f.perS;
  const int nt = perS * B < 262144 ? 1 : std::max(1, g_threads);
  pool_run(nt, [&](int t) {
    const size_t j0 = perS * t / nt, j1 = perS * (t + 1) / nt;
    for (size_t j = j0; j < j1; ++j) tot[j] = 0.f;
    for (int b = 0; b < B; ++b) {
      const float wb = w[b];
      const float* s = acc + (size_t)b * perS;
      for (size_t j = j0; j < j1; ++j) tot[j] += wb * s[j];
    }
  });
  float* dA = f32(env, a[13], (size_t)B * 2 * n0, "dA");
  float* dob = f32(env, a[14], (size_t)B * n0, "do");
  for (int b = 0; b < B; ++b) {
    for (int r = 0; r < 2; ++r)
      for (int j = 0; j < n0; ++j) dA[((size_t)b * 2 + r) * n0 + j] = w[b] * acc[f.offA + ((size_t)b * 2 + r) * p0 + j];
    for (int j = 0; j < n0; ++j) dob[(size_t)b * n0 + j] = w[b] * acc[f.offo + (size_t)b * p0 + j];
  }
  napi_value out = write_shared_grads(env, a, d, tot.data(), f.offW, f.offb, f.offw, f.offbo);
  for (int l = 0; l < L; ++l) {
    const int m = d.dims[l + 1], mp = d.pdims[l + 1];
    napi_value zv = array_at(env, a[17], l);
    if (d.zp[l] && !is_nullish(env, zv)) {
      float* dz = f32(env, zv, (size_t)B * m, "dzOffset");
      for (int b = 0; b < B; ++b)
        for (int j = 0; j < m; ++j) dz[(size_t)b * m + j] = w[b] * acc[f.offz[l] + (size_t)b * mp + j];
    }
  }
  return out;
}

// matmul(M, K, N, A, transA, B, transB, bias|null, C): C[M x N] = op(A) op(B) (+ bias[N]), op(A) [M x K]
// (A stored [K x M] when transA), op(B) [K x N] (stored [N x K] when transB). Operands are packed
// into padded row-major blocks (transposing on the way), row blocks of C are split over the threads; with OpenBLAS
// (blas.h) each thread's rows are one sgemm on the operands in place.
napi_value MatMul(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value a[9];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc != 9) throw JsError{"matmul: expected 9 arguments"};
  const int M = to_int(env, a[0]), K = to_int(env, a[1]), N = to_int(env, a[2]);
  if (M <= 0 || K <= 0 || N <= 0) throw JsError{"matmul: sizes must be positive"};
  bool tA = false, tB = false;
  const float* A = f32(env, a[3], (size_t)M * K, "A");
  check(env, napi_get_value_bool(env, a[4], &tA));
  const float* Bm = f32(env, a[5], (size_t)K * N, "B");
  check(env, napi_get_value_bool(env, a[6], &tB));
  const float* bias = is_nullish(env, a[7]) ? nullptr : f32(env, a[7], (size_t)N, "bias");
  float* C = f32(env, a[8], (size_t)M * N, "C");
  if (blas_on()) {
    // OpenBLAS reads the operands in place (no packing copies); row blocks of C over the pool's threads
    // fixed row chunks (pool.h): each is one sgemm call of a shape that does not depend on the thread count, so
    // OpenBLAS's choice of kernel for a shape (edge or small-matrix kernels) cannot change a row's sum either
    const int blocks = (M + 7) / 8;
    const int nc = chunk_count(blocks, kRowChunks);
    pool_chunks(g_threads, nc, [&](int ch) {
      const int r0 = std::min(M, (int)chunk_begin(blocks, nc, ch) * 8);
      const int r1 = std::min(M, (int)chunk_begin(blocks, nc, ch + 1) * 8);
      if (r1 <= r0) return;
      blas_sgemm(tA, tB, r1 - r0, N, K, tA ? A + r0 : A + (size_t)r0 * K, tA ? M : K, Bm, tB ? K : N, 0.f,
                 C + (size_t)r0 * N, N);
      if (bias)
        for (int i = r0; i < r1; ++i)
          for (int j = 0; j < N; ++j) C[(size_t)i * N + j] += bias[j];
    });
    return nullptr;
  }
  const int mr = g_isa.mr(), nr = g_isa.nr();
  const int Mp = round_up(M, mr), Np = round_up(N, nr);
  std::vector<float> pa((size_t)Mp * K, 0.f), pb((size_t)K * Np, 0.f), pc((size_t)Mp * Np);
  // pack B once ([K x Np]); the threads pack their own rows of A
  for (int kk = 0; kk < K; ++kk)
    for (int j = 0; j < N; ++j) pb[(size_t)kk * Np + j] = tB ? Bm[(size_t)j * K + kk] : Bm[(size_t)kk * N + j];
  const int blocks = Mp / mr;
  const int nc = chunk_count(blocks, kRowChunks);  // fixed row chunks, as above
  auto work = [&](int ch) {
    const int r0 = (int)chunk_begin(blocks, nc, ch) * mr, r1 = (int)chunk_begin(blocks, nc, ch + 1) * mr;
    if (r1 <= r0) return;
    for (int i = r0; i < std::min(r1, M); ++i) {
      float* dst = &pa[(size_t)i * K];
      if (tA) for (int kk = 0; kk < K; ++kk) dst[kk] = A[(size_t)kk * M + i];
      else std::memcpy(dst, &A[(size_t)i * K], sizeof(float) * K);
    }
    g_isa.gemm_packed(r1 - r0, Np, K, &pa[(size_t)r0 * K], pb.data(), &pc[(size_t)r0 * Np]);
    for (int i = r0; i < std::min(r1, M); ++i) {
      const float* src = &pc[(size_t)i * Np];
      float* dst = &C[(size_t)i * N];
      if (bias) for (int j = 0; j < N; ++j) dst[j] = src[j] + bias[j];
      else std::memcpy(dst, src, sizeof(float) * N);
    }
  };
  pool_chunks(g_threads, nc, work);
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  check(env, napi_create_object(env, &obj));
  check(env, napi_create_string_utf8(env, g_isa.name, NAPI_AUTO_LENGTH, &v));
  check(env, napi_set_named_property(env, obj, "isa", v));
  check(env, napi_create_int32(env, g_threads, &v));
  check(env, napi_set_named_property(env, obj, "threads", v));
  check(env, napi_create_int32(env, g_isa.mr(), &v));
  check(env, napi_set_named_property(env, obj, "mr", v));
  check(env, napi_create_int32(env, g_isa.nr(), &v));
  check(env, napi_set_named_property(env, obj, "nr", v));
  check(env, napi_create_double(env, (double)g_cache.cap * 4, &v));
  check(env, napi_set_named_property(env, obj, "cacheBytes", v));
  check(env, napi_get_boolean(env, true, &v));  // forward/backward take C output channels (bOut typed)
  check(env, napi_set_named_property(env, obj, "outChannels", v));
  check(env, napi_create_string_utf8(env, blas_description(), NAPI_AUTO_LENGTH, &v));
  check(env, napi_set_named_property(env, obj, "blas", v));  // what the dense products use
  check(env, napi_get_boolean(env, blas_on(), &v));
  check(env, napi_set_named_property(env, obj, "blasOn", v));
  check(env, napi_create_double(env, pool_parallel_runs(), &v));
  check(env, napi_set_named_property(env, obj, "parallelRuns", v));
  return obj;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  const int n = argc > 0 ? to_int(env, a[0]) : 0;
  g_threads = n > 0 ? n : default_threads();
  return nullptr;
}

napi_value SetIsa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  char name[32] = {0};
  size_t len;
  check(env, napi_get_value_string_utf8(env, a[0], name, sizeof name, &len));
  const std::string s(name);
  if (s == "auto") g_isa = best_isa();
  else if (cpu_has(name)) g_isa = isa_by_name(s);
  else throw JsError{"setIsa: this CPU (or build) does not support " + s};
  g_cache.id = 0;  // padding may change with the ISA
  return nullptr;
}

// setBlas(on) -> whether OpenBLAS now does the dense products (false when it is not loaded); tests compare both
napi_value SetBlas(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  bool on = false;
  if (argc > 0) check(env, napi_get_value_bool(env, a[0], &on));
  napi_value out;
  check(env, napi_get_boolean(env, blas_enable(on), &out));
  return out;
}

napi_value TanhScalar(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  napi_value out;
  check(env, napi_create_double(env, g_isa.tanh_scalar((float)to_double(env, a[0])), &out));
  return out;
}

// sincosScalar(x) -> [sin, cos] of the Fourier layer's vector routine (the tests compare it with Math.sin/cos)
napi_value SincosScalar(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  float s = 0.f, c = 0.f;
  g_isa.sincos_scalar((float)to_double(env, a[0]), s, c);
  napi_value out, v;
  check(env, napi_create_array_with_length(env, 2, &out));
  check(env, napi_create_double(env, s, &v));
  check(env, napi_set_element(env, out, 0, v));
  check(env, napi_create_double(env, c, &v));
  check(env, napi_set_element(env, out, 1, v));
  return out;
}

// Measured peak fp32 GFLOP/s of the kernel's matrix product on `threads` threads (each on its own
// cache-resident operands) over about `ms` milliseconds: the hardware limit the decoder is judged against.
napi_value Peak(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  const int threads = argc > 0 ? std::max(1, to_int(env, a[0])) : g_threads;
  const double ms = argc > 1 ? to_double(env, a[1]) : 300;
  // calibrate the repetitions on one thread so every thread runs about `ms`
  auto t0 = std::chrono::steady_clock::now();
  g_isa.gemm_flops(20);
  const double one = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 20;
  const int reps = std::max(1, static_cast<int>(ms / std::max(one, 1e-3)));
  std::vector<double> flops(threads, 0.0);
  t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&, t] { flops[t] = g_isa.gemm_flops(reps); });
  flops[0] = g_isa.gemm_flops(reps);
  for (auto& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double f : flops) total += f;
  napi_value out;
  check(env, napi_create_double(env, total / s / 1e9, &out));
  return out;
}

napi_value Release(napi_env, napi_callback_info) {
  std::free(g_cache.mem);
  g_cache = Cache{};
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"forward", nullptr, guarded<Forward>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backward", nullptr, guarded<Backward>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"forwardTrain", nullptr, guarded<ForwardTrain>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backwardFused", nullptr, guarded<BackwardFused>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, guarded<Info>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, guarded<SetThreads>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, guarded<SetIsa>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setBlas", nullptr, guarded<SetBlas>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tanhScalar", nullptr, guarded<TanhScalar>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sincosScalar", nullptr, guarded<SincosScalar>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, guarded<MatMul>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peak", nullptr, guarded<Peak>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, guarded<Release>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  register_extra(env, exports);  // addon_extra.cc: the pose encoder's frame scorer and resampling
  register_mlp(env, exports);    // addon_mlp.cc: the plain VAE's fused step and the Adam update
  return exports;
}

}  // namespace

const char* current_isa() { return g_isa.name; }
int current_threads() { return g_threads; }
}  // namespace ivae_native

NAPI_MODULE(NODE_GYP_MODULE_NAME, ivae_native::Init)
