// A persistent pool of worker threads for the addon's parallel loops (issue 15). Starting std::threads for
// every call cost tens of microseconds per call and, on a busy machine, a join that waits for a thread the
// OS has not scheduled yet; the plain VAE's step makes about twenty threaded calls. Workers are started on
// first use, wait on a condition variable between calls (a short spin first, so back-to-back calls of one
// step do not pay a wake-up), and live until the process exits.
#pragma once
#include <algorithm>
#include <functional>

namespace ivae_native {

/** Runs fn(0) .. fn(nt - 1), fn(0) on the calling thread, the others on pool workers; returns when all are
 * done. nt <= 1 runs fn(0) inline. Calls from several threads take turns; a call must not be made from inside fn
 * (the addon's entry points call it once per parallel loop, never nested). */
void pool_run(int nt, const std::function<void(int)>& fn);

/** How many pool_run calls so far ran on more than one thread (info().parallelRuns: tests check the split). */
double pool_parallel_runs();

// Same numbers for any thread count (issue 15, "Same numbers on every machine" in native/README.md): work whose
// results are summed is cut into chunks whose number and bounds depend on the problem size only; each chunk
// accumulates into its own buffer (in item order), threads take whole chunks, and the partials are added in chunk
// order afterwards. The thread count then changes who computes a chunk, never what is added to what.

/** Gradient chunks of a backward pass (decoder, frame scorer): enough for 32 threads to share evenly, few enough
 * that zeroing and adding the chunks' buffers stays a small part of the pass. */
constexpr int kGradChunks = 32;
/** Row chunks of a product (each row of the result is one call's work, its sum over K done inside the call). */
constexpr int kRowChunks = 16;

/** Chunks for n items: min(n, cap), at least 1. */
inline int chunk_count(long n, int cap) { return (int)std::max(1L, std::min(n, (long)cap)); }
/** First item of chunk c of nc over n items (chunk c is [chunk_begin(c), chunk_begin(c + 1))). */
inline long chunk_begin(long n, int nc, int c) { return n * c / nc; }

/** Runs fn(c) for every chunk c in [0, nc) on up to `threads` threads, each thread a contiguous run of chunks. */
template <typename F>
void pool_chunks(int threads, int nc, F fn) {
  const int nt = std::max(1, std::min(threads, nc));
  pool_run(nt, [&](int t) {
    for (int c = (int)((long)nc * t / nt); c < (int)((long)nc * (t + 1) / nt); ++c) fn(c);
  });
}

/** out[i] = sum over c of parts[c][i] for i < n, added in chunk order (c = 0, 1, ...) whatever the threads;
 * element ranges are split over up to `threads` threads (each element is summed by one thread). */
template <typename V>
void sum_chunks(int threads, V& parts, size_t n, float* out) {
  const int nc = (int)parts.size();
  const int nt = n < 16384 ? 1 : std::max(1, threads);
  pool_run(nt, [&](int t) {
    const size_t i0 = n * t / nt, i1 = n * (t + 1) / nt;
    for (size_t a = i0; a < i1; a += 1024) {  // blocks that stay in L1 while the chunks stream past
      const size_t b = std::min(i1, a + 1024);
      for (size_t i = a; i < b; ++i) out[i] = parts[0][i];
      for (int c = 1; c < nc; ++c)
        for (size_t i = a; i < b; ++i) out[i] += parts[c][i];
    }
  });
}

}  // namespace ivae_native
