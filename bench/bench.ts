/**
 * `npm run bench`: ivae against a PyTorch reference of the same architecture and loss (bench/torch_ref.py,
 * Debian's python3-torch on Debian's OpenBLAS: `bash scripts/setup.sh --bench`), in one run, with the
 * machine's limit (best sgemm on these cores) measured in the same run. See bench/README.md.
 *
 * Every configuration runs in its own child process (bench/worker.ts). Threads are pinned alike on both
 * sides (`--threads`, default 2): ivae's native kernels, torch's intra-op pool, OpenBLAS and OpenMP; the
 * JSON records what each side really used and which BLAS torch/numpy loaded.
 *
 * Timing (bench/README.md, "How a throughput is timed"): every repeat of a configuration times one block of
 * consecutive training steps, at least `--steps` steps and at least `--min-seconds` seconds, on both sides alike;
 * img/s = batch x steps / block seconds. The configurations of the issue's bars (default and MLP rVAE, plain VAE,
 * and their references) alternate ivae and torch `--repeat` times; the JSON keeps every repeat, the summary and
 * ratios use the median of the repeats and give their spread.
 *
 *   node dist/bench/bench.js [--quick] [--threads 2] [--steps 8] [--min-seconds 2] [--warmup 2] [--repeat 3]
 *     [--variants rvae,rvae-mlp,skip,shift,vae] [--widths 64,128,256] [--subsample 256 (0: full pixels only)]
 *     [--encode 100000] [--manifold 20] [--peak-budget 1.5] [--no-torch]
 *     [--time-to-result] [--ttr-only] [--ttr-n 4000] [--ttr-budget 600] [--out bench/results/latest.json]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import type { BenchVariant } from "./flops";
import { fmt, printRatios, printSummary, ratios as ratioMaker, summarize } from "./summary";
import { MARK, RunResult, WorkerConfig } from "./worker";

const argv = process.argv.slice(2);
const has = (name: string) => argv.includes(`--${name}`);
function arg(name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
}
function list(name: string, def: string): string[] {
  const i = argv.indexOf(`--${name}`);
  return (i >= 0 ? argv[i + 1] : def).split(",").filter(Boolean);
}
/** Runs bench/worker in a child: the built .js, or the .ts through tsx when run as `npx tsx bench/bench.ts`. */
function child(args: string[]): RunResult {
  const ts = __filename.endsWith(".ts");
  const file = path.join(__dirname, ts ? "worker.ts" : "worker.js");
  const r = spawnSync(process.execPath, [...(ts ? ["--import", "tsx"] : []), file, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const line = (r.stdout || "").split("\n").find((l) => l.startsWith(MARK));
  if (!line)
    return {
      ok: false,
      error: `worker failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}`,
    };
  return JSON.parse(line.slice(MARK.length)) as RunResult;
}

const torchScript = [
  path.join(__dirname, "torch_ref.py"),
  path.join(__dirname, "..", "..", "bench", "torch_ref.py"),
].find((f) => fs.existsSync(f))!;
/** OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on some machines for old OpenBLAS builds and slow a current
 * one (/work/.library/env notes): the reference runs without both, and the JSON says what was removed. */
const removedEnv: Record<string, string> = {};
function runTorch(args: string[], threads: number): RunResult {
  const py = "/usr/bin/python3";
  if (!fs.existsSync(py))
    return { ok: false, error: "/usr/bin/python3 not found (bash scripts/setup.sh --bench installs python3-torch)" };
  const env = { ...process.env };
  for (const k of ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"])
    if (env[k] !== undefined) {
      removedEnv[k] = env[k]!;
      delete env[k];
    }
  for (const k of ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]) env[k] = String(threads);
  const r = spawnSync(py, [torchScript, ...args], { encoding: "utf8", maxBuffer: 1 << 28, env });
  const line = (r.stdout || "").trim().split("\n").pop() || "";
  try {
    const j = JSON.parse(line) as RunResult;
    if (!j.ok && /not importable/.test(String(j.error))) j.error += " (install with: bash scripts/setup.sh --bench)";
    return j;
  } catch {
    return {
      ok: false,
      error: `torch_ref.py failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}`,
    };
  }
}

async function main(): Promise<void> {
  if (has("help")) {
    console.log(
      fs.readFileSync(__filename.replace(/dist[\\/]bench[\\/]bench\.js$/, "bench/bench.ts"), "utf8").split("*/")[0],
    );
    return;
  }
  const quick = has("quick");
  const threads = arg("threads", 2);
  const steps = arg("steps", quick ? 2 : 8);
  const minSeconds = arg("min-seconds", quick ? 0.2 : 2);
  const warmup = arg("warmup", 1 + (quick ? 0 : 1));
  const repeat = arg("repeat", quick ? 1 : 3);
  const encodeN = arg("encode", quick ? 5000 : 100000);
  const manifold = arg("manifold", 20);
  const subsample = arg("subsample", 256);
  const peakBudget = arg("peak-budget", quick ? 0.2 : 1.5);
  const variants = list("variants", quick ? "rvae,rvae-mlp,vae" : "rvae,rvae-mlp,skip,shift,vae") as BenchVariant[];
  const widths = list("widths", quick ? "64" : "64,128,256").map(Number);
  const noTorch = has("no-torch");
  const oi = argv.indexOf("--out");
  const outFile =
    oi >= 0
      ? argv[oi + 1]
      : path.join(__dirname, quick ? "results/quick.json" : "results/latest.json").replace(/dist[\\/]bench/, "bench");
  const size = 48,
    batch = quick ? 32 : 128;
  const n = batch * (warmup + steps + 2) * (quick ? 1 : 2);
  const log = (s: string) => console.log(s);
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg: os.loadavg(), node: process.version },
    setup: {
      size,
      batch,
      steps,
      minSeconds,
      warmup,
      repeat,
      threads,
      encodeN,
      manifold,
      subsample,
      variants,
      widths,
      quick,
      data: `cards.lecture('cards1', {n: ${n}, seed: 0})`,
    },
  };

  if (!has("ttr-only")) {
    const { cards } = await import("../src/data");
    const ds = cards.lecture("cards1", { n, seed: 0, size });
    const dataFile = path.join(os.tmpdir(), `ivae-bench-cards-${process.pid}.f32`);
    fs.writeFileSync(
      dataFile,
      Buffer.from(ds.images.data.buffer, ds.images.data.byteOffset, ds.images.data.byteLength),
    );
    log(
      `ivae bench: cards 48x48, batch ${batch}, each repeat a block of >= ${steps} steps and >= ${minSeconds} s ` +
        `after ${warmup} warm-up, ${threads} threads on both sides, ${repeat} alternating repeats of the headline ` +
        `pairs (median reported); ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, ` +
        `load ` +
        `${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(" ")}`,
    );
    const runs: Record<string, RunResult[]> = {};
    const add = (key: string, r: RunResult) => {
      (runs[key] ??= []).push({ ...r, label: key });
      const what = r.ok
        ? `${fmt(r.imagesPerSecond)} img/s  ${fmt(r.gflops)} GFLOP/s  (${r.timedSteps ?? r.steps} steps in ` +
          `${fmt(r.timedSeconds, 2)} s)`
        : `FAILED: ${String(r.error).split("\n")[0]}`;
      log(`  ${key.padEnd(34)} ${what}`);
    };
    const pxName = (m: number) => (m > 0 ? `${m}px` : "full");
    const ivaeKey = (v: BenchVariant, w: number, m: number, backend = "native") =>
      `ivae-${backend} ${v} [${w},${w}] ${pxName(m)}`;
    const torchVariant = (v: BenchVariant) => (v === "rvae-mlp" ? "rvae" : v);
    const torchKey = (v: BenchVariant, w: number, m: number) => `torch ${torchVariant(v)} [${w},${w}] ${pxName(m)}`;
    const base = {
      steps,
      minSeconds,
      warmup,
      threads,
      dataFile,
      n,
      size,
      batch,
      encodeN: 0,
      manifold: 0,
      profile: false,
      backend: "wasm" as const,
      native: true,
    };
    const ivae = (v: BenchVariant, w: number, m: number, extra: Partial<WorkerConfig> = {}) => {
      const cfg: WorkerConfig = { ...base, label: "", variant: v, decoderHidden: [w, w], subsample: m, ...extra };
      add(ivaeKey(v, w, m, cfg.native ? "native" : cfg.backend), child([JSON.stringify(cfg)]));
    };
    const torchArgs = (v: BenchVariant, w: number, m: number, extra: string[] = []) => [
      "--variant",
      torchVariant(v),
      "--data",
      dataFile,
      "--size",
      String(size),
      "--batch",
      String(batch),
      "--steps",
      String(steps),
      "--warmup",
      String(warmup),
      "--min-seconds",
      String(minSeconds),
      "--threads",
      String(threads),
      "--dec",
      `${w},${w}`,
      "--subsample",
      String(m),
      ...extra,
    ];
    const torch = (v: BenchVariant, w: number, m: number, extra: string[] = []) => {
      if (!noTorch) add(torchKey(v, w, m), runTorch(torchArgs(v, w, m, extra), threads));
    };
    // the headline configurations alternate so that background load hits both sides alike; the first
    // repeat also collects the sgemm peak, profiles, encode and manifold timings
    const w0 = widths.includes(64) ? 64 : widths[0];
    for (let rep = 0; rep < repeat; rep++) {
      const first = rep === 0;
      const more = first ? { profile: true, encodeN, manifold } : {};
      torch(
        "rvae",
        w0,
        0,
        first
          ? [
              "--profile",
              "--encode-n",
              String(encodeN),
              "--manifold",
              String(manifold),
              "--peak",
              "--peak-widths",
              widths.join(","),
              "--peak-budget",
              String(peakBudget),
            ]
          : [],
      );
      if (variants.includes("rvae")) ivae("rvae", w0, 0, more);
      if (variants.includes("rvae-mlp")) ivae("rvae-mlp", w0, 0, more);
      // the plain VAE's bar (>= 1x the reference) alternates too: its ~10 ms steps are the most sensitive to load
      if (variants.includes("vae")) {
        const vaeMore = first ? { encodeN, manifold, profile: true } : {};
        torch("vae", w0, 0, first ? ["--encode-n", String(encodeN), "--manifold", String(manifold)] : []);
        ivae("vae", w0, 0, vaeMore);
      }
    }
    // the rest of the matrix: every variant x decoder width x (all pixels, pixelSubsample), once each
    const pixelModes = subsample > 0 ? [0, subsample] : [0];
    const done = new Set(Object.keys(runs));
    for (const v of variants) {
      for (const w of widths) {
        for (const m of pixelModes) {
          // the plain VAE as users get it: its large dense layers on the addon's threaded matmul (src/native/dense.ts)
          const extra = v === "vae" && w === w0 && m === 0 ? { encodeN, manifold, profile: true } : {};
          if (!done.has(ivaeKey(v, w, m))) ivae(v, w, m, extra);
          if (!done.has(torchKey(v, w, m)) && !runs[torchKey(v, w, m)])
            torch(
              v,
              w,
              m,
              v === "vae" && w === w0 && m === 0 ? ["--encode-n", String(encodeN), "--manifold", String(manifold)] : [],
            );
        }
      }
    }
    // the pure-tfjs fallback (no addon): what an install without a compiler runs
    ivae("rvae-mlp", w0, 0, { native: false, profile: true, steps: Math.min(steps, 3), warmup: 1 });
    if (variants.includes("vae")) ivae("vae", w0, 0, { native: false });
    fs.rmSync(dataFile, { force: true });

    // the machine's limit, same run: best sgemm (OpenBLAS via torch/numpy) and ivae's own native kernels
    const { nativeGemm } = await import("./peak");
    const gemmNative = nativeGemm(threads, batch * size * size, widths, peakBudget * 1000);
    const torchHead = runs[torchKey("rvae", w0, 0)]?.[0];
    type Gemm = { op: string; shape: string; gflops: number };
    const sgemm = (torchHead?.sgemm as { results: Gemm[] } | undefined)?.results ?? [];
    const all = [...sgemm, ...gemmNative];
    const best = all.length ? all.reduce((a, b) => (b.gflops > a.gflops ? b : a)) : undefined;
    result.machineLimit = { best, sgemm, native: gemmNative, note: "% of peak below is against `best`" };

    const summary = summarize(runs, best?.gflops);
    const { ratio, spread: ratioSpread } = ratioMaker(summary);
    const headRvae = `default rvae (equivariant) / torch rvae (mlp), [${w0},${w0}] full`;
    const headVae = `vae / torch vae, [${w0},${w0}] full`;
    const headEq = `default rvae step time / mlp rvae step time, [${w0},${w0}] full`;
    const ratios: Record<string, number | undefined> = {
      [headRvae]: ratio(ivaeKey("rvae", w0, 0), torchKey("rvae", w0, 0), headRvae),
      [headVae]: ratio(ivaeKey("vae", w0, 0), torchKey("vae", w0, 0), headVae),
      [headEq]: ratio(ivaeKey("rvae-mlp", w0, 0), ivaeKey("rvae", w0, 0), headEq),
      [`rvae-mlp [${w0},${w0}] full training GFLOP/s / best sgemm`]:
        summary[ivaeKey("rvae-mlp", w0, 0)]?.fractionOfPeak,
    };
    for (const key of Object.keys(summary)) {
      const m = /^ivae-(native|wasm) (\S+) (\[\d+,\d+\]) (\S+)$/.exec(key);
      if (m)
        ratios[`${key} / torch`] = ratio(
          key,
          `torch ${torchVariant(m[2] as BenchVariant)} ${m[3]} ${m[4]}`,
          `${key} / torch`,
        );
    }
    const threadsUsed = {
      torch: torchHead?.threadCheck,
      ivaeNative: runs[ivaeKey("rvae", w0, 0)]?.[0]?.threads,
      removedEnvForTorch: removedEnv,
    };
    const timingRule =
      `each repeat: one block of consecutive training steps, >= ${steps} steps and >= ${minSeconds} s, ` +
      `img/s = batch x steps / seconds (ivae through train(), torch in torch_ref.py); ${repeat} repeats of the ` +
      `headline pairs alternating ivae and torch, the rest once; summary and ratios: median of the repeats`;
    Object.assign(result, {
      blas: torchHead?.blas,
      threads: threadsUsed,
      timingRule,
      summary,
      ratios,
      ratioSpread,
      runs,
    });

    log("");
    log(`timing: ${timingRule}`);
    printSummary(log, summary);
    log(`machine limit (${threads} threads), GFLOP/s:`);
    for (const g of all) log(`  ${g.op.padEnd(44)} ${g.shape.padEnd(26)} ${fmt(g.gflops).padStart(8)}`);
    log(`  best: ${best ? `${best.op} ${best.shape} ${fmt(best.gflops)}` : "-"}`);
    printRatios(log, ratios, ratioSpread);
    const tr = torchHead,
      nd = runs[ivaeKey("rvae", w0, 0)]?.[0],
      nm = runs[ivaeKey("rvae-mlp", w0, 0)]?.[0];
    const tv = runs[torchKey("vae", w0, 0)]?.[0],
      iv = runs[ivaeKey("vae", w0, 0)]?.[0];
    log(
      `encode ${encodeN} patches (s): ivae default rvae ${fmt(nd?.encodeSeconds, 2)}, ivae mlp rvae ` +
        `${fmt(nm?.encodeSeconds, 2)}, torch rvae ${fmt(tr?.encodeSeconds, 2)}, ivae vae ` +
        `${fmt(iv?.encodeSeconds, 2)}, torch vae ${fmt(tv?.encodeSeconds, 2)}`,
    );
    log(
      `decode ${manifold}x${manifold} manifold (s): ivae rvae ${fmt(nd?.manifoldSeconds, 3)}, torch rvae ` +
        `${fmt(tr?.manifoldSeconds, 3)}, ivae vae ${fmt(iv?.manifoldSeconds, 3)}, torch vae ` +
        `${fmt(tv?.manifoldSeconds, 3)}`,
    );
    for (const r of [nd, nm, iv, runs[ivaeKey("rvae-mlp", w0, 0, "wasm")]?.[0], tr]) {
      if (!r?.profile) continue;
      log(`per-op profile, one ${r.label} step (ms, calls):`);
      for (const p of r.profile.slice(0, 8))
        log(`  ${p.op.padEnd(40)} ${p.ms.toFixed(1).padStart(9)} ${String(p.calls).padStart(5)}`);
    }
    if (tr && !tr.ok) log(`PyTorch reference unavailable: ${tr.error}`);
    else if (tr) {
      const tc = (tr.threadCheck ?? {}) as { torchIntraOp?: number; ok?: boolean; reference?: boolean };
      const removed = Object.keys(removedEnv).length ? `, ran without ${Object.keys(removedEnv).join(" and ")}` : "";
      log(
        `PyTorch ${String(tr.torch)}: BLAS ${String(tr.blas)}, intra-op threads ${tc.torchIntraOp}, ` +
          `all pools pinned to ${threads}: ${tc.ok}, ATen ${String(tr.cpuCapability ?? "?")}${removed}`,
      );
      if (tc.reference) log("WARNING: torch runs on an unoptimised BLAS, not a fair baseline (setup.sh --bench)");
    }
    if (nd?.native) log(`ivae native addon: ${JSON.stringify(nd.native)}; tfjs: ${String(nd.backend)}`);
  }

  if (has("time-to-result") || has("ttr-only")) {
    const { timeToResult } = await import("./time-to-result");
    result.timeToResult = await timeToResult(
      {
        n: arg("ttr-n", quick ? 256 : 4000),
        seed: 1,
        size: 48,
        threads,
        budgetSeconds: arg("ttr-budget", quick ? 10 : 600),
        rho: 0.95,
        accuracy: 0.95,
      },
      { ivae: (cfg) => child(["--ttr", JSON.stringify(cfg)]), torch: (args) => runTorch(args, threads) },
      log,
    );
  }
  // the load at the end too: other jobs on the machine disturb the reference's 2-thread OpenBLAS most
  (result.machine as Record<string, unknown>).loadavgEnd = os.loadavg();
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
  log(`wrote ${outFile}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
