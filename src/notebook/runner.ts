/**
 * Headless execution of tslab notebooks in Node, without Python, Jupyter or ZeroMQ: the cells go
 * through tslab's own converter (TypeScript type-check + transpile) and executor (the kernel's code
 * path), rich display data is captured through `tslab/dist/jupyter`'s `lastWriteDisplayData` hook.
 * The executed notebook is written as .ipynb; figures shown with `show`/`showImage` are also written
 * as files (.svg/.png/.vl.json, .png), metrics shown with `showMetrics` are collected.
 *
 * One notebook per process (the executor runs cells in this process's global context, changes the
 * working directory and patches stdout/stderr): see `run-child.ts` and `scripts/lecture.ts`.
 */
import * as fs from "fs";
import * as path from "path";
import { format } from "util";
import { METRICS_MIME } from "../plots/notebook";
import { setFigureSink } from "../plots/notebook";
import { notebookWidgetState } from "../jupyter/export-notebook";

/** A Jupyter output (nbformat 4). */
export type NbOutput = Record<string, unknown> & { output_type: string };

/** A notebook cell (nbformat 4). */
export interface NbCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NbOutput[];
  execution_count?: number | null;
  id?: string;
}

/** A notebook (nbformat 4). */
export interface Notebook {
  cells: NbCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Options of {@link runNotebook}. */
export interface RunNotebookOptions {
  /** The .ipynb to run. */
  input: string;
  /** Where to write the executed notebook (default: none). */
  output?: string;
  /** Folder for the figures (default: none). Files are named `<NN>-<name>.<ext>`. */
  figuresDir?: string;
  /** Stop a cell after this many seconds (default 1800). */
  cellTimeoutSeconds?: number;
  /** Print each cell's start and output live to this stream (e.g. the terminal). */
  echo?: NodeJS.WritableStream;
}

/** What happened to one notebook. */
export interface NotebookResult {
  notebook: string;
  ok: boolean;
  codeCells: number;
  executedCells: number;
  seconds: number;
  cellSeconds: number[];
  /** Present when a cell failed: its index among all cells, its source and the error text. */
  failure?: { cell: number; source: string; error: string };
  figures: string[];
  metrics: Record<string, unknown>;
  output?: string;
}

/** Join a cell's source. */
export function cellSource(cell: NbCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Source text as nbformat likes it: lines keeping their newline. */
function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "figure"
  );
}

/** Read and check a notebook file. */
export function readNotebook(file: string): Notebook {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
  if (!Array.isArray(nb.cells) || nb.nbformat !== 4) throw new Error(`${file}: not an nbformat-4 notebook`);
  return nb;
}

