/**
 * Offline HTML export of an executed notebook with ivae widgets: one self-contained page with the
 * markdown, the code, every output (streams, HTML, PNG/SVG/JPEG images, errors, plain text) and the
 * widgets rendered from the notebook's saved widget state by the inlined embed bundle
 * (frontend/dist/ivae-widgets-embed.js: views, a minimal manager, tfjs + wasm). No network, no CDN.
 *
 * The widget state is read from `metadata.widgets["application/vnd.jupyter.widget-state+json"]`,
 * the standard place where nbclient (`jupyter nbconvert --execute`, store_widget_state) and
 * JupyterLab's "Save Widget State" put it. A widget output whose model has no saved state is shown
 * as its text/plain fallback with a note, never as a broken view.
 */
import * as fs from "fs";
import { marked } from "marked";
import { IvaeInputError } from "../util/errors";
import { Json } from "./comm";
import { embedBundlePath, scriptSafe, widgetStateDocument } from "./embed";
import { liveWidgets } from "./widget";

const STATE_MIME = "application/vnd.jupyter.widget-state+json";
const VIEW_MIME = "application/vnd.jupyter.widget-view+json";

/** The part of an nbformat-4 notebook the exporter reads. */
export interface ExportableNotebook {
  cells: {
    cell_type: string;
    source: string | string[];
    outputs?: { [key: string]: unknown }[];
    execution_count?: number | null;
    attachments?: unknown;
  }[];
  metadata?: { [key: string]: unknown };
}

/** Options of {@link notebookToHtml}. */
export interface NotebookHtmlOptions {
  /** Page title (default: the first markdown heading, else "notebook"). */
  title?: string;
  /** Leave out the code of code cells (outputs only). */
  hideCode?: boolean;
  /** The embed bundle's source (default: read from frontend/dist). */
  bundle?: string;
}

/** What {@link notebookToHtml} produced. */
export interface NotebookHtml {
  html: string;
  /** Widget views written into the page (their models have saved state). */
  widgets: number;
  /** Widget outputs shown as text because the notebook holds no state for their model. */
  missingState: string[];
}

/**
 * The `widget-state+json` document of every ivae widget alive in this process: what a headless
 * notebook runner stores as `metadata.widgets[STATE_MIME]` so that {@link notebookToHtml} can
 * render its widget outputs (nbclient does the same from the comm messages).
 */
export function notebookWidgetState(): { [STATE_MIME]: ReturnType<typeof widgetStateDocument> } | undefined {
  const all = liveWidgets();
  return all.length ? { [STATE_MIME]: widgetStateDocument(all) } : undefined;
}

const text = (v: unknown): string =>
  Array.isArray(v) ? v.join("") : typeof v === "string" ? v : v == null ? "" : JSON.stringify(v, null, 1);
