/**
 * Static embed entry (IIFE, everything inlined): renders every
 * `<script type="application/vnd.jupyter.widget-view+json">` of the page from the page's
 * `<script type="application/vnd.jupyter.widget-state+json">`, in place. Works from file:// with
 * no network, for pages saved by `saveWidgetsHtml` and for nbconvert HTML exports that include it.
 */
import { IvaeManager } from "./manager";

/** Renders all saved widget views on the page; resolves with the manager. */
export async function renderAll(root: ParentNode = document): Promise<IvaeManager> {
  const manager = new IvaeManager();
  const tags = root.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]');
  for (const t of Array.from(tags)) {
    const doc = JSON.parse(t.textContent || "{}");
    await manager.set_state(doc);
  }
  const views = root.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  for (const v of Array.from(views)) {
    const { model_id } = JSON.parse(v.textContent || "{}");
    const el = document.createElement("div");
    el.className = "ivae-widget-area";
    v.parentNode!.insertBefore(el, v.nextSibling);
    try {
      if (!manager.has_model(model_id)) throw new Error(`no saved state for model ${model_id}`);
      await manager.renderInto(model_id, el);
    } catch (err) {
      console.error("ivae-widgets: cannot render", model_id, err);
      el.textContent = `ivae widget ${model_id}: ${String(err)}`;
    }
  }
  return manager;
}

declare global {
  interface Window {
    ivaeWidgets?: { renderAll: typeof renderAll; manager?: IvaeManager; rendered?: Promise<IvaeManager> };
  }
}

window.ivaeWidgets = { renderAll };
const start = (): void => {
  window.ivaeWidgets!.rendered = renderAll().then((m) => (window.ivaeWidgets!.manager = m));
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