/** Run one notebook top to bottom; stops at the first failing cell. */
export async function runNotebook(opts: RunNotebookOptions): Promise<NotebookResult> {
  const input = path.resolve(opts.input);
  const nb = readNotebook(input);
  // Bound now, before stdout/stderr are patched per cell (echo may be process.stdout itself).
  const echo = opts.echo ? { write: opts.echo.write.bind(opts.echo) as (s: string) => boolean } : undefined;
  const result: NotebookResult = {
    notebook: input,
    ok: true,
    codeCells: nb.cells.filter((c) => c.cell_type === "code").length,
    executedCells: 0,
    seconds: 0,
    cellSeconds: [],
    figures: [],
    metrics: {},
  };
  const t0 = Date.now();
  const cwd = process.cwd();
  process.chdir(path.dirname(input)); // as the kernel: relative paths and tslab's rootDir = the notebook folder
  // tslab's modules, resolved from the notebook's folder first (the kernel does the same), else ours.
  let tslabDir: string;
  try {
    tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [path.dirname(input)] }));
  } catch {
    tslabDir = path.dirname(require.resolve("tslab/package.json"));
  }
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { createConverter } = require(path.join(tslabDir, "dist/converter"));
  const { createExecutor } = require(path.join(tslabDir, "dist/executor"));
  const jupyter = require(path.join(tslabDir, "dist/jupyter"));
  /* eslint-enable @typescript-eslint/no-var-requires */
  let nodeConv: { close(): void } | undefined;
  let browserConv: { close(): void } | undefined;
  const convs = {
    get node() {
      return (nodeConv ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browserConv ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      nodeConv?.close();
      browserConv?.close();
    },
  };

  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  let outputs: NbOutput[] = [];
  let figureCount = 0;
  const stderrText: string[] = [];
  const byDisplayId = new Map<string, NbOutput[]>();

  const stream = (name: "stdout" | "stderr", text: string) => {
    if (name === "stderr") stderrText.push(text);
    const last = outputs[outputs.length - 1];
    if (last && last.output_type === "stream" && last.name === name) last.text = (last.text as string) + text;
    else outputs.push({ output_type: "stream", name, text });
    if (echo) echo.write(name === "stderr" ? `\x1b[31m${text}\x1b[0m` : text);
  };
  const nextBase = (name: string | null | undefined, title: string | null | undefined): string => {
    figureCount++;
    fs.mkdirSync(opts.figuresDir!, { recursive: true });
    return path.join(opts.figuresDir!, `${String(figureCount).padStart(2, "0")}-${slug(name ?? title ?? "")}`);
  };
  // vega-lite figures come through the plots' figure sink (spec, SVG and PNG already rendered by show)
  if (opts.figuresDir) {
    setFigureSink((fig) => {
      const base = nextBase(fig.name, fig.title);
      fs.writeFileSync(`${base}.vl.json`, JSON.stringify(fig.spec, null, 1));
      fs.writeFileSync(`${base}.svg`, fig.svg);
      fs.writeFileSync(`${base}.png`, fig.png);
      result.figures.push(`${base}.svg`, `${base}.png`, `${base}.vl.json`);
    });
  }
  // images (showImage) come as display data
  const saveImage = (bundle: { data: Record<string, unknown>; metadata: Record<string, unknown> }) => {
    const meta = (bundle.metadata?.ivae ?? {}) as { kind?: string; name?: string | null; title?: string | null };
    if (!opts.figuresDir || meta.kind !== "image") return;
    const base = nextBase(meta.name, meta.title);
    fs.writeFileSync(`${base}.png`, Buffer.from(bundle.data["image/png"] as string, "base64"));
    result.figures.push(`${base}.png`);
  };
  jupyter.lastWriteDisplayData = (
    msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient?: { display_id?: string } },
    update: boolean,
  ) => {
    const id = msg.transient?.display_id;
    const out: NbOutput = { output_type: "display_data", data: msg.data, metadata: msg.metadata ?? {} };
    if (id) out.transient = { display_id: id };
    if (update && id && byDisplayId.has(id)) {
      // update_display_data: replace every output with this display id in place (like nbclient)
      for (const o of byDisplayId.get(id)!) {
        o.data = msg.data;
        o.metadata = msg.metadata ?? {};
      }
    } else {
      outputs.push(out);
      if (id) byDisplayId.set(id, [...(byDisplayId.get(id) ?? []), out]);
    }
    if (msg.data[METRICS_MIME]) Object.assign(result.metrics, msg.data[METRICS_MIME]);
    saveImage(msg);
    if (
      echo &&
      typeof msg.data["text/plain"] === "string" &&
      (msg.metadata?.ivae as { kind?: string })?.kind === "progress"
    ) {
      echo.write(`    ${msg.data["text/plain"]}\n`);
    }
  };

  const executor = createExecutor(process.cwd(), convs, {
    log: (...a: unknown[]) => stream("stdout", format(...a) + "\n"),
    error: (...a: unknown[]) => stream("stderr", format(...a) + "\n"),
  });
  const onUnhandled = (reason: unknown) =>
    stream("stderr", `UnhandledPromiseRejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.on("unhandledRejection", onUnhandled);
  let count = 0;
  try {
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      if (cell.cell_type !== "code") continue;
      outputs = [];
      stderrText.length = 0;
      cell.outputs = outputs;
      const src = cellSource(cell);
      if (echo) {
        const first = src.split("\n").find((l) => l.trim() && !l.trim().startsWith("//")) ?? "";
        echo.write(`  [cell ${i}] ${first.slice(0, 100)}\n`);
      }
      const tc = Date.now();
      process.stdout.write = ((chunk: string | Uint8Array) => {
        stream("stdout", typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
        return true;
      }) as typeof process.stdout.write;
      process.stderr.write = ((chunk: string | Uint8Array) => {
        stream("stderr", typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
        return true;
      }) as typeof process.stderr.write;
      let ok: boolean;
      let timer: NodeJS.Timeout | undefined;
      try {
        const limit = (opts.cellTimeoutSeconds ?? 1800) * 1000;
        ok = await Promise.race([
          executor.execute(src) as Promise<boolean>,
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => {
              stream("stderr", `cell timed out after ${limit / 1000} s\n`);
              executor.interrupt();
              resolve(false);
            }, limit);
          }),
        ]);
      } catch (e) {
        stream("stderr", `${e instanceof Error ? e.stack : String(e)}\n`);
        ok = false;
      } finally {
        clearTimeout(timer);
        process.stdout.write = realOut;
        process.stderr.write = realErr;
      }
      cell.execution_count = ++count;
      result.cellSeconds.push((Date.now() - tc) / 1000);
      if (!ok) {
        const error = stderrText.join("").trim() || "the cell failed (no message)";
        // tslab reports errors only on stderr; add a proper error output for Jupyter front ends.
        outputs.push({
          output_type: "error",
          ename: "CellError",
          evalue: error.split("\n")[0],
          traceback: error.split("\n"),
        });
        result.ok = false;
        result.failure = { cell: i, source: src, error };
        break;
      }
      result.executedCells++;
    }
  } finally {
    process.off("unhandledRejection", onUnhandled);
    setFigureSink(null);
    executor.close?.();
    convs.close();
    process.chdir(cwd);
  }
  result.seconds = (Date.now() - t0) / 1000;
  // Outputs as nbformat wants them: no transient, stream text as lines.
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    cell.source = splitLines(cellSource(cell));
    if (cell.outputs === undefined) cell.outputs = [];
    for (const o of cell.outputs) {
      delete o.transient;
      if (o.output_type === "stream") o.text = splitLines(o.text as string);
    }
    if (cell.execution_count === undefined) cell.execution_count = null;
  }
  for (const cell of nb.cells) if (cell.cell_type !== "code") cell.source = splitLines(cellSource(cell));
  nb.metadata.ivae_run = {
    ok: result.ok,
    seconds: result.seconds,
    fast: process.env.IVAE_FAST === "1",
    date: new Date().toISOString(),
  };
  // the widgets the cells displayed, saved like nbclient does under the ivae kernel, so that
  // `npm run export-html` and other front ends render them from the executed notebook
  const widgets = notebookWidgetState();
  if (widgets) nb.metadata.widgets = widgets;
  if (opts.output) {
    fs.mkdirSync(path.dirname(path.resolve(opts.output)), { recursive: true });
    fs.writeFileSync(opts.output, JSON.stringify(nb, null, 1) + "\n");
    result.output = path.resolve(opts.output);
  }
  return result;
}
