/**
 * The prebuilt JupyterLab extension (frontend/lab/labextension, made by @jupyterlab/builder) checked
 * the way JupyterLab uses it, without JupyterLab (not installable here): a host page
 * (fixtures/lab-host.ts, which bundles only @jupyter-widgets/base + base-manager) reads the
 * extension's package.json, loads `jupyterlab._build.load` (the module-federation remoteEntry),
 * initialises it with a share scope that provides @jupyter-widgets/base as the host's singleton,
 * gets `./extension`, activates the plugin with a widget registry for the
 * IJupyterWidgetRegistry token, and renders saved widget state with the classes it registered.
 */
import { strict as assert } from "assert";
import { build } from "esbuild";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { BrowserContext } from "playwright-core";
import {
  LatentScatter,
  MapOverlay,
  Traversal,
  decoderConfig,
  randomDecoder,
  widgetStateDocument,
} from "../../src/jupyter";
import { CHROMIUM, OUT, ROOT, SHOTS, guard, launchChromium, staticServer } from "./harness";

const EXT = path.join(ROOT, "frontend/lab/labextension");

describe("widgets: the prebuilt lab extension in a simulated JupyterLab module-federation host", function () {
  this.timeout(120000);
  const work = path.join(OUT, "widgets-lab-test");
  let browser: BrowserContext | undefined;
  let server: http.Server | undefined;

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it("loads remoteEntry, shares @jupyter-widgets/base, registers the module, renders all three widgets", async () => {
    const pkgFile = path.join(EXT, "package.json");
    if (!CHROMIUM || !fs.existsSync(pkgFile))
      throw new Error(
        "chromium or frontend/lab/labextension missing: run bash scripts/setup.sh && npm run build:widgets",
      );
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
    assert.equal(pkg.name, "ivae-widgets");
    assert.ok(fs.existsSync(path.join(EXT, pkg.jupyterlab._build.load)), "remoteEntry named in package.json exists");
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    const host = await build({
      entryPoints: [path.join(__dirname, "fixtures/lab-host.ts")],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2020",
      minify: true,
      logLevel: "error",
      loader: { ".svg": "text" },
      define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    });
    const hostJs = host.outputFiles[0].text;
    assert.ok(!hostJs.includes("LatentScatterView"), "the host bundles none of ivae's front end");

    // Saved state made by the kernel-side classes (detached in plain Node).
    const S = 96,
      img = new Float32Array(S * S),
      ax: number[] = [],
      ay: number[] = [],
      ang: number[] = [];
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++) (ax.push(6 + c * 12), ay.push(6 + r * 12), ang.push(Math.atan2(r - 3.5, c - 3.5)));
    for (let p = 0; p < S * S; p++) {
      const u = ((p % S) - 6) % 12,
        v = (Math.floor(p / S) - 6) % 12;
      img[p] = Math.exp(-(Math.min(u, 12 - u) ** 2 + Math.min(v, 12 - v) ** 2) / 6);
    }
    const sc = new LatentScatter({
      x: ang.map(Math.cos),
      y: ang.map(Math.sin),
      channels: { angle: ang },
      title: "from the lab extension",
    });
    const ov = new MapOverlay({
      image: { data: img, n: 1, height: S, width: S },
      x: ax,
      y: ay,
      channels: { angle: ang },
      scatter: sc,
      width: 300,
    });
    const tr = new Traversal({
      decoder: randomDecoder(
        decoderConfig({ imageShape: [20, 20], latentDim: 2, hidden: [32, 32], rotation: true, translation: true }),
        3,
        2.5,
      ),
      scale: 5,
    });
    sc.select([0, 9, 18, 27]);
    const state = widgetStateDocument([sc, ov, tr]);

    const srv = await staticServer({
      "/ext/": EXT,
      "/host.js": { body: hostJs, type: "text/javascript" },
      "/": {
        body:
          `<!DOCTYPE html><html><head><meta charset="utf-8"></head>` +
          `<body style="font-family:sans-serif"><script src="/host.js"></script></body></html>`,
        type: "text/html",
      },
    });
    server = srv.server;
    browser = await launchChromium(work);
    const page = browser.pages()[0] ?? (await browser.newPage());
    const rec = await guard(page, true);
    const loaded: string[] = [];
    page.on("request", (r) => loaded.push(new URL(r.url()).pathname));
    await page.goto(`${srv.base}/`);
    const act = await page.evaluate(() => (window as any).labHost.activate("/ext"));
    assert.equal(act.pluginId, "ivae-widgets:plugin");
    assert.equal(act.autoStart, true);
    assert.ok(
      act.requiresRegistry,
      "the plugin requires the host's IJupyterWidgetRegistry token (same object: base is shared, not bundled)",
    );
    assert.ok(act.baseLoads >= 1, "the extension took @jupyter-widgets/base from the share scope");
    assert.equal(act.registered.length, 1);
    assert.equal(act.registered[0].name, "ivae-widgets");
    assert.equal(act.registered[0].version, "0.1.0");
    for (const cls of [
      "LatentScatterModel",
      "LatentScatterView",
      "MapOverlayModel",
      "MapOverlayView",
      "TraversalModel",
      "TraversalView",
    ])
      assert.ok(act.registered[0].exports.includes(cls), cls);
    assert.ok(
      loaded.some((p) => /^\/ext\/static\/\d+\.[0-9a-f]+\.js$/.test(p)),
      `chunks load from the remoteEntry's own folder (${loaded.join(", ")})`,
    );

    await page.evaluate(({ state, views }) => (window as any).labHost.render(state, views), {
      state: state as unknown,
      views: [sc.id, ov.id, tr.id],
    });
    await page.waitForSelector('.ivae-traversal[data-decodes="1"]', { timeout: 20000 });
    const drawn = await page.evaluate(() => {
      const lit = (c: HTMLCanvasElement) => {
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let k = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++;
        return k;
      };
      return {
        scatter: lit(document.querySelector(".ivae-scatter canvas.ivae-plot") as HTMLCanvasElement),
        overlay: lit(document.querySelector(".ivae-overlay canvas.ivae-plot") as HTMLCanvasElement),
        overlaySelected: (document.querySelector(".ivae-overlay") as any).ivae.view.model.get("selected"),
      };
    });
    assert.ok(drawn.scatter > 100 && drawn.overlay > 1000, `canvases drawn (${drawn.scatter}, ${drawn.overlay})`);
    assert.deepEqual(
      drawn.overlaySelected,
      [0, 9, 18, 27],
      "the link between the two models works inside the extension",
    );
    assert.deepEqual(rec.external, []);
    assert.deepEqual(rec.errors, []);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "labextension-host.png"), fullPage: true });
  });
});
