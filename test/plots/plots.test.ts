import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import { PNG } from "pngjs";
import * as P from "../../src/plots";
import { imageStack } from "../../src/data/image-stack";
import { IvaeInputError } from "../../src/util/errors";
import { Random } from "../../src/util/random";

function blobs(n = 200, seed = 1) {
  const rng = new Random(seed);
  const z = new Float32Array(2 * n);
  const suit = new Int32Array(n);
  const angle = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    suit[i] = i % 4;
    angle[i] = rng.uniform(-2, 2);
    z[2 * i] = rng.normal() + 3 * suit[i];
    z[2 * i + 1] = rng.normal();
  }
  return { z, suit, angle };
}

function decode(png: Buffer) {
  return PNG.sync.read(png);
}

/** Distinct RGB colours in a PNG (to see that a chart is not blank). */
function colours(png: Buffer): number {
  const im = decode(png);
  const set = new Set<number>();
  for (let p = 0; p < im.width * im.height; p++)
    set.add((im.data[4 * p] << 16) | (im.data[4 * p + 1] << 8) | im.data[4 * p + 2]);
  return set.size;
}

/** Capture tslab display bundles by installing a fake `tslab/dist/jupyter` writer. */
function withFakeTslab<T>(fn: (sent: { bundle: P.DisplayBundle; update: boolean }[]) => Promise<T>): Promise<T> {
  const jupyter = require("tslab/dist/jupyter");
  const sent: { bundle: P.DisplayBundle; update: boolean }[] = [];
  const old = jupyter.lastWriteDisplayData;
  jupyter.lastWriteDisplayData = (bundle: P.DisplayBundle, update: boolean) => sent.push({ bundle, update });
  return fn(sent).finally(() => {
    jupyter.lastWriteDisplayData = old;
  });
}

describe("plots: spec builders", () => {
  it("latentScatter: one datum per point, categorical colour named by suit", () => {
    const { z, suit } = blobs();
    const spec = P.latentScatter(z, {
      title: "t",
      color: { values: suit, categories: ["spades", "hearts", "diamonds", "clubs"], name: "suit" },
    });
    assert.equal(spec.data.values.length, 200);
    assert.equal(spec.encoding.color.type, "nominal");
    assert.deepEqual(spec.encoding.color.scale.domain, ["spades", "hearts", "diamonds", "clubs"]);
    assert.equal(spec.data.values[5].c, "hearts");
    assert.ok(Math.abs(spec.data.values[5].x - z[10]) < 1e-4 * Math.max(1, Math.abs(z[10])));
    assert.equal(spec.encoding.x.title, "z1");
  });

  it("latentScatter: accepts an Encoding and picks dims; continuous colour is quantitative", () => {
    const zMean = Float32Array.from({ length: 30 }, (_, i) => i);
    const spec = P.latentScatter(
      { zMean, latentDim: 3 },
      { dims: [2, 0], color: { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], name: "angle" } },
    );
    assert.equal(spec.data.values.length, 10);
    assert.deepEqual([spec.data.values[1].x, spec.data.values[1].y], [5, 3]);
    assert.equal(spec.encoding.color.type, "quantitative");
    assert.equal(spec.encoding.x.title, "z3");
  });

  it("rejects bad input with IvaeInputError", () => {
    const { z } = blobs(10);
    assert.throws(() => P.latentScatter(z, { color: { values: [1, 2], name: "c" } }), IvaeInputError);
    assert.throws(() => P.latentScatter(new Float32Array(5)), IvaeInputError);
    assert.throws(() => P.angleScatter([1, 2], [1]), IvaeInputError);
    assert.throws(() => P.lossCurves([]), IvaeInputError);
    assert.throws(() => P.manifoldFigure(imageStack(new Float32Array(5 * 4), 5, 2, 2)), IvaeInputError);
  });

  it("angleScatter converts to degrees and draws the identity line over the data range", () => {
    const spec = P.angleScatter([Math.PI / 2, 0], [Math.PI / 2, -Math.PI / 4]);
    const [line, points] = spec.layer;
    assert.ok(Math.abs(points.data.values[0].y - 90) < 1e-4);
    assert.deepEqual(
      line.data.values.map((v: { x: number }) => Math.round(v.x)),
      [-45, 90],
    );
  });

  it("lossCurves reads epoch reports and column histories, skipping all-zero terms", () => {
    const reports = [1, 2, 3].map((e) => ({
      epoch: e,
      loss: 100 / e,
      reconstruction: 90 / e,
      klZ: 10,
      klAngle: 0,
      klOffset: 0,
      seconds: 1,
    }));
    const spec = P.lossCurves(reports);
    const terms = new Set(spec.data.values.map((v: { term: string }) => v.term));
    assert.deepEqual([...terms], ["loss", "reconstruction", "klZ"]);
    const spec2 = P.lossCurves({ loss: [3, 2, 1] });
    assert.deepEqual(
      spec2.data.values.map((v: { epoch: number }) => v.epoch),
      [1, 2, 3],
    );
  });

  it("imageGridPng lays out tiles row-major with the colour map over the common range", () => {
    const data = new Float32Array(4 * 2 * 2);
    data.fill(1, 4, 8); // image 1 white, others black
    const g = P.imageGridPng(imageStack(data, 4, 2, 2), { cols: 2, pad: 1, scale: 2 });
    assert.equal(g.width, (2 * 2 + 1) * 2);
    assert.equal(g.height, (2 * 2 + 1) * 2);
    const im = decode(g.png);
    const px = (x: number, y: number) => im.data[4 * (y * im.width + x)];
    assert.equal(px(0, 0), 0); // tile 0 black
    assert.equal(px(7, 0), 255); // tile 1 (top right) white
    assert.equal(px(4, 0), 255); // the white gap
    assert.equal(px(0, 7), 0); // tile 2 black
    assert.ok(g.dataUrl.startsWith("data:image/png;base64,"));
    const v = P.imageToPng({ data: [0, 0.5, 1, 0.25], height: 2, width: 2 }, { colormap: "viridis" });
    const iv = decode(v.png);
    assert.deepEqual([...iv.data.subarray(0, 3)], [68, 1, 84]);
    assert.deepEqual([...iv.data.subarray(8, 11)], [253, 231, 37]);
  });

  it("manifoldFigure puts latent axes on the grid, half a step beyond the range", () => {
    const spec = P.manifoldFigure(imageStack(new Float32Array(9 * 16), 9, 4, 4), { range: [-2, 2] });
    assert.deepEqual(spec.encoding.x.scale.domain, [-3, 3]);
    assert.equal(spec.encoding.y.title, "z2");
    assert.equal(spec.mark.type, "image");
  });
});

