/**
 * Shared pieces of the widget browser tests: free ports, polling, a static file server on
 * 127.0.0.1, headless Debian Chromium through playwright-core, and a route that blocks (and counts)
 * every request leaving the machine.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { chromium, BrowserContext, Page } from "playwright-core";

export const ROOT = path.resolve(__dirname, "../..");
export const OUT = path.join(ROOT, "out");
export const SHOTS = path.join(OUT, "screenshots");
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

export async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const TYPES: { [ext: string]: string } = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".json": "application/json",
  ".css": "text/css",
  ".wasm": "application/wasm",
};

/** Serves `routes` (url prefix -> folder, or exact url -> content) on 127.0.0.1; resolves with the base URL. */
export async function staticServer(routes: {
  [prefix: string]: string | { body: string; type: string };
}): Promise<{ base: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? "/").split("?")[0]);
    for (const [prefix, target] of Object.entries(routes)) {
      if (typeof target !== "string") {
        if (url === prefix) return void res.writeHead(200, { "content-type": target.type }).end(target.body);
        continue;
      }
      if (!url.startsWith(prefix)) continue;
      const file = path.join(target, url.slice(prefix.length));
      if (!file.startsWith(target) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      return void res
        .writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" })
        .end(fs.readFileSync(file));
    }
    res.writeHead(404).end("not found");
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${port}`, server };
}

/** Headless Chromium with a fresh profile under `dir`. */
export async function launchChromium(dir: string, viewport = { width: 1100, height: 900 }): Promise<BrowserContext> {
  fs.mkdirSync(dir, { recursive: true });
  return chromium.launchPersistentContext(fs.mkdtempSync(path.join(dir, "chrome-")), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Aborts every request that is not file:, data:, blob: or to 127.0.0.1 (when `allowLocal`), and
 * records them. Page errors and console errors are recorded too.
 */
export async function guard(page: Page, allowLocal = false): Promise<{ external: string[]; errors: string[] }> {
  const rec = { external: [] as string[], errors: [] as string[] };
  // tsx (esbuild keepNames) wraps named functions inside page.evaluate callbacks in __name(...).
  await page.addInitScript({ content: "globalThis.__name = (f) => f;" });
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (/^(file|data|blob):/.test(u) || (allowLocal && u.startsWith("http://127.0.0.1:"))) return route.continue();
    rec.external.push(u);
    return route.abort();
  });
  page.on("pageerror", (e) => rec.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && rec.errors.push(`console: ${m.text()}`));
  return rec;
}

/** The red channel of a canvas, sampled at the centres of an h×w grid of cells (nearest-neighbour upscaled images). */
export async function canvasGrid(page: Page, selector: string, h: number, w: number): Promise<number[]> {
  return page.evaluate(
    ({ selector, h, w }) => {
      const c = document.querySelector(selector) as HTMLCanvasElement;
      const g = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++)
          out.push(g[4 * (Math.floor(((r + 0.5) * c.height) / h) * c.width + Math.floor(((q + 0.5) * c.width) / w))]);
      return out;
    },
    { selector, h, w },
  );
}

/** Page coordinates of point `index` of the widget `selector` (a LatentScatter or MapOverlay), for mouse events. */
export async function pointOnPage(page: Page, selector: string, index: number): Promise<[number, number]> {
  return page.evaluate(
    ({ selector, index }) => {
      const el = document.querySelector(selector) as any;
      const [sx, sy] = el.ivae.screenPos(index);
      const r = el.ivae.canvas.getBoundingClientRect();
      return [r.left + sx, r.top + sy] as [number, number];
    },
    { selector, index },
  );
}

/** Pearson correlation. */
export function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) ((ma += a[i] / n), (mb += b[i] / n));
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma,
      y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}
