/**
 * `npm run lecture [-- options] [notebooks...]`: executes the lecture's notebooks top to bottom in
 * Node (tslab's converter and executor, no Python or Jupyter), one process per notebook, and writes
 * the executed notebooks, their figures, a log per notebook and a summary to the output folder.
 *
 *   --fast          fewer epochs and smaller data sets (sets IVAE_FAST=1, read by the notebooks'
 *                   hyper-parameter cells); what the tests run
 *   --out DIR       output folder (default out/lecture)
 *   --jobs N        notebooks run at once (default: the cores, at most 4); each gets cores / N native threads
 *   --quiet         no live cell/progress echo
 *   --bail          start no further notebook after the first failing one
 *   --timeout S     per-notebook limit in seconds (default 3600)
 *   notebooks       files or name prefixes ("01", "03-rvae"); default notebooks/*.ipynb
 *
 * With --jobs above 1 every line a notebook prints is prefixed with its number ("[03] ..."); the longest
 * notebooks start first (times from the last summary.json in the output folder, else FULL_SECONDS).
 * Exit status: 0 when every notebook ran, 1 when a cell failed (its error is printed), 2 on bad usage.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { NotebookResult } from "../src/notebook/runner";
import { lineSplitter, pool, processCpuSeconds, startOrder } from "./lecture-jobs";

const ROOT = path.resolve(__dirname, "..", "..");

interface Args {
  fast: boolean;
  out: string;
  quiet: boolean;
  bail: boolean;
  timeout: number;
  jobs: number;
  names: string[];
}

/** One notebook's result with where it ran in the lecture's wall clock. */
export interface JobResult extends NotebookResult {
  /** seconds from the lecture's start to this notebook's process start, and to its exit */
  startedAt: number;
  endedAt: number;
  /** the process's whole life (Node start, imports and tslab's set-up included), seconds */
  processSeconds: number;
  /** CPU seconds of the process (all its threads, user + system), sampled from /proc each 0.5 s; null elsewhere */
  cpuSeconds: number | null;
  /** every line the notebook's process printed */
  log: string;
}

/**
 * Full-mode seconds per notebook (process time in the 2-job run of notebooks/README.md): only the order in
 * which --jobs starts them (longest first), never a limit. A summary.json of an earlier run in --out takes precedence.
 */
export const FULL_SECONDS: Record<string, number> = {
  "01": 6,
  "02": 36,
  "03": 218,
  "04": 41,
  "05": 19,
  "06": 59,
  "07": 61,
  "08": 39,
  "09": 32,
  "10": 123,
  "11": 171,
};

