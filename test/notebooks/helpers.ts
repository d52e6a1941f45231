/** Shared helpers of the notebook tests: run the built lecture runner, read executed notebooks. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Fails early with a clear message when the package is not built (the notebooks import the build). */
export function requireBuild(): void {
  for (const f of ["dist/scripts/lecture.js", "dist/src/notebook/run-child.js", "dist/src/index.js"]) {
    if (!fs.existsSync(path.join(ROOT, f)))
      throw new Error(`${f} missing: run \`npm run prepare\` (tsc build + node_modules/ivae link) first`);
  }
  if (!fs.existsSync(path.join(ROOT, "node_modules", "ivae")))
    throw new Error("node_modules/ivae missing: run `npm run prepare`");
}

/** Run `node dist/scripts/lecture.js ...args` (fast mode); returns status and output. */
export function runLecture(args: string[], timeoutS = 600): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "dist/scripts/lecture.js"), "--fast", "--quiet", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: timeoutS * 1000,
    env: { ...process.env, IVAE_FAST: "1" },
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}
export interface Nb {
  cells: Cell[];
  metadata: Record<string, unknown>;
}

export function readNb(file: string): Nb {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Nb;
}

export function codeCells(nb: Nb): Cell[] {
  return nb.cells.filter((c) => c.cell_type === "code");
}

export function text(o: Output): string {
  return Array.isArray(o.text) ? o.text.join("") : (o.text ?? "");
}

/** All stream text of a cell by stream name. */
export function streams(cell: Cell, name: "stdout" | "stderr"): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map(text)
    .join("");
}