describe("plots: rendering", function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-plots-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("renderSvg draws every point, the titles and the legend", async () => {
    const { z, suit } = blobs(120);
    const svg = await P.renderSvg(
      P.latentScatter(z, {
        title: "VAE latent space",
        color: { values: suit, categories: ["spades", "hearts", "diamonds", "clubs"], name: "suit" },
      }),
    );
    assert.match(svg, /^<svg/);
    for (const s of ["VAE latent space", "z1", "z2", "suit", "spades", "clubs"])
      assert.ok(svg.includes(`>${s}<`), `missing text ${s}`);
    const marks = svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/s);
    assert.ok(marks, "no symbol marks");
    assert.equal((marks![1].match(/<path /g) ?? []).length, 120);
  });

  it("renderPng rasterises at 2x with several colours; saveFigure writes svg/png/vl.json", async () => {
    const { z, angle } = blobs(80);
    const spec = P.concatFigures([
      P.latentScatter(z, { title: "a", color: { values: P.degrees(angle), name: "angle (°)", scheme: "sinebow" } }),
      P.histogramFigure({ z1: z.filter((_, i) => i % 2 === 0), z2: z.filter((_, i) => i % 2 === 1) }),
    ]);
    const png = await P.renderPng(spec);
    const im = decode(png);
    const svg = await P.renderSvg(spec);
    const w = Number(svg.match(/width="(\d+)"/)![1]);
    assert.equal(im.width, 2 * w);
    assert.ok(colours(png) > 50, "PNG looks blank");
    const saved = await P.saveFigure(spec, path.join(tmp, "sub", "fig"));
    for (const f of [saved.svg, saved.png, saved.json]) assert.ok(fs.statSync(f).size > 1000, f);
    assert.deepEqual(JSON.parse(fs.readFileSync(saved.json, "utf8")), JSON.parse(JSON.stringify(spec)));
  });

  it("image overlays render the image and the points (maps, labels)", async () => {
    const data = Float32Array.from({ length: 40 * 60 }, (_, i) => (i % 60) / 60);
    const img = { data, height: 40, width: 60 };
    const maps = P.mapOverlays(img, [10, 30, 50], [5, 20, 35], {
      angle: [0, 1, 2],
      "latent 1": { values: [3, 2, 1], scheme: "magma" },
    });
    const svg = await P.renderSvg(maps);
    assert.equal((svg.match(/<image /g) ?? []).length, 2);
    assert.ok(svg.includes(">latent 1<"));
    const lab = await P.renderPng(P.labelledImage(img, [10, 30], [5, 20], [0, 1], { labelNames: ["A", "B"] }));
    assert.ok(colours(lab) > 20);
  });

  it("the ESM loader works from vm code (as in a tslab cell)", async () => {
    const fn = vm.runInThisContext(
      `(async (P) => (await P.loadVegaLite()).compile({mark: "point", data: {values: []}}).spec.marks.length)`,
    );
    assert.equal(await fn(P), 1);
  });
});

