/** Plain DOM helpers: elements, the shared CSS, grey images on a canvas, errors shown inside a view. */

/** Element helper: tag, attributes/properties, children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { [k: string]: unknown } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "style" && typeof v === "string") e.setAttribute("style", v);
    else if (k.startsWith("data-") || k === "class" || k === "title" || k === "for") e.setAttribute(k, String(v));
    else (e as unknown as { [k: string]: unknown })[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

/** Draws 8-bit grey pixels (h×w) into a canvas, scaled to its size without smoothing. */
export function drawGrey(
  canvas: HTMLCanvasElement,
  px: Uint8Array | Float32Array,
  hgt: number,
  wid: number,
  offset = 0,
  floatScale = 255,
): void {
  const tmp = document.createElement("canvas");
  tmp.width = wid;
  tmp.height = hgt;
  const tg = tmp.getContext("2d")!;
  const img = tg.createImageData(wid, hgt);
  const isF = px instanceof Float32Array;
  for (let p = 0; p < hgt * wid; p++) {
    const raw = px[offset + p];
    const v = isF ? Math.max(0, Math.min(255, Math.round(raw * floatScale))) : raw;
    img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v;
    img.data[4 * p + 3] = 255;
  }
  tg.putImageData(img, 0, 0);
  const g = canvas.getContext("2d")!;
  g.imageSmoothingEnabled = false;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** Shared CSS, injected once per page. */
export const CSS = `
.ivae-widget{font:12px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;
  display:inline-flex;flex-direction:column;gap:6px;padding:8px;border:1px solid #ddd;border-radius:6px;
  background:#fff;box-sizing:border-box;max-width:100%}
.ivae-title{font-weight:600;font-size:13px}
.ivae-toolbar{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.ivae-toolbar label{display:inline-flex;gap:4px;align-items:center}
.ivae-toolbar select,.ivae-toolbar input[type=number]{font:inherit;padding:1px 3px}
.ivae-toolbar input[type=number]{width:64px}
.ivae-btn{font:inherit;padding:2px 8px;border:1px solid #bbb;border-radius:4px;background:#f6f6f6;cursor:pointer}
.ivae-btn.active{background:#2f6fdf;border-color:#2f6fdf;color:#fff}
.ivae-row{display:flex;gap:10px;align-items:flex-start}
.ivae-side{display:flex;flex-direction:column;gap:8px;min-width:170px}
.ivae-plot{border:1px solid #e3e3e3;background:#fcfcfc;cursor:crosshair;touch-action:none}
.ivae-patch{border:1px solid #ccc;background:#000;image-rendering:pixelated}
.ivae-info{color:#555;min-height:2.7em;white-space:pre-line}
.ivae-legend-title{font-weight:600;margin-bottom:2px}
.ivae-swatch{display:flex;gap:5px;align-items:center}
.ivae-swatch span{display:inline-block;width:10px;height:10px;border-radius:50%}
.ivae-colorbar-labels{display:flex;justify-content:space-between;width:160px;color:#555}
.ivae-slider{display:grid;grid-template-columns:58px 150px 48px;gap:6px;align-items:center}
.ivae-slider input{width:150px}
.ivae-slider output{text-align:right;font-variant-numeric:tabular-nums}
.ivae-status{color:#777;font-size:11px}
.ivae-error{color:#b00020;white-space:pre-wrap}
`;

let cssDone = false;
/** Adds {@link CSS} to the document once. */
export function ensureCss(): void {
  if (cssDone || typeof document === "undefined") return;
  cssDone = true;
  document.head.append(h("style", { "data-ivae": "1" }, CSS));
}

/**
 * Runs a view's build step and shows any error inside the view: ManagerBase.create_view swallows
 * exceptions from render() and logs only "Could not create a view", hiding the stack.
 */
export function renderSafely(el: HTMLElement, viewName: string, build: () => void): void {
  try {
    build();
  } catch (err) {
    console.error(`${viewName}.render`, err);
    el.append(h("div", { class: "ivae-error" }, String((err as Error)?.stack ?? err)));
  }
}
