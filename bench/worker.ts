/**
 * One ivae configuration of `npm run bench`, run in its own child process (a clean tfjs backend and
 * environment): throughput through the public `train()` (what users run), optional per-op profile, encode
 * and manifold timings. bench.ts spawns `node worker.js <json config>` and reads the BENCH_JSON line.
 */
import * as fs from "fs";
import { BenchVariant, forwardFlopsPerImage } from "./flops";

export interface WorkerConfig {
  label: string;
  backend: "wasm" | "cpu";
  native: boolean;
  variant: BenchVariant;
  decoderHidden: number[];
  /** pixels of the reconstruction per step (train's pixelSubsample); 0 = all */
  subsample: number;
  steps: number;
  warmup: number;
  threads: number;
  dataFile: string;
  n: number;
  size: number;
  batch: number;
  encodeN: number;
  manifold: number;
  profile: boolean;
}

export interface RunResult {
  ok: boolean;
  error?: string;
  label?: string;
  imagesPerSecond?: number;
  stepSecondsMedian?: number;
  gflops?: number;
  encodeSeconds?: number;
  manifoldSeconds?: number;
  profile?: { op: string; ms: number; calls: number }[];
  [k: string]: unknown;
}

export const MARK = "BENCH_JSON ";
export const ENC = [128, 128];

/** A model of the bench's variant with ivae's defaults otherwise (seed 0). */
export async function makeModel(variant: BenchVariant, size: number, decoderHidden: number[]) {
  const models = await import("../src/models");
  const imageShape: [number, number] = [size, size];
  switch (variant) {
    case "rvae":
      return new models.RVAE({ imageShape, seed: 0, decoderHidden }); // default: equivariant pose encoder
    case "rvae-mlp":
      return new models.RVAE({ imageShape, seed: 0, decoderHidden, poseEncoder: "mlp" });
    case "skip":
      return new models.RVAE({ imageShape, seed: 0, decoderHidden, skip: true });
    case "shift":
      return new models.ShiftVAE({ imageShape, seed: 0, decoderHidden });
    case "vae":
      return new models.VAE({ imageShape, seed: 0, decoderHidden });
  }
}

