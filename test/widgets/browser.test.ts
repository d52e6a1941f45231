/**
 * Browser tests of the widgets, end to end: Debian's jupyter-notebook server on 127.0.0.1 runs the
 * `ivae` kernel (registered into a temporary Jupyter data dir by scripts/install-kernel.ts);
 * headless Chromium (playwright-core) opens a page with @jupyterlab/services + our widget manager
 * (frontend/dist/ivae-widgets-live.js), runs cells, renders the widgets and interacts with them.
 * Screenshots go to out/screenshots/. Everything started here is stopped in `after`.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { BrowserContext, Page } from "playwright-core";
import { installKernel } from "../../scripts/install-kernel";
import { CHROMIUM, OUT, ROOT, SHOTS, freePort, launchChromium, pointOnPage, staticServer, waitFor } from "./harness";

const JUPYTER = "/usr/bin/jupyter-notebook";

const prerequisites =
  fs.existsSync(JUPYTER) &&
  !!CHROMIUM &&
  fs.existsSync(path.join(ROOT, "frontend/dist/ivae-widgets-live.js")) &&
  fs.existsSync(path.join(ROOT, "dist/src/jupyter/kernel.js"));

describe("widgets: live in a real browser with the ivae kernel", function () {
  this.timeout(180000);
  let server: ChildProcess | undefined;
  let pageServer: http.Server | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  const work = path.join(OUT, "widgets-test");
  const run = async (
    code: string,
  ): Promise<{ status: string; executionCount: number | null; stdout: string; stderr: string; displayed: string[] }> =>
    page.evaluate((c) => (window as any).session.run(c), code);

  before(async function () {
    if (!prerequisites) {
      // setup.sh installs chromium and jupyter-notebook, and npm test builds dist/ and the bundles.
      throw new Error(
        `browser test prerequisites missing (${JUPYTER}, chromium, dist/src/jupyter/kernel.js, frontend/dist): ` +
          `run bash scripts/setup.sh && npm run build`,
      );
    }
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(path.join(work, "data"), { recursive: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    installKernel({ dataDir: path.join(work, "data"), labextension: false });
    const port = await freePort();
    const token = "ivae-test-" + Math.random().toString(36).slice(2);
    const env = {
      ...process.env,
      JUPYTER_PATH: path.join(work, "data"),
      JUPYTER_DATA_DIR: path.join(work, "data"),
      JUPYTER_RUNTIME_DIR: path.join(work, "runtime"),
      JUPYTER_CONFIG_DIR: path.join(work, "config"),
      IVAE_BACKEND: "cpu",
    };
    // Own process group: the kernels are the server's children, so one group kill stops all.
    server = spawn(
      JUPYTER,
      [
        "--no-browser",
        "--ip=127.0.0.1",
        `--port=${port}`,
        `--NotebookApp.token=${token}`,
        "--NotebookApp.allow_origin=*",
        "--allow-root",
        `--notebook-dir=${work}`,
        "--NotebookApp.open_browser=False",
      ],
      { env, detached: true, stdio: ["ignore", "ignore", "pipe"] },
    );
    let serverLog = "";
    server.stderr!.on("data", (d) => (serverLog += d));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${base}/api/status?token=${token}`)).ok,
      30000,
      `jupyter-notebook (${serverLog.slice(-500)})`,
    );
    const liveJs = fs.readFileSync(path.join(ROOT, "frontend/dist/ivae-widgets-live.js"));
    const pages = await staticServer({
      "/live.js": { body: liveJs.toString("utf8"), type: "text/javascript" },
      "/": {
        body:
          `<!DOCTYPE html><html><head><meta charset="utf-8"><title>ivae widgets test</title></head>` +
          `<body style="font-family:sans-serif;margin:12px"><div id="out"></div><script src="/live.js"></script>` +
          `</body></html>`,
        type: "text/html",
      },
    });
    pageServer = pages.server;
    browser = await launchChromium(work);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on("console", (m) => m.type() === "error" && console.log("[browser]", m.text()));
    page.on("pageerror", (e) => console.log("[pageerror]", e.message));
    await page.goto(`${pages.base}/`);
    await page.evaluate(
      async ({ baseUrl, token }) => {
        (window as any).session = await (window as any).ivaeLive.connect({
          baseUrl,
          token,
          kernelName: "ivae",
          output: document.getElementById("out"),
        });
      },
      { baseUrl: base, token },
    );
  });

  after(async () => {
    try {
      await page?.evaluate(() => (window as any).session?.shutdown()).catch(() => undefined);
      await browser?.close();
    } finally {
      pageServer?.close();
      if (server?.pid) {
        try {
          process.kill(-server.pid, "SIGTERM");
        } catch {}
        await new Promise((r) => setTimeout(r, 500));
        try {
          process.kill(-server.pid, "SIGKILL");
        } catch {}
      }
    }
  });

  it("runs cells in the ivae kernel with execution counts and renders a 20,000-point LatentScatter", async () => {
    const r = await run(`
import { LatentScatter, MapOverlay, Traversal, decoderConfig, randomDecoder, saveWidgetsHtml } from "ivae";
import { Random } from "ivae";
const rng = new Random(7);
const N = 20000, P = 12;
const zs = new Float32Array(2 * N), suit = new Float32Array(N), angle = new Float32Array(N);
const patches = new Float32Array(N * P * P);
for (let i = 0; i < N; i++) {
  suit[i] = i % 4; angle[i] = rng.uniform(-Math.PI, Math.PI);
  zs[2 * i] = Math.cos(angle[i]) * (1 + suit[i]) + 0.2 * rng.normal();
  zs[2 * i + 1] = Math.sin(angle[i]) * (1 + suit[i]) + 0.2 * rng.normal();
  // each patch: a bar at the point's angle, brightness by suit, so hover can be checked exactly
  for (let p = 0; p < P * P; p++) {
    const x = (p % P) - 5.5, y = 5.5 - Math.floor(p / P);
    const onBar = Math.abs(-Math.sin(angle[i]) * x + Math.cos(angle[i]) * y) < 1.2;
    patches[i * P * P + p] = onBar ? 0.25 + 0.25 * suit[i] : 0;
  }
}
patches[0] = 1; // fixes the byte scaling to 0..1
const sc = new LatentScatter({
  z: zs, zDim: 2,
  channels: { suit: { values: suit, labels: ["spades", "hearts", "diamonds", "clubs"] }, angle },
  patches: { data: patches, n: N, height: P, width: P },
  title: "latent space (20k points)",
});
sc.display();
`);
    assert.equal(r.status, "ok", r.stderr);
    assert.ok(r.executionCount! >= 1, "execute_input with execution_count");
    assert.equal(r.displayed.length, 1);
    await page.waitForSelector(".ivae-scatter canvas.ivae-plot");
    await page.locator(".ivae-scatter").screenshot({ path: path.join(SHOTS, "scatter.png") });
  });

  it("hover shows the point's patch and the kernel sees the hovered index", async () => {
    const i = 1234;
    const [x, y] = await pointOnPage(page, ".ivae-scatter", i);
    await page.mouse.move(x, y);
    const hovered = await page.evaluate(async () => {
      const el = document.querySelector(".ivae-scatter") as any;
      await new Promise((r) => setTimeout(r, 100));
      return el.ivae.view.model.get("hovered");
    });
    // the nearest point under the cursor may be a neighbour drawn at the same pixel; compare its patch
    assert.ok(hovered >= 0);
    const patchOk = await page.evaluate((h) => {
      const el = document.querySelector(".ivae-scatter") as any;
      const m = el.ivae.view.model;
      const bytes = new Uint8Array(m.get("patches").buffer, m.get("patches").byteOffset, m.get("patches").byteLength);
      const c = el.querySelector("canvas.ivae-patch") as HTMLCanvasElement;
      const g = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const P = 12;
      let bad = 0,
        lit = 0;
      for (let r = 0; r < P; r++)
        for (let q = 0; q < P; q++) {
          const cx = Math.floor(((q + 0.5) * c.width) / P),
            cy = Math.floor(((r + 0.5) * c.height) / P);
          const v = g[4 * (cy * c.width + cx)];
          const want = bytes[h * P * P + r * P + q];
          if (Math.abs(v - want) > 1) bad++;
          if (want > 0) lit++;
        }
      return { bad, lit };
    }, hovered);
    assert.equal(patchOk.bad, 0, "patch canvas equals the hovered point's patch");
    assert.ok(patchOk.lit > 5);
    await waitFor(
      async () => (await run(`console.log(sc.hovered)`)).stdout.trim() === String(hovered),
      5000,
      "kernel hovered index",
    );
    await page.locator(".ivae-scatter").screenshot({ path: path.join(SHOTS, "scatter-hover.png") });
  });

  it("box and lasso selections reach the kernel as indices and highlight atoms in the linked MapOverlay", async () => {
    const r = await run(`
const S = 160, img = new Float32Array(S * S), ax: number[] = [], ay: number[] = [];
for (let r = 0; r < 20; r++)
  for (let c = 0; c < 20; c++) { ax.push(4 + c * 8 + 0.3 * Math.sin(r)); ay.push(4 + r * 8 + 0.3 * Math.cos(c)); }
for (let p = 0; p < S * S; p++) {
  const x = p % S, y = Math.floor(p / S);
  const u = ((x - 4) % 8 + 8) % 8 - 4, v = ((y - 4) % 8 + 8) % 8 - 4;
  img[p] = Math.exp(-(u * u + v * v) / 5);
}
const na = ax.length;
const sc2 = new LatentScatter({
  x: Array.from({ length: na }, (_, i) => zs[2 * i]), y: Array.from({ length: na }, (_, i) => zs[2 * i + 1]),
  channels: { angle: angle.slice(0, na), class: suit.slice(0, na) }, title: "atoms in latent space",
});
const ov = new MapOverlay({
  image: { data: img, n: 1, height: S, width: S }, x: ax, y: ay,
  channels: {
    angle: angle.slice(0, na), dx: ax.map((v) => v % 1),
    "latent 1": Array.from({ length: na }, (_, i) => zs[2 * i]), class: suit.slice(0, na),
  },
  scatter: sc2, title: "atom map", width: 420,
});
sc2.display(); ov.display();
`);
    assert.equal(r.status, "ok", r.stderr);
    await page.waitForSelector(".ivae-overlay canvas.ivae-plot");
    const scatters = page.locator(".ivae-scatter");
    const s2 = scatters.nth(1);
    await s2.locator('button[data-mode="box"]').click();
    const box = (await s2.locator("canvas.ivae-plot").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.up();
    const browserSel: number[] = await page.evaluate(() =>
      (document.querySelectorAll(".ivae-scatter")[1] as any).ivae.view.model.get("selected"),
    );
    assert.ok(browserSel.length > 5 && browserSel.length < 400, `box selected ${browserSel.length}`);
    await waitFor(
      async () => (await run(`console.log(JSON.stringify(sc2.selected))`)).stdout.trim() === JSON.stringify(browserSel),
      5000,
      "kernel selection",
    );
    const overlaySel = await page.evaluate(() =>
      (document.querySelector(".ivae-overlay") as any).ivae.view.model.get("selected"),
    );
    assert.deepEqual(overlaySel, browserSel, "linked overlay highlights the same atoms");
    assert.equal((await run(`console.log(JSON.stringify(ov.selected))`)).stdout.trim(), JSON.stringify(browserSel));
    await page.locator(".ivae-overlay").screenshot({ path: path.join(SHOTS, "overlay-linked.png") });
    await s2.screenshot({ path: path.join(SHOTS, "scatter-box-selection.png") });
    // lasso: a triangle
    await s2.locator('button[data-mode="lasso"]').click();
    // clicking may scroll the page: measure the canvas again
    const lb = (await s2.locator("canvas.ivae-plot").boundingBox())!;
    Object.assign(box, lb);
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.9);
    await page.mouse.down();
    for (const [u, v] of [
      [0.5, 0.1],
      [0.9, 0.9],
      [0.1, 0.9],
    ])
      await page.mouse.move(box.x + box.width * u, box.y + box.height * v, { steps: 6 });
    await page.mouse.up();
    const lasso: number[] = await page.evaluate(() =>
      (document.querySelectorAll(".ivae-scatter")[1] as any).ivae.view.model.get("selected"),
    );
    assert.ok(
      lasso.length > 5 && JSON.stringify(lasso) !== JSON.stringify(browserSel),
      `lasso selected ${lasso.length} (box ${browserSel.length})`,
    );
    await waitFor(
      async () => (await run(`console.log(JSON.stringify(sc2.selected))`)).stdout.trim() === JSON.stringify(lasso),
      5000,
      "kernel lasso selection",
    );
    // and back: clicking an atom in the overlay selects that point in the scatter and the kernel
    const [ox, oy] = await pointOnPage(page, ".ivae-overlay", 42);
    await page.mouse.click(ox, oy);
    await waitFor(
      async () => (await run(`console.log(JSON.stringify(sc2.selected))`)).stdout.trim() === "[42]",
      5000,
      "overlay click -> scatter selection in the kernel",
    );
    // channel selector and opacity
    await page.locator('.ivae-overlay select[data-control="channel"]').selectOption("latent 1");
    await page.locator('.ivae-overlay input[data-control="opacity"]').fill("0.5");
    await waitFor(
      async () => (await run(`console.log(ov.get("channel"), ov.get("opacity"))`)).stdout.trim() === "latent 1 0.5",
      5000,
      "channel/opacity in the kernel",
    );
    await page.locator(".ivae-overlay").screenshot({ path: path.join(SHOTS, "overlay-latent1.png") });
  });

  it("Traversal decodes in the browser (tfjs wasm); a slider changes the image; pixels equal the kernel", async () => {
    const r = await run(`
const cfg = decoderConfig({
  imageShape: [28, 28], latentDim: 2, hidden: [64, 64, 64], rotation: true, translation: true,
});
const tr = new Traversal({ decoder: randomDecoder(cfg, 11, 2.5), scale: 6 });
tr.display();
`);
    assert.equal(r.status, "ok", r.stderr);
    await page.waitForSelector('.ivae-traversal[data-decodes="1"]', { timeout: 20000 });
    const snap = () =>
      page.evaluate(() => {
        const c = document.querySelector(".ivae-traversal canvas.ivae-patch") as HTMLCanvasElement;
        return Array.from(
          c
            .getContext("2d")!
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, k) => k % 4 === 0),
        );
      });
    const before = await snap();
    const t0 = Date.now();
    await page.locator('.ivae-traversal input[data-key="z0"]').fill("2.1");
    await page.waitForSelector('.ivae-traversal[data-decodes="2"]');
    const ms = Date.now() - t0;
    const after = await snap();
    let changed = 0;
    for (let k = 0; k < before.length; k++) if (Math.abs(before[k] - after[k]) > 8) changed++;
    assert.ok(changed > before.length * 0.02, `only ${changed} pixels changed`);
    await page.locator('.ivae-traversal input[data-key="angle"]').fill("0.8");
    await page.waitForSelector('.ivae-traversal[data-decodes="3"]');
    await page.locator(".ivae-traversal").screenshot({ path: path.join(SHOTS, "traversal.png") });
    await waitFor(
      async () => {
        const [z0, a] = JSON.parse(
          (await run(`console.log(JSON.stringify([tr.get("z")[0], tr.get("angle")]))`)).stdout.trim(),
        );
        return Math.abs(z0 - 2.1) < 0.02 && Math.abs(a - 0.8) < 0.01; // slider steps round the value
      },
      5000,
      "slider state in the kernel",
    );
    const cmp = await run(`
const q = { z: [0.7, -1.3], angle: 0.5, dx: 1.5, dy: -2 };
const b = await tr.decodeInBrowser(q), k = tr.decodeHere(q);
let md = 0; for (let i = 0; i < k.length; i++) md = Math.max(md, Math.abs(b.pixels[i] - k[i]));
console.log(JSON.stringify({ md, backend: b.backend, n: b.pixels.length }));
`);
    assert.equal(cmp.status, "ok", cmp.stderr);
    const res = JSON.parse(cmp.stdout.trim().split("\n").pop()!);
    assert.equal(res.n, 28 * 28);
    assert.equal(res.backend, "wasm");
    assert.ok(res.md < 1e-4, `browser vs kernel max |diff| ${res.md}`);
    const decodeMs = await page.evaluate(() => (document.querySelector(".ivae-traversal") as any).ivae.view.lastMs);
    console.log(
      `      traversal: slider->image ${ms} ms (incl. CDP), decode ${decodeMs.toFixed(1)} ms, ` +
        `browser vs kernel max|diff| ${res.md.toExponential(1)} (${res.backend})`,
    );
  });

  it("saved widget state renders from the embedded bundle with no kernel and no network", async () => {
    const file = path.join(work, "static.html");
    // the embed bundle built in this checkout (the kernel's "ivae" may resolve to another checkout's build)
    const bundle = JSON.stringify(path.join(ROOT, "frontend/dist/ivae-widgets-embed.js"));
    const r = await run(`import * as fs from "fs";
import { widgetsHtml } from "ivae";
const html = widgetsHtml([sc2, ov, tr], { title: "ivae widgets (static)", bundle: fs.readFileSync(${bundle}, "utf8") });
fs.writeFileSync(${JSON.stringify(file)}, html);`);
    assert.equal(r.status, "ok", r.stderr);
    const p2 = await browser!.newPage();
    let external = 0;
    await p2.route("**/*", (route) =>
      route.request().url().startsWith("file://") ||
      route.request().url().startsWith("blob:") ||
      route.request().url().startsWith("data:")
        ? route.continue()
        : (external++, route.abort()),
    );
    await p2.goto("file://" + file);
    await p2.waitForSelector('.ivae-traversal[data-decodes="1"]', { timeout: 20000 });
    assert.equal(await p2.locator(".ivae-scatter").count(), 1);
    assert.equal(await p2.locator(".ivae-overlay").count(), 1);
    const sel = await p2.evaluate(() =>
      (document.querySelector(".ivae-overlay") as any).ivae.view.model.get("selected"),
    );
    assert.deepEqual(sel, [42], "saved selection restored");
    // the status lines say so after the reload (the overlay's used to say "click an atom…")
    const status = await p2.evaluate(() => ({
      overlay: document.querySelector(".ivae-overlay .ivae-info")?.textContent,
      scatter: document.querySelector(".ivae-scatter .ivae-status")?.textContent,
    }));
    assert.equal(status.overlay, "1 atom selected");
    assert.match(status.scatter ?? "", /· 1 selected$/);
    assert.equal(external, 0);
    await p2.screenshot({ path: path.join(SHOTS, "static-embed.png"), fullPage: true });
    await p2.close();
  });
});
