/**
 * `npm run bench -- --time-to-result`: wall-clock of training until cards3 (48 px) reaches angle |ρ| ≥ 0.95
 * and suit accuracy ≥ 0.95, ivae's default recipe against the PyTorch reference running pyroVED's recipe,
 * both capped at the same training budget, in one run (issue 15).
 *
 * - ivae: `new RVAE({imageShape})` (equivariant pose encoder, decoder [64, 64], s_γ = π/2, s_Δr = 0.1) and
 *   `train()` with the recipe of scripts/results.ts: batch 32, Adam 1e-3, pixelSubsample 256.
 * - PyTorch: pyroVED's iVAE defaults (pyroved/models/ivae.py): MLP encoder [128, 128], decoder [128, 128],
 *   every latent N(0, 1) a priori, so s_γ = 1 rad, shift prior dx_prior = 0.1; Adam 1e-3, batch 100,
 *   all pixels.
 * Scores after every epoch (not counted as training time), both sides with the same ivae functions on the
 * posterior means of all training images: `angleRecovery(...).meanAbsRho` (per suit, symmetry-aware) and
 * `nearestCentroidAccuracy(z, 2, suit)`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RunResult } from "./worker";

export interface TtrConfig {
  n: number;
  seed: number;
  size: number;
  threads: number;
  budgetSeconds: number;
  rho: number;
  accuracy: number;
}

export interface TtrPoint {
  epoch: number;
  trainSeconds: number;
  absRho: number;
  suitAccuracy: number;
}

async function dataSet(cfg: TtrConfig) {
  const { cards } = await import("../src/data");
  return cards.lecture("cards3", { n: cfg.n, seed: cfg.seed, size: cfg.size });
}

/** The two scores of one encoding of the whole data set. */
async function score(z: Float32Array, angle: Float32Array | undefined, ds: Awaited<ReturnType<typeof dataSet>>) {
  const { angleRecovery, nearestCentroidAccuracy } = await import("../src/analysis");
  const suit = ds.factors.suit;
  return {
    absRho: angle ? angleRecovery(angle, ds.factors.angle, { groups: suit, symmetry: ds.symmetry }).meanAbsRho : 0,
    suitAccuracy: nearestCentroidAccuracy(z, 2, suit, { seed: 0 }).accuracy,
  };
}

function reachedAt(curve: TtrPoint[], cfg: TtrConfig): TtrPoint | undefined {
  return curve.find((p) => p.absRho >= cfg.rho && p.suitAccuracy >= cfg.accuracy);
}

/** The ivae side, in a worker process: trains until both thresholds hold or the budget is spent. */
export async function ivaeTimeToResult(cfg: TtrConfig): Promise<RunResult> {
  process.env.IVAE_NATIVE_THREADS = String(cfg.threads);
  const { selectBackend } = await import("../src/backend");
  const { RVAE, coordDecoderName } = await import("../src/models");
  const { train } = await import("../src/training");
  await import("../src/native");
  await selectBackend({ verbose: false });
  const ds = await dataSet(cfg);
  const model = new RVAE({ imageShape: [cfg.size, cfg.size], seed: 0 });
  const curve: TtrPoint[] = [];
  const stop = new AbortController();
  let trainSeconds = 0;
  await train(model, ds.images, {
    epochs: 100000,
    batchSize: 32,
    learningRate: 1e-3,
    pixelSubsample: 256,
    seed: 0,
    progress: false,
    signal: stop.signal,
    onEpoch: async (r) => {
      trainSeconds += r.seconds;
      const enc = model.encode(ds.images);
      curve.push({ epoch: r.epoch, trainSeconds, ...(await score(enc.zMean, enc.angle, ds)) });
      if (reachedAt(curve, cfg) || trainSeconds >= cfg.budgetSeconds) stop.abort();
    },
  });
  return {
    ok: true,
    label: "ivae default rVAE",
    coordDecoder: coordDecoderName(),
    poseEncoder: model.config.poseEncoder,
    curve,
  };
}

/** Scores the PyTorch side's per-epoch encodings (JSON lines written by torch_ref.py --ttr-out). */
async function torchCurve(file: string, cfg: TtrConfig): Promise<TtrPoint[]> {
  const ds = await dataSet(cfg);
  const curve: TtrPoint[] = [];
  if (!fs.existsSync(file)) return curve;
  for (const line of fs.readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    const e = JSON.parse(line) as { epoch: number; trainSeconds: number; z: number[]; angle?: number[] };
    const s = await score(Float32Array.from(e.z), e.angle ? Float32Array.from(e.angle) : undefined, ds);
    curve.push({ epoch: e.epoch, trainSeconds: e.trainSeconds, ...s });
    if (reachedAt(curve, cfg)) break;
  }
  return curve;
}

