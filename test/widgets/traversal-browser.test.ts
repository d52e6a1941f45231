/**
 * The Gaussian-likelihood traversal test of issue 12, in a real browser: for rVAEs with Bernoulli and
 * Gaussian likelihoods, skip off and on, `Traversal.fromModel` is saved as a static page (the embed
 * bundle: tfjs-core on wasm running src/models/decode-core.ts), headless Chromium renders it from
 * file:// with every outside request blocked, and the pixels each view decoded equal `model.decode`
 * in Node for the same z, angle and shift. Needs only the embed bundle (npm run build:widgets) and
 * Chromium; no Jupyter server.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BrowserContext } from "playwright-core";
import { RVAE } from "../../src/models";
import { commManager } from "../../src/jupyter/comm";
import { Traversal, saveWidgetsHtml } from "../../src/jupyter";
import { CHROMIUM, OUT, ROOT, guard, launchChromium } from "./harness";

const BUNDLE = path.join(ROOT, "frontend/dist/ivae-widgets-embed.js");

describe("widgets: Traversal in the browser decodes like model.decode (both likelihoods, skip on/off)", function () {
  this.timeout(120000);
  const work = path.join(OUT, "traversal-browser-test");
  let browser: BrowserContext | undefined;

  before(() => {
    if (!CHROMIUM || !fs.existsSync(BUNDLE)) {
      throw new Error(`prerequisites missing (chromium, ${BUNDLE}): run bash scripts/setup.sh && npm run build`);
    }
    commManager().transport = { send: () => undefined };
  });
  after(async () => {
    commManager().transport = undefined;
    await browser?.close();
  });

  it("the browser's pixels equal model.decode to float32 rounding, and are the likelihood mean", async () => {
    const cases = [
      { likelihood: "bernoulli", skip: false },
      { likelihood: "gaussian", skip: false },
      { likelihood: "bernoulli", skip: true },
      { likelihood: "gaussian", skip: true },
    ] as const;
    const q = { z: [0.8, -1.2], angle: 0.9, dx: 1.5, dy: -2 };
    const made = cases.map((c, i) => {
      const model = new RVAE({
        imageShape: [20, 18],
        latentDim: 2,
        decoderHidden: [24, 24, 24],
        seed: 10 + i,
        likelihood: c.likelihood,
        skip: c.skip,
        decoderSigma: 0.1,
      });
      // A trained decoder's output bias is not 0: move the logits off 0 so that σ(logit) and the logit differ clearly.
      const w = model.getWeights();
      w.get("decoder.out.b")!.set([1.5]);
      model.setWeights(w);
      const tr = Traversal.fromModel(model, { z: q.z, angle: q.angle, dx: q.dx, dy: q.dy, backend: "wasm" });
      const want = model.decode([q.z], { angle: q.angle, dx: q.dx, dy: q.dy }).data;
      const logits = model.decode([q.z], { angle: q.angle, dx: q.dx, dy: q.dy, logits: true }).data;
      model.dispose();
      return { ...c, tr, want, logits };
    });
    fs.mkdirSync(work, { recursive: true });
    const file = path.join(work, "traversals.html");
    saveWidgetsHtml(
      file,
      made.map((m) => m.tr),
      { title: "traversal: browser vs model.decode" },
    );
    browser = await launchChromium(work);
    const page = browser.pages()[0] ?? (await browser.newPage());
    const rec = await guard(page);
    await page.goto("file://" + file);
    const allDecoded = (n: number): boolean =>
      document.querySelectorAll('.ivae-traversal[data-decodes="1"]').length === n;
    await page.waitForFunction(allDecoded, made.length, { timeout: 60000 });
    const got: { pixels: number[]; backend: string }[] = await page.evaluate(() =>
      Array.from(document.querySelectorAll(".ivae-traversal")).map((el) => {
        const v = (el as any).ivae.view;
        return { pixels: Array.from(v.lastPixels as Float32Array), backend: v.model.get("backend_used") as string };
      }),
    );
    assert.deepEqual(rec.external, []);
    assert.deepEqual(rec.errors, []);
    made.forEach((m, i) => {
      const b = got[i];
      assert.equal(b.backend, "wasm");
      assert.equal(b.pixels.length, m.want.length);
      let md = 0,
        mdLogit = 0;
      for (let k = 0; k < m.want.length; k++) {
        md = Math.max(md, Math.abs(b.pixels[k] - m.want[k]));
        mdLogit = Math.max(mdLogit, Math.abs(b.pixels[k] - m.logits[k]));
      }
      const name = `${m.likelihood}, skip ${m.skip ? "on" : "off"}`;
      console.log(
        `      ${name}: browser (wasm) vs model.decode max |diff| ${md.toExponential(1)}; ` +
          `vs the logits ${mdLogit.toFixed(2)}`,
      );
      assert.ok(md < 1e-5, `${name}: browser vs model.decode max |diff| ${md}`);
      assert.ok(mdLogit > 0.5, `${name}: the browser must show the likelihood mean, not the logits`);
      m.tr.close();
    });
  });
});
