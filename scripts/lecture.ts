/**
 * `npm run lecture [-- options] [notebooks...]`: executes the lecture's notebooks top to bottom in
 * Node (tslab's converter and executor, no Python or Jupyter), one process per notebook, and writes
 * the executed notebooks, their figures and a summary to the output folder.
 *
 *   --fast          fewer epochs and smaller data sets (sets IVAE_FAST=1, read by the notebooks'
 *                   hyper-parameter cells); what the tests run
 *   --out DIR       output folder (default out/lecture)
 *   --quiet         no live cell/progress echo
 *   --bail          stop after the first failing notebook
 *   --timeout S     per-notebook limit in seconds (default 3600)
 *   notebooks       files or name prefixes ("01", "03-rvae"); default notebooks/*.ipynb
 *
 * Exit status: 0 when every notebook ran, 1 when a cell failed (its error is printed), 2 on bad usage.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { NotebookResult } from "../src/notebook/runner";

const ROOT = path.resolve(__dirname, "..", "..");

interface Args {
  fast: boolean;
  out: string;
  quiet: boolean;
  bail: boolean;
  timeout: number;
  names: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    fast: process.env.IVAE_FAST === "1",
    out: path.join(ROOT, "out", "lecture"),
    quiet: false,
    bail: false,
    timeout: 3600,
    names: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === "--fast") a.fast = true;
    else if (s === "--quiet") a.quiet = true;
    else if (s === "--bail") a.bail = true;
    else if (s === "--out") a.out = path.resolve(argv[++i] ?? "");
    else if (s === "--timeout") a.timeout = Number(argv[++i]);
    else if (s === "--help" || s === "-h") {
      console.log(fs.readFileSync(__filename, "utf8").split("*/")[0]);
      process.exit(0);
    } else if (s.startsWith("--")) {
      console.error(`lecture: unknown option ${s}`);
      process.exit(2);
    } else a.names.push(s);
  }
  if (!(a.timeout > 0)) {
    console.error("lecture: --timeout needs a positive number of seconds");
    process.exit(2);
  }
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
    if (hits.length !== 1) {
      console.error(`lecture: "${n}" matches ${hits.length} notebooks in notebooks/`);
      process.exit(2);
    }
    return hits[0];
  });
}

/** Warn when the built package is older than the sources (notebooks import the build). */
function checkBuild(): void {
  const built = path.join(ROOT, "dist", "src", "index.js");
  if (!fs.existsSync(built)) {
    console.error("lecture: dist/ missing: run `npm run prepare` (or scripts/setup.sh) first");
    process.exit(2);
  }
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

function runOne(nb: string, args: Args): Promise<NotebookResult> {
  const stem = path.basename(nb, ".ipynb");
  const resultFile = path.join(args.out, `${stem}.result.json`);
  fs.rmSync(resultFile, { force: true });
  fs.rmSync(path.join(args.out, stem), { recursive: true, force: true });
  const child = path.join(ROOT, "dist", "src", "notebook", "run-child.js");
  const argv = [child, nb, path.join(args.out, `${stem}.ipynb`), path.join(args.out, stem), resultFile];
  if (!args.quiet) argv.push("--echo");
  const env = {
    ...process.env,
    IVAE_FAST: args.fast ? "1" : (process.env.IVAE_FAST ?? "0"),
    IVAE_LECTURE_OUT: args.out,
  };
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, argv, { stdio: ["ignore", "inherit", "inherit"], env, cwd: ROOT });
    const timer = setTimeout(() => {
      console.error(`lecture: ${stem} ran over ${args.timeout} s, stopping it`);
      p.kill("SIGKILL");
    }, args.timeout * 1000);
    p.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (fs.existsSync(resultFile)) return resolve(JSON.parse(fs.readFileSync(resultFile, "utf8")) as NotebookResult);
      resolve({
        notebook: nb,
        ok: false,
        codeCells: 0,
        executedCells: 0,
        seconds: (Date.now() - t0) / 1000,
        cellSeconds: [],
        figures: [],
        metrics: {},
        failure: {
          cell: -1,
          source: "",
          error: `the notebook process ended with ${signal ?? `exit code ${code}`} before writing its result`,
        },
      });
    });
  });
}

function fmtMetric(v: unknown): string {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  checkBuild();
  const notebooks = selectNotebooks(args.names);
  if (notebooks.length === 0) {
    console.error("lecture: no notebooks found");
    process.exit(2);
  }
  fs.mkdirSync(args.out, { recursive: true });
  console.log(
    `lecture: ${notebooks.length} notebook(s), ${args.fast ? "fast mode (IVAE_FAST=1)" : "full mode"}, output ` +
      `${path.relative(process.cwd(), args.out) || "."}`,
  );
  const results: NotebookResult[] = [];
  const t0 = Date.now();
  for (const nb of notebooks) {
    console.log(`\n▶ ${path.basename(nb)}`);
    const r = await runOne(nb, args);
    results.push(r);
    if (!r.ok) {
      const f = r.failure!;
      console.error(
        `\n✗ ${path.basename(nb)}: cell ${f.cell} failed${
          f.source
            ? `:\n${f.source
                .split("\n")
                .map((l) => `    | ${l}`)
                .join("\n")}`
            : ""
        }\n${f.error}\n`,
      );
      if (args.bail) break;
    } else {
      console.log(`✓ ${path.basename(nb)} in ${r.seconds.toFixed(1)} s`);
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const summary = {
    fast: args.fast,
    seconds,
    ok: results.every((r) => r.ok) && results.length === notebooks.length,
    notebooks: results,
  };
  fs.writeFileSync(path.join(args.out, "summary.json"), JSON.stringify(summary, null, 1));
  console.log("\nsummary");
  console.log("  notebook                           status  cells    time  figures  metrics");
  for (const r of results) {
    const name = path.basename(r.notebook).padEnd(34);
    const figs = r.figures.filter((f) => f.endsWith(".png")).length;
    const metrics = Object.entries(r.metrics)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${fmtMetric(v)}`)
      .join(" ");
    console.log(
      `  ${name} ${(r.ok ? "ok" : "FAIL").padEnd(6)} ${`${r.executedCells}/${r.codeCells}`.padStart(5)} ` +
        `${`${r.seconds.toFixed(1)}s`.padStart(7)} ${String(figs).padStart(8)}  ${metrics}`,
    );
  }
  console.log(`  total ${seconds.toFixed(1)} s; executed notebooks, figures and summary.json in ${args.out}`);
  process.exit(summary.ok ? 0 : 1);
}

if (require.main === module) main();
