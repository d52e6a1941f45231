/**
 * `npm run bench`: training throughput of ivae's rVAE and VAE (cards, 48x48, batch 128, default
 * architecture) on every available configuration, side by side with a PyTorch reference of the same
 * architecture and loss (bench/torch_ref.py, Debian's python3-torch) at the same thread count, in one run.
 *
 * Every configuration runs in its own child process (a clean tfjs backend and environment); the ivae
 * native rVAE and PyTorch rVAE runs alternate `--repeat` times so that background load hits both alike,
 * and the medians are reported. Prints a table and writes JSON (default bench/results/latest.json).
 *
 *   node dist/bench/bench.js [--steps 8] [--warmup 2] [--repeat 3] [--threads 2] [--encode 100000]
 *                            [--manifold 20] [--out file.json] [--quick]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { forwardFlopsPerImage } from "./flops";

type ModelKind = "rvae" | "vae";

interface WorkerConfig {
  label: string;
  backend: "wasm" | "cpu";
  native: boolean;
  model: ModelKind;
  /** rVAE pose encoder; "mlp" is the architecture of the PyTorch reference */
  poseEncoder: "mlp" | "equivariant";
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

interface RunResult {
  ok: boolean;
  error?: string;
  label?: string;
  imagesPerSecond?: number;
  stepSecondsMedian?: number;
  stepSeconds?: number[];
  gflops?: number;
  flopsPerImage?: number;
  lastLoss?: number;
  encodeSeconds?: number;
  encodeN?: number;
  manifoldSeconds?: number;
  profile?: { op: string; ms: number; calls: number }[];
  backend?: string;
  native?: unknown;
  [k: string]: unknown;
}