export interface TtrRunners {
  ivae: (cfg: TtrConfig) => RunResult;
  torch: (args: string[]) => RunResult;
}

/** Runs both sides one after the other and compares; the result goes into the bench JSON. */
export async function timeToResult(cfg: TtrConfig, run: TtrRunners, log: (s: string) => void) {
  const ds = await dataSet(cfg);
  const dataFile = path.join(os.tmpdir(), `ivae-ttr-${process.pid}.f32`);
  const outFile = path.join(os.tmpdir(), `ivae-ttr-${process.pid}.jsonl`);
  fs.writeFileSync(dataFile, Buffer.from(ds.images.data.buffer, ds.images.data.byteOffset, ds.images.data.byteLength));
  log(
    `time to result: cards3 ${cfg.size} px, n ${cfg.n}, until |ρ| ≥ ${cfg.rho} and suit accuracy ≥ ` +
      `${cfg.accuracy}, budget ${cfg.budgetSeconds} s each`,
  );
  const iv = run.ivae(cfg);
  const ivCurve = (iv.curve as TtrPoint[] | undefined) ?? [];
  const tr = run.torch([
    "--variant",
    "rvae",
    "--data",
    dataFile,
    "--size",
    String(cfg.size),
    "--threads",
    String(cfg.threads),
    "--batch",
    "100",
    "--enc",
    "128,128",
    "--dec",
    "128,128",
    "--coord-features",
    "linear", // pyroVED's decoder: tanh layer 0
    "--rotation-prior",
    "1",
    "--translation-prior",
    "0.1",
    "--lr",
    "1e-3",
    "--ttr-out",
    outFile,
    "--budget",
    String(cfg.budgetSeconds),
  ]);
  const trCurve = await torchCurve(outFile, cfg);
  fs.rmSync(dataFile, { force: true });
  fs.rmSync(outFile, { force: true });
  const a = reachedAt(ivCurve, cfg),
    b = reachedAt(trCurve, cfg);
  const bestOf = (c: TtrPoint[]) =>
    c.length
      ? { absRho: Math.max(...c.map((p) => p.absRho)), suitAccuracy: Math.max(...c.map((p) => p.suitAccuracy)) }
      : undefined;
  const res = {
    config: cfg,
    ivae: {
      ok: iv.ok,
      error: iv.error,
      recipe: "RVAE defaults (equivariant), decoder [64,64], batch 32, Adam 1e-3, pixelSubsample 256",
      reachedSeconds: a?.trainSeconds,
      best: bestOf(ivCurve),
      curve: ivCurve,
    },
    torch: {
      ok: tr.ok,
      error: tr.error,
      blas: tr.blas,
      recipe: "pyroVED iVAE: MLP encoder, decoder [128,128], s_γ 1 rad, s_Δr 0.1, batch 100, Adam 1e-3, all pixels",
      reachedSeconds: b?.trainSeconds,
      best: bestOf(trCurve),
      curve: trCurve,
    },
    /** reference time / ivae time (only when both reached the result) */
    speedup: a && b ? b.trainSeconds / a.trainSeconds : undefined,
    /** the reference's budget in units of ivae's time to the result */
    referenceBudgetOverIvae: a ? Math.max(...trCurve.map((p) => p.trainSeconds), 0) / a.trainSeconds : undefined,
  };
  const f = (x?: number, d = 1) => (x === undefined ? "-" : x.toFixed(d));
  const line = (r: TtrPoint | undefined, c: TtrPoint[], best?: { absRho: number; suitAccuracy: number }) =>
    r
      ? `reached in ${f(r.trainSeconds)} s (epoch ${r.epoch})`
      : `not reached in ${f(c.at(-1)?.trainSeconds)} s ` +
        `(best |ρ| ${f(best?.absRho, 3)}, accuracy ${f(best?.suitAccuracy, 3)})`;
  log(`  ivae:    ${line(a, ivCurve, res.ivae.best)}${iv.ok ? "" : ` FAILED: ${iv.error}`}`);
  log(`  PyTorch: ${line(b, trCurve, res.torch.best)}${tr.ok ? "" : ` FAILED: ${tr.error}`}`);
  if (res.speedup !== undefined) log(`  ratio PyTorch time / ivae time: ${f(res.speedup, 2)}x`);
  else if (res.referenceBudgetOverIvae !== undefined)
    log(`  the reference trained ` + `${f(res.referenceBudgetOverIvae, 1)}x ivae's time without reaching it`);
  return res;
}
