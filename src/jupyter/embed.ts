/**
 * Static export: a self-contained HTML page holding the widgets' saved state and the embed bundle
 * (frontend/dist/ivae-widgets-embed.js: views, a minimal widget manager, tfjs with the wasm binary
 * inlined). It renders with no kernel, no network and no CDN. The page uses the standard
 * `widget-state+json` / `widget-view+json` script tags, so the bundle also renders those tags in
 * HTML exported by nbconvert when it is added to the page.
 */
import * as fs from "fs";
import * as path from "path";
import { Json } from "./comm";
import { Widget } from "./widget";

/** Absolute path of the built embed bundle (built by `npm run build:widgets`). */
export function embedBundlePath(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === "ivae")
      return path.join(dir, "frontend", "dist", "ivae-widgets-embed.js");
    dir = path.dirname(dir);
  }
  throw new Error("ivae: cannot find the package root (for frontend/dist/ivae-widgets-embed.js)");
}

/** The `application/vnd.jupyter.widget-state+json` document of these widgets and those they reference. */
export function widgetStateDocument(widgets: Widget<object>[]): {
  version_major: 2;
  version_minor: 0;
  state: { [id: string]: Json };
} {
  const all = new Map<string, Widget<object>>();
  const visit = (w: Widget<object>): void => {
    if (all.has(w.id)) return;
    all.set(w.id, w);
    w.references().forEach(visit);
  };
  widgets.forEach(visit);
  const state: { [id: string]: Json } = {};
  for (const [id, w] of all) state[id] = w.embedState() as unknown as Json;
  return { version_major: 2, version_minor: 0, state };
}

/** Escapes `</` so JSON and JS can sit inside a `<script>` element. */
export function scriptSafe(s: string): string {
  return s.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** A standalone HTML page showing `widgets` (in order) from their saved state. */
export function widgetsHtml(widgets: Widget<object>[], opts: { title?: string; bundle?: string } = {}): string {
  const bundle = opts.bundle ?? fs.readFileSync(embedBundlePath(), "utf8");
  const views = widgets
    .map(
      (w) =>
        `<div class="ivae-cell"><script type="application/vnd.jupyter.widget-view+json">` +
        `${scriptSafe(JSON.stringify({ version_major: 2, version_minor: 0, model_id: w.id }))}</script></div>`,
    )
    .join("\n");
  const title = (opts.title ?? "ivae widgets").replace(/[<&]/g, (c) => (c === "<" ? "&lt;" : "&amp;"));
  const state = scriptSafe(JSON.stringify(widgetStateDocument(widgets)));
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;background:#fff}.ivae-cell{margin:12px 0}</style>
<script type="application/vnd.jupyter.widget-state+json">${state}</script>
</head><body>
${views}
<script>${scriptSafe(bundle)}</script>
</body></html>
`;
}

/** Writes {@link widgetsHtml} to `file`. */
export function saveWidgetsHtml(file: string, widgets: Widget<object>[], opts: { title?: string } = {}): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, widgetsHtml(widgets, opts));
}
