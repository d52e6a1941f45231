// Vector type and elementwise math of one ISA build (included by kernels.h inside namespace ivae_native::IVAE_NS,
// after <immintrin.h>): load/store/broadcast, tanh, sin/cos, and their one-value wrappers for the tests. GCC vector
// extensions become AVX-512, AVX2 or SSE instructions depending on the including file's `#pragma GCC target`.

constexpr int VW = IVAE_VW;  // floats per vector register
typedef float vf __attribute__((vector_size(VW * 4)));
typedef int vi __attribute__((vector_size(VW * 4)));
typedef unsigned vu __attribute__((vector_size(VW * 4)));

static inline vf load(const float* p) { vf v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void store(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
static inline vf splat(float x) { return vf{} + x; }

// Broadcast of *p straight from memory (one vbroadcastss with a memory operand: a load, no shuffle). The
// micro-kernel's operand broadcasts need it: GCC builds `vf{} + x` as a scalar add of 0 (kept because of
// signed zeros) and a register shuffle, two extra uops per row per k step.
static inline vf splat_mem(const float* p) {
#if (defined(__x86_64__) || defined(__i386__)) && IVAE_VW == 16
  return (vf)_mm512_set1_ps(*p);
#elif (defined(__x86_64__) || defined(__i386__)) && IVAE_VW == 8
  return (vf)_mm256_broadcast_ss(p);
#else
  return splat(*p);
#endif
}

// tanh as Eigen's float rational approximation (odd 13/even 6 minimax on [-7.9, 7.9]); max error
// about 2 ulp, which the gradient tests confirm is far below what training notices.
static inline vf vtanh(vf x) {
  const vf hi = splat(7.90531110763549805f), lo = splat(-7.90531110763549805f);
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  const vf x2 = x * x;
  vf p = x2 * splat(-2.76076847742355e-16f) + splat(2.00018790482477e-13f);
  p = x2 * p + splat(-8.60467152213735e-11f);
  p = x2 * p + splat(5.12229709037114e-08f);
  p = x2 * p + splat(1.48572235717979e-05f);
  p = x2 * p + splat(6.37261928875436e-04f);
  p = x2 * p + splat(4.89352455891786e-03f);
  p = x * p;
  vf q = x2 * splat(1.19825839466702e-06f) + splat(1.18534705686654e-04f);
  q = x2 * q + splat(2.26843463243900e-03f);
  q = x2 * q + splat(4.89352518554385e-03f);
  return p / q;
}

// sin and cos of x for the Fourier-feature layer (|x| up to a few hundred; the layer's arguments are tens).
// Reduction by quadrant, x = k π/2 + r with |r| <= π/4: k by the 1.5·2^23 rounding trick (its low mantissa bits
// are k mod 4), r by Cody-Waite with π/2 in three parts whose leading parts have few bits, so k·part is exact
// even without FMA. Then Cephes' sinf/cosf minimax polynomials on [-π/4, π/4] (Moshier's Cephes library, also
// used by Eigen's psin/pcos and Pommier's sse_mathfun), the quadrant's swap of sin and cos, and its signs. Max
// abs error 1.2e-7 (sin) and 1.2e-7 (cos) on [-60, 60] against double libm (test/native/coord-decoder.test.ts
// checks < 2e-7 through `sincosScalar`). It replaces a reduction by π with Taylor series to r^11 / r^12 (max error
// 1.5e-7): bench/tile-bench.cc with either routine, loaded machine, one thread, three alternations: forward tile
// 32.5 -> 31.3 us, backward 56.2 -> 53.8 us ([64, 64], layer 0 recomputed in the backward).
static inline void vsincos(vf x, vf& s, vf& c) {
  const vf magic = splat(12582912.f);  // 1.5·2^23
  const vf y = x * splat(0.636619772367581343f) + magic;
  vu k;
  __builtin_memcpy(&k, &y, sizeof k);
  const vf kf = y - magic;
  vf r = x - kf * splat(1.5703125f);
  r = r - kf * splat(4.837512969970703125e-4f);
  r = r - kf * splat(7.54978995489188216e-8f);
  const vf z = r * r;
  vf ps = z * splat(-1.9515295891e-4f) + splat(8.3321608736e-3f);
  ps = z * ps + splat(-1.6666654611e-1f);
  ps = r + r * z * ps;
  vf pc = z * splat(2.443315711809948e-5f) + splat(-1.388731625493765e-3f);
  pc = z * pc + splat(4.166664568298827e-2f);
  pc = splat(1.f) - splat(0.5f) * z + z * z * pc;
  const vi odd = (k & 1) != 0;
  const vf s0 = odd ? pc : ps, c0 = odd ? ps : pc;
  const vu sbit = (k & 2) << 30, cbit = ((k + 1) & 2) << 30;
  vu si, ci;
  __builtin_memcpy(&si, &s0, sizeof si);
  __builtin_memcpy(&ci, &c0, sizeof ci);
  si ^= sbit;
  ci ^= cbit;
  __builtin_memcpy(&s, &si, sizeof s);
  __builtin_memcpy(&c, &ci, sizeof c);
}

// sin and cos of one value through the vector routine (the tests compare it with Math.sin / Math.cos).
void sincos_scalar(float x, float& sn, float& cs) {
  float in[VW] = {x}, o1[VW], o2[VW];
  vf s, c;
  vsincos(load(in), s, c);
  store(o1, s);
  store(o2, c);
  sn = o1[0];
  cs = o2[0];
}

float tanh_scalar(float x) {
  float in[VW] = {x}, out[VW];
  store(out, vtanh(load(in)));
  return out[0];
}
