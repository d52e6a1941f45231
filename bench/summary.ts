/**
 * The bench's summary of repeated runs (bench.ts): per configuration the median img/s of its repeats with every
 * repeat and their spread, and ratios (median / median) with the ratio of each pair of repeats run side by side.
 * The timing rule itself is in bench/README.md, "How a throughput is timed".
 */
import type { RunResult } from "./worker";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const fmt = (x: unknown, d = 1) => (typeof x !== "number" || !Number.isFinite(x) ? "-" : x.toFixed(d));

/** One configuration's repeats: medians, every repeat's img/s in run order, range and (max − min) / median. */
export interface ConfigSummary {
  imagesPerSecond?: number;
  gflops?: number;
  fractionOfPeak?: number;
  repeats: number[];
  min?: number;
  max?: number;
  spread?: number;
  timedSteps: unknown[];
  timedSeconds: unknown[];
  runs: number;
  ok: boolean;
  error?: unknown;
}

/** The ratio of every pair of repeats run side by side (repeat i of a over repeat i of b) and their range. */
export interface RatioSpread {
  perRepeat: number[];
  min?: number;
  max?: number;
}

export function summarize(runs: Record<string, RunResult[]>, bestGflops?: number): Record<string, ConfigSummary> {
  const summary: Record<string, ConfigSummary> = {};
  for (const [key, rs] of Object.entries(runs)) {
    const ok = rs.filter((r) => r.ok);
    const reps = ok.map((r) => r.imagesPerSecond!);
    const ips = ok.length ? median(reps) : undefined;
    const gf = ok.length ? median(ok.map((r) => r.gflops!)) : undefined;
    summary[key] = {
      imagesPerSecond: ips,
      gflops: gf,
      fractionOfPeak: gf && bestGflops ? gf / bestGflops : undefined,
      repeats: reps,
      min: ok.length ? Math.min(...reps) : undefined,
      max: ok.length ? Math.max(...reps) : undefined,
      spread: ok.length && ips ? (Math.max(...reps) - Math.min(...reps)) / ips : undefined,
      timedSteps: ok.map((r) => r.timedSteps ?? r.steps),
      timedSeconds: ok.map((r) => r.timedSeconds),
      runs: ok.length,
      ok: ok.length > 0,
      error: ok.length ? undefined : rs[0]?.error,
    };
  }
  return summary;
}

/** ratio(a, b, name): median img/s of a over b; with a name, also records the side-by-side repeats' ratios. */
export function ratios(summary: Record<string, ConfigSummary>) {
  const spread: Record<string, RatioSpread> = {};
  const ips = (k: string) => summary[k]?.imagesPerSecond;
  const ratio = (a: string, b: string, name?: string): number | undefined => {
    if (name) {
      const ra = summary[a]?.repeats ?? [],
        rb = summary[b]?.repeats ?? [];
      const per = ra.slice(0, Math.min(ra.length, rb.length)).map((x, i) => x / rb[i]);
      spread[name] = {
        perRepeat: per,
        min: per.length ? Math.min(...per) : undefined,
        max: per.length ? Math.max(...per) : undefined,
      };
    }
    return ips(a) && ips(b) ? ips(a)! / ips(b)! : undefined;
  };
  return { ratio, spread };
}

export function printSummary(log: (s: string) => void, summary: Record<string, ConfigSummary>): void {
  log(
    `${"configuration".padEnd(34)} ${"img/s".padStart(9)} ${"GFLOP/s".padStart(9)} ${"% peak".padStart(7)}  runs` +
      `  repeats min-max (spread)`,
  );
  for (const [key, s] of Object.entries(summary)) {
    const range = s.runs > 1 ? `  ${fmt(s.min, 0)}-${fmt(s.max, 0)} (${fmt(100 * (s.spread ?? NaN), 0)} %)` : "";
    log(
      `${key.padEnd(34)} ${fmt(s.imagesPerSecond).padStart(9)} ${fmt(s.gflops).padStart(9)} ` +
        `${fmt(typeof s.fractionOfPeak === "number" ? 100 * s.fractionOfPeak : undefined).padStart(7)}  ` +
        `${s.runs}${range}${s.ok ? "" : `  (${String(s.error).split("\n")[0]})`}`,
    );
  }
}

export function printRatios(
  log: (s: string) => void,
  values: Record<string, number | undefined>,
  spread: Record<string, RatioSpread>,
): void {
  for (const [k, v] of Object.entries(values)) {
    const sp = spread[k];
    const range =
      sp && sp.perRepeat.length > 1
        ? ` (repeats side by side: ${sp.perRepeat.map((x) => fmt(x, 2)).join(", ")}; ` +
          `range ${fmt(sp.min, 2)}-${fmt(sp.max, 2)})`
        : "";
    log(`ratio ${k}: ${fmt(v, 2)}${range}`);
  }
}