/** Cores available to this process (Node ≥ 18.14 has availableParallelism). */
export function coreCount(): number {
  return Math.max(1, (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length);
}

/** Default --jobs: one notebook per core, at most 4 (each notebook's tfjs-wasm work runs on one thread). */
export function defaultJobs(cores = coreCount()): number {
  return Math.max(1, Math.min(4, cores));
}

function usage(msg: string): never {
  console.error(`lecture: ${msg}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    fast: process.env.IVAE_FAST === "1",
    out: path.join(ROOT, "out", "lecture"),
    quiet: false,
    bail: false,
    timeout: 3600,
    jobs: defaultJobs(),
    names: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === "--fast") a.fast = true;
    else if (s === "--quiet") a.quiet = true;
    else if (s === "--bail") a.bail = true;
    else if (s === "--out") a.out = path.resolve(argv[++i] ?? "");
    else if (s === "--timeout") a.timeout = Number(argv[++i]);
    else if (s === "--jobs") a.jobs = Number(argv[++i]);
    else if (s === "--help" || s === "-h") {
      console.log(fs.readFileSync(__filename, "utf8").split("*/")[0]);
      process.exit(0);
    } else if (s.startsWith("--")) usage(`unknown option ${s}`);
    else a.names.push(s);
  }
  if (!(a.timeout > 0)) usage("--timeout needs a positive number of seconds");
  if (!Number.isInteger(a.jobs) || a.jobs < 1) usage("--jobs needs a whole number of notebooks at once, 1 or more");
  return a;
}

/** The notebooks to run: all of notebooks/ in order, or those named (path or prefix). */
export function selectNotebooks(names: string[]): string[] {
  const dir = path.join(ROOT, "notebooks");
  const all = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
  if (names.length === 0) return all;
  return names.map((n) => {
    if (fs.existsSync(n) && n.endsWith(".ipynb")) return path.resolve(n);
    const hits = all.filter((f) => path.basename(f).startsWith(n));
    if (hits.length !== 1) usage(`"${n}" matches ${hits.length} notebooks in notebooks/`);
    return hits[0];
  });
}

/** Short label of a notebook for prefixes: its leading number, else its name. */
export function label(nb: string): string {
  const stem = path.basename(nb, ".ipynb");
  return /^\d+/.exec(stem)?.[0] ?? stem;
}

/** Expected seconds: an earlier summary.json in `out` of the same mode, else FULL_SECONDS in full mode. */
function expectedSeconds(notebooks: string[], args: Args): Map<string, number> {
  const m = new Map<string, number>();
  if (!args.fast) for (const n of notebooks) if (FULL_SECONDS[label(n)] !== undefined) m.set(n, FULL_SECONDS[label(n)]);
  try {
    const prev = JSON.parse(fs.readFileSync(path.join(args.out, "summary.json"), "utf8"));
    if (prev.fast === args.fast)
      for (const r of prev.notebooks as NotebookResult[])
        if (r.ok && notebooks.includes(r.notebook))
          m.set(r.notebook, (r as Partial<JobResult>).processSeconds ?? r.seconds);
  } catch {
    // no earlier run here: the built-in estimates
  }
  return m;
}

/** Warn when the built package is older than the sources (notebooks import the build). */
function checkBuild(): void {
  const built = path.join(ROOT, "dist", "src", "index.js");
  if (!fs.existsSync(built)) usage("dist/ missing: run `npm run prepare` (or scripts/setup.sh) first");
  const link = path.join(ROOT, "node_modules", "ivae");
  if (!fs.existsSync(link)) require(path.join(ROOT, "scripts", "link-self.js"));
  const t = fs.statSync(built).mtimeMs;
  const newer: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts") && fs.statSync(p).mtimeMs > t + 1000) newer.push(path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, "src"));
  if (newer.length)
    console.warn(
      `lecture: warning: ${newer.length} source file(s) newer than dist/ (e.g. ${newer[0]}); run \`npm run build\``,
    );
}

function runOne(nb: string, args: Args, t0: number): Promise<JobResult> {
  const stem = path.basename(nb, ".ipynb");
  const resultFile = path.join(args.out, `${stem}.result.json`);
  const logFile = path.join(args.out, `${stem}.log`);
  fs.rmSync(resultFile, { force: true });
  fs.rmSync(path.join(args.out, stem), { recursive: true, force: true });
  const child = path.join(ROOT, "dist", "src", "notebook", "run-child.js");
  const argv = [child, nb, path.join(args.out, `${stem}.ipynb`), path.join(args.out, stem), resultFile];
  if (!args.quiet) argv.push("--echo");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IVAE_FAST: args.fast ? "1" : (process.env.IVAE_FAST ?? "0"),
    IVAE_LECTURE_OUT: args.out,
  };
  // N notebooks at once share the cores: each native kernel pool gets its share (unless set by the user)
  if (args.jobs > 1 && !process.env.IVAE_NATIVE_THREADS)
    env.IVAE_NATIVE_THREADS = String(Math.max(1, Math.floor(coreCount() / args.jobs)));
  const log = fs.createWriteStream(logFile);
  const prefix = args.jobs > 1 ? `[${label(nb)}] ` : "";
  const started = (Date.now() - t0) / 1000;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"], env, cwd: ROOT });
    const out = lineSplitter((l) => {
      log.write(l + "\n");
      console.log(prefix + l);
    });
    const err = lineSplitter((l) => {
      log.write(l + "\n");
      console.error(prefix + l);
    });
    // decoded as UTF-8 by the streams, so a character split between two chunks (█, ✓) stays whole
    p.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
    p.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));
    let cpu: number | null = null;
    const sampler = setInterval(() => (cpu = processCpuSeconds(p.pid ?? -1) ?? cpu), 500);
    const timer = setTimeout(() => {
      console.error(`lecture: ${stem} ran over ${args.timeout} s, stopping it`);
      p.kill("SIGKILL");
    }, args.timeout * 1000);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      out.end();
      err.end();
      log.end();
      const endedAt = (Date.now() - t0) / 1000;
      const timing = { startedAt: started, endedAt, processSeconds: endedAt - started, cpuSeconds: cpu, log: logFile };
      if (fs.existsSync(resultFile)) {
        const r = JSON.parse(fs.readFileSync(resultFile, "utf8")) as NotebookResult;
        return resolve({ ...r, ...timing });
      }
      resolve({
        notebook: nb,
        ok: false,
        codeCells: 0,
        executedCells: 0,
        seconds: endedAt - started,
        cellSeconds: [],
        figures: [],
        metrics: {},
        failure: {
          cell: -1,
          source: "",
          error: `the notebook process ended with ${signal ?? `exit code ${code}`} before writing its result`,
        },
        ...timing,
      });
    });
  });
}