const MARK = "BENCH_JSON ";
const ENC = [128, 128];

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// ------------------------------------------------------------------ worker (one configuration)
async function worker(cfg: WorkerConfig): Promise<RunResult> {
  // environment first: the native module reads IVAE_NATIVE when it is imported
  process.env.IVAE_NATIVE = cfg.native ? "1" : "0";
  process.env.IVAE_NATIVE_THREADS = String(cfg.threads);
  const tf = await import("@tensorflow/tfjs");
  const { selectBackend } = await import("../src/backend");
  const models = await import("../src/models");
  const native = await import("../src/native");
  const choice = await selectBackend({ force: cfg.backend, verbose: false });
  if (cfg.native && !native.nativeAvailable()) return { ok: false, error: `native addon not available: ${native.nativeUnavailableReason()}` };
  native.useNativeCoordDecoder(cfg.native);
  const P = cfg.size * cfg.size;
  const all = new Float32Array(fs.readFileSync(cfg.dataFile).buffer.slice(0));
  const model = cfg.model === "rvae"
    // the MLP pose encoder: the architecture of the PyTorch reference (bench/torch_ref.py)
    ? new models.RVAE({ imageShape: [cfg.size, cfg.size], seed: 0, poseEncoder: cfg.poseEncoder })
    : new models.VAE({ imageShape: [cfg.size, cfg.size], seed: 0 });
  const opt = tf.train.adam(1e-3);
  const nb = Math.floor(cfg.n / cfg.batch);
  // one optimiser step written out (same as train() without its NaN checks), for the per-op profile
  const step = (i: number): number => {
    const b = i % nb;
    const x = tf.tensor2d(all.subarray(b * cfg.batch * P, (b + 1) * cfg.batch * P), [cfg.batch, P]);
    const cost = opt.minimize(() => model.lossTerms(x, null, { seed: 1000 + i }).loss, true);
    const v = cost!.dataSync()[0];  // synchronises, so the step is fully timed
    cost!.dispose();
    x.dispose();
    return v;
  };
  // Throughput through the public training loop (what users run): a warm-up epoch of `warmup` batches,
  // then one timed epoch of `steps` batches (train()'s per-epoch set-up is amortised as in real use).
  const { train } = await import("../src/training");
  const stackOf = (first: number, count: number) => ({ data: all.subarray(first * cfg.batch * P, (first + count) * cfg.batch * P), n: count * cfg.batch, height: cfg.size, width: cfg.size });
  if (cfg.warmup + cfg.steps > nb) return { ok: false, error: `need ${cfg.warmup + cfg.steps} batches of data, have ${nb}` };
  if (cfg.warmup > 0) await train(model, stackOf(0, cfg.warmup), { epochs: 1, batchSize: cfg.batch, seed: 1, progress: false });
  const t0 = performance.now();
  const hist = await train(model, stackOf(cfg.warmup, cfg.steps), { epochs: 1, batchSize: cfg.batch, seed: 2, progress: false });
  const times = [(performance.now() - t0) / 1000 / cfg.steps];
  const last = hist.loss[hist.loss.length - 1];
  const med = times[0];
  const dec = model.config.decoderHidden;
  const fl = 3 * forwardFlopsPerImage(cfg.model, P, ENC, dec, model.config.latentDim);
  const out: RunResult = {
    ok: true, label: cfg.label, backend: choice.description, imagesPerSecond: cfg.batch / med, stepSecondsMedian: med,
    stepSeconds: times, flopsPerImage: fl, gflops: (fl * cfg.batch) / med / 1e9, lastLoss: last, decoderHidden: dec,
    coordDecoder: cfg.model === "rvae" ? models.coordDecoderName() : "n/a", native: native.nativeInfo(),
  };
  if (!Number.isFinite(last)) return { ...out, ok: false, error: `non-finite loss ${last}` };

  if (cfg.profile) {
    // one more step with every kernel timed; the native op reports its own time
    native.nativeOpStats(true);
    const t0 = performance.now();
    const prof = await tf.profile(() => { step(cfg.warmup + cfg.steps); });
    const wall = performance.now() - t0;
    const byOp = new Map<string, { ms: number; calls: number }>();
    for (const k of prof.kernels) {
      const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      // tf.customGrad ops (fastTanh, the native decoder) are profiled as "unnamed scope" and their time
      // includes the kernels they run, so that row overlaps the others
      const name = k.name === "unnamed scope" ? "customGrad scopes (overlaps the rows)" : k.name;
      const e = byOp.get(name) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      byOp.set(name, e);
    }
    const st = native.nativeOpStats(true);
    if (st.forwardCalls) byOp.set("native coordDecoder forward", { ms: st.forwardMs, calls: st.forwardCalls });
    if (st.backwardCalls) byOp.set("native coordDecoder backward", { ms: st.backwardMs, calls: st.backwardCalls });
    out.profile = [...byOp.entries()].map(([op, e]) => ({ op, ...e })).sort((a, b) => b.ms - a.ms).slice(0, 15);
    out.profileWallMs = wall;
  }
  if (cfg.encodeN > 0) {
    // cards repeated up to encodeN patches; includes the input check and the batching of model.encode
    const big = new Float32Array(cfg.encodeN * P);
    for (let i = 0; i < cfg.encodeN; i++) big.set(all.subarray((i % cfg.n) * P, ((i % cfg.n) + 1) * P), i * P);
    const t0 = performance.now();
    const enc = model.encode({ data: big, n: cfg.encodeN, height: cfg.size, width: cfg.size }, { batchSize: 1024 });
    out.encodeSeconds = (performance.now() - t0) / 1000;
    out.encodeN = enc.n;
  }
  if (cfg.manifold > 0) {
    const t0 = performance.now();
    const m = model.manifold({ steps: cfg.manifold });
    out.manifoldSeconds = (performance.now() - t0) / 1000;
    out.manifoldImages = m.n;
  }
  return out;
}

