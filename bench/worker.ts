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
  /** timed steps at least (the block also lasts at least `minSeconds`) */
  steps: number;
  /** seconds the timed block lasts at least (0: exactly `steps` steps) */
  minSeconds?: number;
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
  const common = { batchSize: cfg.batch, progress: false as const, pixelSubsample: m < P ? m : undefined };
  // a warm-up epoch of `warmup` batches, then one train() call timed as a block (bench/README.md, "How a
  // throughput is timed"): epochs of the `steps` timed batches, reshuffled each epoch as in real use, until at
  // least `steps` steps and `minSeconds` seconds; the clock stops at the end of the epoch that reaches both
  // (train()'s per-call set-up, e.g. the input check, counts once, amortised as in real use)
  if (cfg.warmup > 0) await train(model, stackOf(0, cfg.warmup), { ...common, epochs: 1, seed: 1 });
  const stop = new AbortController();
  let timed = 0,
    seconds = 0;
  const epochSeconds: number[] = [];
  const t0 = performance.now();
  const hist = await train(model, stackOf(cfg.warmup, cfg.steps), {
    ...common,
    epochs: 1_000_000,
    seed: 2,
    signal: stop.signal,
    onEpoch: (r) => {
      timed += cfg.steps;
      seconds = (performance.now() - t0) / 1000;
      epochSeconds.push(r.seconds);
      if (seconds >= (cfg.minSeconds ?? 0)) stop.abort(); // train() ends after its next step (not counted)
    },
  });
  const step = seconds / timed;
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
    stepSecondsMedian: step, // the block's mean (train() gives no per-step times); the name is the reference's
    timedSteps: timed,
    timedSeconds: seconds,
    epochSeconds,
    timing:
      `block of >= ${cfg.steps} steps and >= ${cfg.minSeconds ?? 0} s through train(): ` +
      `img/s = batch x steps / seconds`,
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
    // train()'s own step (its optimizer, checks and bookkeeping included) with every tfjs kernel timed, over an
    // epoch of `profileSteps` batches, reported per step; the native decoder op reports its own time. (Until
    // 2026-12-04 this profiled `tf.train.adam().minimize(lossTerms)`, whose ~15 tfjs ops per variable (RealDiv,
    // Add, Multiply, Sqrt) are not what train() runs: it updates with the native Adam.)
    const profileSteps = Math.min(4, cfg.steps);
    native.nativeOpStats(true);
    const tp = performance.now();
    const prof = await tf.profile(async () => {
      await train(model, stackOf(cfg.warmup, profileSteps), { ...common, epochs: 1, seed: 7 });
      return tf.scalar(0);
    });
    out.profileWallMs = (performance.now() - tp) / profileSteps;
    out.profileSteps = profileSteps;
    const byOp = new Map<string, { ms: number; calls: number }>();
    for (const k of prof.kernels) {
      // tf.customGrad ops (fastTanh, the native decoder) are profiled as "unnamed scope" and their time
      // includes the kernels they run, so that row overlaps the others
      const name = k.name === "unnamed scope" ? "customGrad scopes (overlaps the rows)" : k.name;
      const e = byOp.get(name) ?? { ms: 0, calls: 0 };
      e.ms += (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0) / profileSteps;
      e.calls += 1 / profileSteps;
      byOp.set(name, e);
    }
    const st = native.nativeOpStats(true);
    const per = (ms: number, calls: number) => ({ ms: ms / profileSteps, calls: calls / profileSteps });
    if (st.forwardCalls) byOp.set("native coordDecoder forward", per(st.forwardMs, st.forwardCalls));
    if (st.backwardCalls) byOp.set("native coordDecoder backward", per(st.backwardMs, st.backwardCalls));
    out.profile = [...byOp.entries()]
      .map(([op, e]) => ({ op, ms: e.ms, calls: Math.round(100 * e.calls) / 100 }))
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
