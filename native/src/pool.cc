// Persistent worker pool (pool.h).
#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ivae_native {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// About 20-50 microseconds of pause instructions: longer than the gap between two products of one step, short
// enough not to take a core from other processes for long (the machine may be shared).
constexpr int kSpin = 2000;

struct Pool {
  std::mutex mu;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;  // worker i runs index i + 1
  const std::function<void(int)>* job = nullptr;
  int njob = 0;
  std::atomic<uint64_t> gen{0};
  std::atomic<int> pending{0};

  void grow(int n) {
    while ((int)workers.size() < n) {
      const int id = (int)workers.size() + 1;
      workers.emplace_back([this, id] { loop(id); });
    }
  }

  void loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      for (int i = 0; i < kSpin && gen.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
      if (gen.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(mu);
        wake.wait(lk, [&] { return gen.load(std::memory_order_acquire) != seen; });
      }
      seen = gen.load(std::memory_order_acquire);
      const std::function<void(int)>* f = job;
      const int n = njob;
      if (id < n) (*f)(id);
      if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu);
        done.notify_one();
      }
    }
  }

  std::mutex runMu;  // one call at a time (JS worker threads could each load the addon)

  void run(int nt, const std::function<void(int)>& fn) {
    std::lock_guard<std::mutex> one(runMu);
    grow(nt - 1);
    {
      std::lock_guard<std::mutex> lk(mu);
      job = &fn;
      njob = nt;
      pending.store((int)workers.size(), std::memory_order_relaxed);
      gen.fetch_add(1, std::memory_order_release);
    }
    wake.notify_all();
    fn(0);
    for (int i = 0; i < kSpin && pending.load(std::memory_order_acquire) > 0; ++i) cpu_relax();
    if (pending.load(std::memory_order_acquire) > 0) {
      std::unique_lock<std::mutex> lk(mu);
      done.wait(lk, [&] { return pending.load(std::memory_order_acquire) == 0; });
    }
  }
};

// Never destroyed: workers blocked in wait() at process exit must not meet a destroyed mutex.
Pool* g_pool = new Pool();
std::atomic<long> g_parallel_runs{0};

}  // namespace

void pool_run(int nt, const std::function<void(int)>& fn) {
  if (nt <= 1) return fn(0);
  g_parallel_runs.fetch_add(1, std::memory_order_relaxed);
  g_pool->run(nt, fn);
}

double pool_parallel_runs() { return (double)g_parallel_runs.load(std::memory_order_relaxed); }

}  // namespace ivae_native
