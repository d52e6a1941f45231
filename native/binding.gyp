{
  # Built by scripts/build-native.js (npm run prepare), not by npm install: the addon is optional.
  # No -march=native: kernels_avx512.cc / kernels_avx2.cc raise their own target with
  # `#pragma GCC target` and addon.cc picks one at run time, so the binary runs on any x86-64.
  "targets": [
    {
      "target_name": "ivae_native",
      "sources": ["src/addon.cc", "src/addon_extra.cc", "src/addon_mlp.cc", "src/addon_adam.cc", "src/addon_loss.cc", "src/pool.cc", "src/blas.cc", "src/kernels_avx512.cc", "src/kernels_avx2.cc", "src/kernels_generic.cc"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-ffp-contract=fast", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"]
    }
  ]
}