export async function worker(cfg: WorkerConfig): Promise<RunResult> {
  // environment first: the native module reads IVAE_NATIVE when it is imported
  process.env.IVAE_NATIVE = cfg.native ? "1" : "0";
  process.env.IVAE_NATIVE_THREADS = String(cfg.threads);
  const tf = await import("@tensorflow/tfjs");
  const { selectBackend } = await import("../src/backend");
  const models = await import("../src/models");
  const native = await import("../src/native");
  const { train } = await import("../src/training");
  const choice = await selectBackend({ force: cfg.backend, verbose: false });
  if (cfg.native && !native.nativeAvailable())
    return { ok: false, error: `native addon not available: ${native.nativeUnavailableReason()}` };
  native.useNativeCoordDecoder(cfg.native);
  const P = cfg.size * cfg.size;
  const all = new Float32Array(fs.readFileSync(cfg.dataFile).buffer.slice(0));
  const model = await makeModel(cfg.variant, cfg.size, cfg.decoderHidden);
  const nb = Math.floor(cfg.n / cfg.batch);
  if (cfg.warmup + cfg.steps + 1 > nb)
    return { ok: false, error: `need ${cfg.warmup + cfg.steps + 1} batches of data, have ${nb}` };
  const m = cfg.subsample > 0 && cfg.subsample < P ? cfg.subsample : P;
  const stackOf = (first: number, count: number) => ({
    data: all.subarray(first * cfg.batch * P, (first + count) * cfg.batch * P),
    n: count * cfg.batch,
    height: cfg.size,
    width: cfg.size,
  });
  const common = { epochs: 1, batchSize: cfg.batch, progress: false as const, pixelSubsample: m < P ? m : undefined };
  // a warm-up epoch of `warmup` batches, then one timed epoch of `steps` batches (train()'s per-epoch
  // set-up is amortised as in real use)
  if (cfg.warmup > 0) await train(model, stackOf(0, cfg.warmup), { ...common, seed: 1 });
  const t0 = performance.now();
  const hist = await train(model, stackOf(cfg.warmup, cfg.steps), { ...common, seed: 2 });
  const step = (performance.now() - t0) / 1000 / cfg.steps;
  const last = hist.loss[hist.loss.length - 1];
  const fl = 3 * forwardFlopsPerImage(cfg.variant, P, ENC, cfg.decoderHidden, model.config.latentDim, m);
  const out: RunResult = {
    ok: Number.isFinite(last),
    label: cfg.label,
    backend: choice.description,
    variant: cfg.variant,
    pixels: m,
    decoderHidden: cfg.decoderHidden,
    poseEncoder: model.config.poseEncoder ?? "n/a",
    imagesPerSecond: cfg.batch / step,
    stepSecondsMedian: step,
    flopsPerImage: fl,
    gflops: (fl * cfg.batch) / step / 1e9,
    lastLoss: last,
    coordDecoder: cfg.variant === "vae" ? "n/a" : models.coordDecoderName(),
    native: native.nativeInfo(),
    threads: {
      requested: cfg.threads,
      native: native.nativeInfo()?.threads ?? null,
      tfjs: `${choice.description} (single-threaded in Node)`,
    },
  };
  if (!out.ok) out.error = `non-finite loss ${last}`;

  if (cfg.profile) {
    // one more step with every kernel timed; the native op reports its own time
    const opt = tf.train.adam(1e-3);
    const x = tf.tensor2d(
      all.subarray((cfg.warmup + cfg.steps) * cfg.batch * P, (cfg.warmup + cfg.steps + 1) * cfg.batch * P),
      [cfg.batch, P],
    );
    native.nativeOpStats(true);
    const tp = performance.now();
    const prof = await tf.profile(() => {
      const cost = opt.minimize(() => model.lossTerms(x, null, { seed: 7 }).loss, true);
      cost?.dataSync();
      cost?.dispose();
    });
    out.profileWallMs = performance.now() - tp;
    x.dispose();
    const byOp = new Map<string, { ms: number; calls: number }>();
    for (const k of prof.kernels) {
      // tf.customGrad ops (fastTanh, the native decoder) are profiled as "unnamed scope" and their time
      // includes the kernels they run, so that row overlaps the others
      const name = k.name === "unnamed scope" ? "customGrad scopes (overlaps the rows)" : k.name;
      const e = byOp.get(name) ?? { ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      e.calls++;
      byOp.set(name, e);
    }
    const st = native.nativeOpStats(true);
    if (st.forwardCalls) byOp.set("native coordDecoder forward", { ms: st.forwardMs, calls: st.forwardCalls });
    if (st.backwardCalls) byOp.set("native coordDecoder backward", { ms: st.backwardMs, calls: st.backwardCalls });
    out.profile = [...byOp.entries()]
      .map(([op, e]) => ({ op, ...e }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 15);
  }
  if (cfg.encodeN > 0) {
    // cards repeated up to encodeN patches; includes the input check and the batching of model.encode
    const big = new Float32Array(cfg.encodeN * P);
    for (let i = 0; i < cfg.encodeN; i++) big.set(all.subarray((i % cfg.n) * P, ((i % cfg.n) + 1) * P), i * P);
    const te = performance.now();
    const enc = model.encode({ data: big, n: cfg.encodeN, height: cfg.size, width: cfg.size }, { batchSize: 1024 });
    out.encodeSeconds = (performance.now() - te) / 1000;
    out.encodeN = enc.n;
  }
  if (cfg.manifold > 0) {
    const tm = performance.now();
    const mf = model.manifold({ steps: cfg.manifold });
    out.manifoldSeconds = (performance.now() - tm) / 1000;
    out.manifoldImages = mf.n;
  }
  return out;
}

if (require.main === module) {
  const run =
    process.argv[2] === "--ttr"
      ? import("./time-to-result").then((t) => t.ivaeTimeToResult(JSON.parse(process.argv[3])))
      : worker(JSON.parse(process.argv[2]) as WorkerConfig);
  run
    .then((r) => console.log(MARK + JSON.stringify(r)))
    .catch((e: Error) => console.log(MARK + JSON.stringify({ ok: false, error: e.stack ?? String(e) })));
}
