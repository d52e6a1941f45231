// A persistent pool of worker threads for the addon's parallel loops (issue 15). Starting std::threads for
// every call cost tens of microseconds per call and, on a busy machine, a join that waits for a thread the
// OS has not scheduled yet; the plain VAE's step makes about twenty threaded calls. Workers are started on
// first use, wait on a condition variable between calls (a short spin first, so back-to-back calls of one
// step do not pay a wake-up), and live until the process exits.
#pragma once
#include <functional>

namespace ivae_native {

/** Runs fn(0) .. fn(nt - 1), fn(0) on the calling thread, the others on pool workers; returns when all are
 * done. nt <= 1 runs fn(0) inline. Calls from several threads take turns; a call must not be made from inside fn
 * (the addon's entry points call it once per parallel loop, never nested). */
void pool_run(int nt, const std::function<void(int)>& fn);

}  // namespace ivae_native
