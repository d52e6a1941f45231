/**
 * Where `model.encode` spends its time (issue 15, "encode 100k patches"): wall-clock of encoding `--n` cards at 48 px
 * in batches of 1024, the input check alone, and the tfjs kernels of one batch by name.
 *   npx tsx bench/encode-profile.ts [--variant rvae|rvae-mlp|vae] [--n 4096]
 */
import * as tf from "@tensorflow/tfjs";

import { opt } from "./cli";

async function main(): Promise<void> {
  const { selectBackend } = await import("../src/backend");
  await selectBackend({ force: "wasm", verbose: false });
  await import("../src/native");
  const { cards } = await import("../src/data");
  const { makeModel } = await import("./worker");
  const size = 48,
    n = Number(opt("n", "4096"));
  const ds = cards.lecture("cards1", { n, seed: 0, size });
  const model = await makeModel(opt("variant", "rvae") as "rvae", size, [64, 64]);
  const stack = { data: ds.images.data, n, height: size, width: size };
  // one batch of up to 1024 (fewer when --n is smaller): the warm-up and the profiled call
  const one = { ...stack, n: Math.min(n, 1024), data: ds.images.data.subarray(0, Math.min(n, 1024) * size * size) };
  model.encode(one, { batchSize: 1024 });
  let t0 = performance.now();
  model.encode(stack, { batchSize: 1024 });
  const all = performance.now() - t0;
  t0 = performance.now();
  model.checkImages(stack, "profile");
  const check = performance.now() - t0;
  const prof = await tf.profile(() => void model.encode(one, { batchSize: 1024 }));
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of prof.kernels) {
    const r = byName.get(k.name) ?? { ms: 0, calls: 0 };
    r.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    r.calls++;
    byName.set(k.name, r);
  }
  console.log(
    `encode ${n}: ${all.toFixed(0)} ms (${((all / n) * 1e3).toFixed(1)} us/patch); input check ${check.toFixed(1)} ms`,
  );
  console.log(`kernels of one batch of ${one.n} by name (scopes overlap the rows they contain):`);
  for (const [k, r] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
    console.log(`${r.ms.toFixed(2).padStart(8)} ms ${String(r.calls).padStart(4)}x  ${k}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