describe("plots: notebook display", () => {
  it("a figure sink receives every shown figure with its spec, SVG and PNG", async () => {
    const got: P.ShownFigure[] = [];
    P.setFigureSink((f) => got.push(f));
    try {
      await P.show(P.lossCurves({ loss: [3, 2, 1] }), { name: "l" });
    } finally {
      P.setFigureSink(null);
    }
    assert.equal(got.length, 1);
    assert.equal(got[0].name, "l");
    assert.equal(got[0].title, "training loss");
    assert.match(got[0].svg, /^<svg/);
    assert.ok(got[0].spec.$schema);
    assert.ok(PNG.sync.read(got[0].png).width > 400);
  });

  it("outside tslab: show prints a line and sends nothing", async () => {
    assert.equal(P.inTslab(), false);
    const log = console.log;
    const lines: string[] = [];
    console.log = (s: string) => lines.push(s);
    try {
      assert.equal(await P.show(P.lossCurves({ loss: [3, 2, 1] })), undefined);
    } finally {
      console.log = log;
    }
    assert.deepEqual(lines, ["[figure] training loss"]);
  });

  it("inside tslab: show sends spec + PNG; progress updates one display in place; metrics bundle", async () => {
    await withFakeTslab(async (sent) => {
      assert.equal(P.inTslab(), true);
      await P.show(P.lossCurves({ loss: [3, 2, 1] }, { title: "loss" }), { name: "loss" });
      const fig = sent[0].bundle;
      assert.ok(fig.data[P.VEGALITE_MIME]);
      assert.equal((fig.data[P.VEGALITE_MIME] as P.VlSpec).$schema, undefined);
      const png = PNG.sync.read(Buffer.from(fig.data["image/png"] as string, "base64"));
      assert.equal((fig.metadata["image/png"] as { width: number }).width * 2, png.width); // 2x, shown at 1x
      assert.equal((fig.metadata.ivae as { name: string }).name, "loss");

      const prog = P.notebookProgress(3, { title: "VAE" });
      for (let e = 1; e <= 3; e++)
        prog.onEpoch({ epoch: e, loss: 10 / e, reconstruction: 9 / e, klZ: 1, seconds: 0.5, etaSeconds: 3 - e });
      const ups = sent.slice(1);
      assert.equal(ups.length, 3);
      assert.deepEqual(
        ups.map((u) => u.update),
        [false, true, true],
      );
      assert.equal(new Set(ups.map((u) => u.bundle.transient?.display_id)).size, 1);
      assert.match(ups[2].bundle.data["text/plain"] as string, /3\/3 loss 3\.33/);
      assert.equal(prog.reports.length, 3);

      P.showMetrics({ purity: 0.9 });
      assert.deepEqual(sent[4].bundle.data[P.METRICS_MIME], { purity: 0.9 });
      const stack = imageStack(
        Float32Array.from({ length: 4 * 9 }, (_, i) => i),
        4,
        3,
        3,
      );
      P.showImage(stack, { title: "x", cols: 2, scale: 4 });
      assert.equal(
        sent[5].bundle.data["image/png"],
        P.imageGridPng(stack, { cols: 2, scale: 4 }).png.toString("base64"),
      );
    });
  });
});