const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** Renders one notebook to a self-contained HTML page (see the module comment). */
export function notebookToHtml(nb: ExportableNotebook, opts: NotebookHtmlOptions = {}): NotebookHtml {
  if (!nb || !Array.isArray(nb.cells))
    throw new IvaeInputError("notebookToHtml: not an nbformat-4 notebook (no cells array)");
  const widgetsMeta = (nb.metadata?.widgets ?? {}) as { [mime: string]: { state?: { [id: string]: Json } } };
  const stateDoc = widgetsMeta[STATE_MIME];
  const saved = new Set(Object.keys(stateDoc?.state ?? {}));
  const missingState: string[] = [];
  let widgets = 0;
  let title = opts.title;
  const body: string[] = [];

  const output = (o: { [key: string]: unknown }): string => {
    const type = o.output_type as string;
    if (type === "stream")
      return (
        `<pre class="out-stream ${o.name === "stderr" ? "stderr" : "stdout"}">` +
        `${esc(stripAnsi(text(o.text)))}</pre>`
      );
    if (type === "error") {
      const trace = (o.traceback as string[] | undefined) ?? [`${o.ename}: ${o.evalue}`];
      return `<pre class="out-error">${esc(stripAnsi(trace.join("\n")))}</pre>`;
    }
    if (type !== "display_data" && type !== "execute_result") return "";
    const data = (o.data ?? {}) as { [mime: string]: unknown };
    const view = data[VIEW_MIME] as { model_id?: string } | undefined;
    if (view?.model_id) {
      if (saved.has(view.model_id)) {
        widgets++;
        return `<div class="out-widget"><script type="${VIEW_MIME}">${scriptSafe(JSON.stringify(view))}</script></div>`;
      }
      missingState.push(view.model_id);
      const note =
        `widget ${view.model_id}: the notebook holds no saved state for it (execute it with nbclient / ` +
        `nbconvert --execute, or save the widget state), so it is shown as text`;
      const plain =
        data["text/plain"] !== undefined ? `<pre class="out-text">${esc(text(data["text/plain"]))}</pre>` : "";
      return `<div class="out-missing">${esc(note)}</div>${plain}`;
    }
    if (data["text/html"] !== undefined) return `<div class="out-html">${text(data["text/html"])}</div>`;
    for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
      if (data[mime] !== undefined)
        return (
          `<div class="out-image"><img src="data:${mime};base64,${text(data[mime]).replace(/\s+/g, "")}" ` +
          `alt="output"></div>`
        );
    }
    if (data["image/svg+xml"] !== undefined)
      return (
        `<div class="out-image"><img src="data:image/svg+xml;base64,` +
        `${Buffer.from(text(data["image/svg+xml"])).toString("base64")}" alt="output"></div>`
      );
    if (data["text/markdown"] !== undefined)
      return `<div class="out-markdown">${marked.parse(text(data["text/markdown"]), { async: false })}</div>`;
    if (data["text/plain"] !== undefined)
      return `<pre class="out-text">${esc(stripAnsi(text(data["text/plain"])))}</pre>`;
    const json = Object.keys(data).find((k) => k.endsWith("json"));
    return json ? `<pre class="out-text">${esc(JSON.stringify(data[json], null, 1))}</pre>` : "";
  };

  for (const cell of nb.cells) {
    const src = text(cell.source);
    if (cell.cell_type === "markdown") {
      if (title === undefined) {
        const m = /^#+\s+(.+)$/m.exec(src);
        if (m) title = m[1].trim();
      }
      body.push(`<div class="cell markdown">${marked.parse(src, { async: false })}</div>`);
    } else if (cell.cell_type === "code") {
      const count = cell.execution_count == null ? " " : String(cell.execution_count);
      const input = opts.hideCode
        ? ""
        : `<div class="input"><div class="prompt">[${count}]:</div><pre class="source">${esc(src)}</pre></div>`;
      const outs = (cell.outputs ?? [])
        .map(output)
        .filter((s) => s)
        .join("\n");
      body.push(`<div class="cell code">${input}${outs ? `<div class="outputs">${outs}</div>` : ""}</div>`);
    } else if (cell.cell_type === "raw") {
      body.push(`<pre class="cell raw">${esc(src)}</pre>`);
    }
  }

  // Only the state of models that are shown or referenced is needed, but models reference each
  // other (IPY_MODEL_ links), so keep the whole saved document.
  const bundle = widgets ? (opts.bundle ?? fs.readFileSync(embedBundlePath(), "utf8")) : "";
  const pageTitle = esc(title ?? "notebook");
  const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${pageTitle}</title>
<meta name="generator" content="ivae export-html">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1080px;margin:24px auto;padding:0 16px;
  color:#222;line-height:1.45}
.cell{margin:14px 0}.markdown h1,.markdown h2,.markdown h3{margin:18px 0 8px}
.markdown code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
.markdown pre{background:#f6f6f6;padding:8px;overflow:auto}
.input{display:flex;gap:8px}.prompt{color:#30a;font-family:monospace;min-width:48px;text-align:right;padding-top:6px}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:12.5px}
pre.source{flex:1;background:#f7f7f9;border:1px solid #e3e3e8;border-radius:4px;padding:6px 8px}
.outputs{margin:6px 0 0 56px}.outputs>*{margin:4px 0}pre.out-stream,pre.out-text{padding:2px 0}
pre.stderr{background:#fff3f3}pre.out-error{background:#fdecec;color:#900;padding:6px}
.out-missing{color:#8a5a00;background:#fff8e6;padding:4px 8px;border-left:3px solid #e0a000;font-size:13px}
.out-image img{max-width:100%}
</style>
${stateDoc && widgets ? `<script type="${STATE_MIME}">${scriptSafe(JSON.stringify(stateDoc))}</script>` : ""}
</head><body>
${body.join("\n")}
${bundle ? `<script>${scriptSafe(bundle)}</script>` : ""}
</body></html>
`;
  return { html, widgets, missingState };
}

/** Reads `notebookPath` (.ipynb), renders it with {@link notebookToHtml} and writes `htmlPath`. */
export function exportNotebookHtml(
  notebookPath: string,
  htmlPath: string,
  opts: NotebookHtmlOptions = {},
): NotebookHtml {
  let nb: ExportableNotebook;
  try {
    nb = JSON.parse(fs.readFileSync(notebookPath, "utf8"));
  } catch (err) {
    throw new IvaeInputError(
      `exportNotebookHtml: cannot read ${notebookPath} as a notebook (${(err as Error).message})`,
    );
  }
  const r = notebookToHtml(nb, opts);
  fs.writeFileSync(htmlPath, r.html);
  return r;
}