// ------------------------------------------------------------------ parent
function runWorker(cfg: WorkerConfig): RunResult {
  const r = spawnSync(process.execPath, [__filename, "--worker", JSON.stringify(cfg)], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = (r.stdout || "").split("\n").find((l) => l.startsWith(MARK));
  if (!line) return { ok: false, label: cfg.label, error: `worker failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}` };
  return JSON.parse(line.slice(MARK.length)) as RunResult;
}

function runTorch(args: string[]): RunResult {
  const py = "/usr/bin/python3";
  if (!fs.existsSync(py)) return { ok: false, error: "/usr/bin/python3 not found (bash scripts/setup.sh --bench installs python3-torch)" };
  const r = spawnSync(py, [path.join(__dirname, "..", "..", "bench", "torch_ref.py"), ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = (r.stdout || "").trim().split("\n").pop() || "";
  try {
    const j = JSON.parse(line) as RunResult;
    if (!j.ok && /not importable/.test(String(j.error))) j.error += " (install with: bash scripts/setup.sh --bench)";
    return j;
  } catch {
    return { ok: false, error: `torch_ref.py failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}` };
  }
}

function fmt(x: number | undefined, d = 1): string {
  return x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d);
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const steps = arg("steps", quick ? 3 : 8);
  const warmup = arg("warmup", quick ? 1 : 2);
  const repeat = arg("repeat", quick ? 1 : 3);
  const threads = arg("threads", 2);
  const encodeN = arg("encode", quick ? 10000 : 100000);
  const manifold = arg("manifold", 20);
  const oi = process.argv.indexOf("--out");
  const outFile = oi >= 0 ? process.argv[oi + 1] : path.join(__dirname, "..", "..", "bench", "results", "latest.json");
  const size = 48, batch = 128, n = 2048;

  // one data set for everybody: cards (lecture variant cards1), written raw for PyTorch
  const { cards } = await import("../src/data");
  const ds = cards.lecture("cards1", { n, seed: 0, size });
  const dataFile = path.join(os.tmpdir(), `ivae-bench-cards-${process.pid}.f32`);
  fs.writeFileSync(dataFile, Buffer.from(ds.images.data.buffer, ds.images.data.byteOffset, ds.images.data.byteLength));
  const base = { steps, warmup, threads, dataFile, n, size, batch, encodeN: 0, manifold: 0, profile: false, poseEncoder: "mlp" as const };
  const torchArgs = (model: ModelKind, extra: string[] = []) => [
    "--model", model, "--data", dataFile, "--size", String(size), "--batch", String(batch), "--steps", String(steps),
    "--warmup", String(warmup), "--threads", String(threads), ...extra,
  ];
  const log = (s: string) => console.log(s);
  log(`ivae bench: cards 48x48, batch ${batch}, ${steps} timed steps after ${warmup} warm-up, ${threads} threads, ${repeat} alternating repeats; ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);

  const runs: Record<string, RunResult[]> = {};
  const add = (key: string, r: RunResult) => {
    (runs[key] ??= []).push(r);
    log(`  ${key.padEnd(22)} ${r.ok ? `${fmt(r.imagesPerSecond)} img/s  ${fmt(r.gflops)} GFLOP/s` : `FAILED: ${r.error}`}`);
  };
  // the headline pair alternates; the first repeat also collects profiles, encode and manifold timings
  for (let rep = 0; rep < repeat; rep++) {
    const first = rep === 0;
    add("torch rvae", runTorch(torchArgs("rvae", first ? ["--profile", "--encode-n", String(encodeN), "--manifold", String(manifold), "--peak"] : [])));
    add("ivae-native rvae", runWorker({ ...base, label: "ivae-native rvae", backend: "wasm", native: true, model: "rvae", profile: first, encodeN: first ? encodeN : 0, manifold: first ? manifold : 0 }));
  }
  // the library's default rVAE (rotation-equivariant pose encoder); GFLOP/s counts the MLP architecture only
  add("ivae-native rvae-equiv", runWorker({ ...base, label: "ivae-native rvae-equiv", backend: "wasm", native: true, model: "rvae", poseEncoder: "equivariant" }));
  add("ivae-wasm rvae", runWorker({ ...base, label: "ivae-wasm rvae", backend: "wasm", native: false, model: "rvae", profile: true, manifold }));
  add("ivae-cpu rvae", runWorker({ ...base, label: "ivae-cpu rvae", backend: "cpu", native: false, model: "rvae", steps: Math.min(steps, 2), warmup: 1 }));
  add("torch vae", runTorch(torchArgs("vae")));
  add("ivae-wasm vae", runWorker({ ...base, label: "ivae-wasm vae", backend: "wasm", native: false, model: "vae" }));
  add("ivae-cpu vae", runWorker({ ...base, label: "ivae-cpu vae", backend: "cpu", native: false, model: "vae", steps: Math.min(steps, 3), warmup: 1 }));
  fs.rmSync(dataFile, { force: true });

  // machine peak: the larger of PyTorch's 2048^2 matmul and the native micro-kernel, both on `threads`
  const native = await import("../src/native");
  const peakNative = native.nativePeakGflops(threads, 500) ?? undefined;
  const peakTorch = runs["torch rvae"]?.[0]?.peakMatmulGflops as number | undefined;
  const peak = Math.max(peakNative ?? 0, peakTorch ?? 0) || undefined;

  const summary: Record<string, { imagesPerSecond?: number; gflops?: number; fractionOfPeak?: number; runs: number; ok: boolean; error?: string }> = {};
  for (const [key, rs] of Object.entries(runs)) {
    const ok = rs.filter((r) => r.ok);
    const ips = ok.length ? median(ok.map((r) => r.imagesPerSecond!)) : undefined;
    const gf = ok.length ? median(ok.map((r) => r.gflops!)) : undefined;
    summary[key] = { imagesPerSecond: ips, gflops: gf, fractionOfPeak: gf && peak ? gf / peak : undefined, runs: ok.length, ok: ok.length > 0, error: ok.length ? undefined : rs[0]?.error };
  }
  const ratio = (a: string, b: string) => (summary[a]?.imagesPerSecond && summary[b]?.imagesPerSecond ? summary[a].imagesPerSecond! / summary[b].imagesPerSecond! : undefined);
  const ratios = {
    "ivae-native rvae / torch rvae": ratio("ivae-native rvae", "torch rvae"),
    "ivae-wasm rvae / torch rvae": ratio("ivae-wasm rvae", "torch rvae"),
    "ivae-cpu rvae / torch rvae": ratio("ivae-cpu rvae", "torch rvae"),
    "ivae-wasm vae / torch vae": ratio("ivae-wasm vae", "torch vae"),
    "ivae-cpu vae / torch vae": ratio("ivae-cpu vae", "torch vae"),
  };

  log("");
  log(`${"configuration".padEnd(22)} ${"img/s".padStart(9)} ${"GFLOP/s".padStart(9)} ${"% peak".padStart(7)}  runs`);
  for (const [key, s] of Object.entries(summary)) {
    log(`${key.padEnd(22)} ${fmt(s.imagesPerSecond).padStart(9)} ${fmt(s.gflops).padStart(9)} ${fmt(s.fractionOfPeak === undefined ? undefined : 100 * s.fractionOfPeak).padStart(7)}  ${s.runs}${s.ok ? "" : `  (${s.error})`}`);
  }
  log(`peak fp32 matmul, ${threads} threads: native micro-kernel ${fmt(peakNative)} GFLOP/s, PyTorch mm 2048 ${fmt(peakTorch)} GFLOP/s`);
  for (const [k, v] of Object.entries(ratios)) log(`ratio ${k}: ${fmt(v, 2)}x`);
  const t0 = runs["torch rvae"]?.[0], n0 = runs["ivae-native rvae"]?.[0], w0 = runs["ivae-wasm rvae"]?.[0];
  log(`encode ${encodeN} patches: ivae-native(wasm encoder) ${fmt(n0?.encodeSeconds, 2)} s, torch ${fmt(t0?.encodeSeconds as number, 2)} s`);
  log(`decode ${manifold}x${manifold} manifold: ivae-native ${fmt(n0?.manifoldSeconds as number, 3)} s, ivae-wasm ${fmt(w0?.manifoldSeconds as number, 3)} s, torch ${fmt(t0?.manifoldSeconds as number, 3)} s`);
  const showProfile = (name: string, r?: RunResult) => {
    if (!r?.profile) return;
    log(`per-op profile, one ${name} step (ms, calls):`);
    for (const p of r.profile.slice(0, 10)) log(`  ${p.op.padEnd(40)} ${p.ms.toFixed(1).padStart(9)} ${String(p.calls).padStart(5)}`);
  };
  showProfile("ivae-native rvae", n0);
  showProfile("ivae-wasm rvae", w0);
  showProfile("torch rvae", t0);
  if (t0 && !t0.ok) log(`PyTorch reference unavailable: ${t0.error}`);
  else if (t0) log(`PyTorch ${String(t0.torch)} (Debian python3-torch), ${String(t0.threads)} threads, BLAS ${String(t0.blas)}, ATen CPU capability ${String(t0.cpuCapability ?? "?")}`);
  if (n0?.native) log(`ivae native addon: ${JSON.stringify(n0.native)}; tfjs: ${String(n0.backend)}`);

  const result = {
    date: new Date().toISOString(), machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg: os.loadavg(), node: process.version },
    setup: { size, batch, steps, warmup, repeat, threads, encodeN, manifold, data: "cards.lecture('cards1', {n: 2048, seed: 0})" },
    peakGflops: { native: peakNative, torch: peakTorch, used: peak }, summary, ratios, runs,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
  log(`wrote ${outFile}`);
}

if (process.argv[2] === "--worker") {
  worker(JSON.parse(process.argv[3]) as WorkerConfig)
    .then((r) => console.log(MARK + JSON.stringify(r)))
    .catch((e: Error) => console.log(MARK + JSON.stringify({ ok: false, error: e.stack ?? String(e) })));
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
