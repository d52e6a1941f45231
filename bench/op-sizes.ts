/**
 * The tfjs kernels of one training step (forward + backward, no Adam) of a bench model that touch at least
 * `--min` values (default 100k), with their shapes and times: where the step's non-native time goes (issue 15).
 *   npx tsx bench/op-sizes.ts [--variant rvae-mlp] [--min 100000]
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
    B = 128,
    P = size * size;
  const ds = cards.lecture("cards1", { n: B, seed: 0, size });
  const model = await makeModel(opt("variant", "rvae-mlp") as "rvae", size, [64, 64]);
  const x = tf.tensor2d(ds.images.data.subarray(0, B * P), [B, P]);
  const step = () => {
    const r = tf.variableGrads(() => model.lossTerms(x, null, { seed: 1 }).loss, model.params.vars);
    r.value.dataSync();
    tf.dispose([r.value, ...Object.values(r.grads)]);
  };
  step();
  const min = Number(opt("min", "100000"));
  const prof = await tf.profile(step);
  const rows = new Map<string, { ms: number; calls: number }>();
  let all = 0;
  for (const k of prof.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    all += ms;
    const size = Math.max(...k.outputShapes.map((s) => (s ?? []).reduce((a, b) => a * b, 1)));
    if (size < min) continue;
    const key = `${k.name} [${k.outputShapes.map((s) => (s ?? []).join("x")).join(", ")}]`;
    const r = rows.get(key) ?? { ms: 0, calls: 0 };
    r.ms += ms;
    r.calls++;
    rows.set(key, r);
  }
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of prof.kernels) {
    const r = byName.get(k.name) ?? { ms: 0, calls: 0 };
    r.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    r.calls++;
    byName.set(k.name, r);
  }
  console.log("by kernel name (scopes overlap the rows they contain):");
  for (const [k, r] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
    console.log(`${r.ms.toFixed(2).padStart(8)} ms ${String(r.calls).padStart(4)}x  ${k}`);
  console.log(`kernels: ${prof.kernels.length}, their time ${all.toFixed(1)} ms; those with >= ${min} values:`);
  for (const [k, r] of [...rows].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`${r.ms.toFixed(2).padStart(8)} ms ${String(r.calls).padStart(4)}x  ${k}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