function fmtMetric(v: unknown): string {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v);
}

function reportFailure(r: JobResult): void {
  const f = r.failure!;
  const src = f.source
    ? `:\n${f.source
        .split("\n")
        .map((l) => `    | ${l}`)
        .join("\n")}`
    : "";
  console.error(`\n✗ ${path.basename(r.notebook)}: cell ${f.cell} failed${src}\n${f.error}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  checkBuild();
  const notebooks = selectNotebooks(args.names);
  if (notebooks.length === 0) usage("no notebooks found");
  fs.mkdirSync(args.out, { recursive: true });
  const jobs = Math.min(args.jobs, notebooks.length);
  const order = jobs > 1 ? startOrder(notebooks, expectedSeconds(notebooks, args)) : notebooks;
  const load0 = os.loadavg();
  console.log(
    `lecture: ${notebooks.length} notebook(s), ${args.fast ? "fast mode (IVAE_FAST=1)" : "full mode"}, ` +
      `${jobs} at once on ${coreCount()} cores (load ${load0[0].toFixed(2)}), output ` +
      `${path.relative(process.cwd(), args.out) || "."}`,
  );
  const t0 = Date.now();
  // the 1-minute load average every 5 s: with the start and end values, how busy the machine was
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 5000);
  const done = await pool(
    order,
    jobs,
    async (nb) => {
      console.log(`▶ ${path.basename(nb)}`);
      const r = await runOne(nb, args, t0);
      if (r.ok) console.log(`✓ ${path.basename(nb)} in ${r.seconds.toFixed(1)} s`);
      else reportFailure(r);
      return r;
    },
    (r) => args.bail && !r.ok,
  );
  clearInterval(loadTimer);
  const seconds = (Date.now() - t0) / 1000;
  const results = notebooks.map((n) => done.find((r) => r.notebook === n)).filter((r): r is JobResult => !!r);
  const load1 = os.loadavg();
  const summary = {
    fast: args.fast,
    jobs,
    cores: coreCount(),
    seconds,
    notebookSeconds: results.reduce((s, r) => s + r.processSeconds, 0),
    cpuSeconds: results.reduce((s, r) => s + (r.cpuSeconds ?? 0), 0),
    load: { start: load0[0], end: load1[0], mean: loads.length ? loads.reduce((a, b) => a + b) / loads.length : null },
    date: new Date(t0).toISOString(),
    ok: results.every((r) => r.ok) && results.length === notebooks.length,
    notebooks: results,
  };
  fs.writeFileSync(path.join(args.out, "summary.json"), JSON.stringify(summary, null, 1));
  printSummary(summary, args.out);
  process.exit(summary.ok ? 0 : 1);
}

function printSummary(
  s: { jobs: number; seconds: number; notebookSeconds: number; cpuSeconds: number; notebooks: JobResult[] },
  out: string,
): void {
  console.log("\nsummary (time: the cells; process: Node start to exit; cpu: the process's CPU seconds)");
  console.log("  notebook                           status  cells    time  process      cpu  figures  metrics");
  const sec = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)}s`);
  for (const r of s.notebooks) {
    const name = path.basename(r.notebook).padEnd(34);
    const figs = r.figures.filter((f) => f.endsWith(".png")).length;
    const metrics = Object.entries(r.metrics)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${fmtMetric(v)}`)
      .join(" ");
    console.log(
      `  ${name} ${(r.ok ? "ok" : "FAIL").padEnd(6)} ${`${r.executedCells}/${r.codeCells}`.padStart(5)} ` +
        `${sec(r.seconds).padStart(7)} ${sec(r.processSeconds).padStart(8)} ${sec(r.cpuSeconds).padStart(8)} ` +
        `${String(figs).padStart(8)}  ${metrics}`,
    );
  }
  console.log(
    `  total ${s.seconds.toFixed(1)} s wall clock, ${s.jobs} at once (processes ${s.notebookSeconds.toFixed(1)} s, ` +
      `cpu ${s.cpuSeconds.toFixed(1)} s in all)`,
  );
  console.log(`  executed notebooks, figures, logs (<notebook>.log) and summary.json in ${out}`);
}

if (require.main === module) main();
