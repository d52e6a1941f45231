/**
 * ivae's own native kernels on these cores, for the bench's "machine limit" table: the micro-kernel on
 * cache-resident operands (`nativePeakGflops`) and the addon's matmul on the training step's shapes
 * ([B·P, h] x [h, h] as in the forward pass, [h, B·P] x [B·P, h] as in the weight gradient).
 */
import { loadNative } from "../src/native/addon";
import { nativePeakGflops, setNativeThreads } from "../src/native";

export interface GemmResult {
  op: string;
  shape: string;
  gflops: number;
}

function best(fn: () => void, flops: number, budgetMs: number): number {
  fn(); // warm-up: page faults, thread start
  let top = 0;
  const end = performance.now() + budgetMs;
  for (let reps = 0; reps < 3 || performance.now() < end; reps++) {
    const t0 = performance.now();
    fn();
    top = Math.max(top, flops / ((performance.now() - t0) / 1000) / 1e9);
  }
  return top;
}

/** Native GFLOP/s on `threads` threads, or [] without the addon. */
export function nativeGemm(threads: number, rows: number, widths: number[], budgetMs = 1500): GemmResult[] {
  const a = loadNative();
  if (!a) return [];
  setNativeThreads(threads);
  const out: GemmResult[] = [
    {
      op: "ivae native micro-kernel (cache-resident)",
      shape: "peak",
      gflops: nativePeakGflops(threads, budgetMs) ?? 0,
    },
  ];
  for (const h of widths) {
    const x = new Float32Array(rows * h).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const w = new Float32Array(h * h).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
    const y = new Float32Array(rows * h);
    const g = new Float32Array(h * h);
    out.push({
      op: "ivae native matmul",
      shape: `[${rows},${h}]x[${h},${h}]`,
      gflops: best(() => a.matmul(rows, h, h, x, false, w, false, null, y), 2 * rows * h * h, budgetMs),
    });
    out.push({
      op: "ivae native matmul",
      shape: `[${h},${rows}]x[${rows},${h}]`,
      gflops: best(() => a.matmul(h, rows, h, x, true, y, false, null, g), 2 * rows * h * h, budgetMs),
    });
  }
  return out;
}
