import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PNG } from "pngjs";
import { ROOT, codeCells, readNb, requireBuild, runLecture, streams } from "./helpers";

const FIX = path.join(ROOT, "test", "notebooks", "fixtures");

describe("notebooks: headless lecture runner", function () {
  this.timeout(180000);
  let out: string;
  let run: ReturnType<typeof runLecture>;

  before(() => {
    requireBuild();
    out = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-lecture-"));
    run = runLecture(["--out", out, ...["tiny", "failing", "type-error"].map((s) => path.join(FIX, `${s}.ipynb`))]);
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("exits non-zero when a notebook fails and prints the failing cell's error and a summary", () => {
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /failing\.ipynb: cell 2 failed/);
    assert.match(run.stderr, /Error: boom from cell 2/);
    assert.match(run.stderr, /type-error\.ipynb: cell 0 failed[\s\S]*Type 'string' is not assignable to type 'number'/);
    assert.match(run.stdout, /tiny\.ipynb\s+ok\s+3\/3/);
    assert.match(run.stdout, /failing\.ipynb\s+FAIL\s+1\/3/);
  });

  it("runs a notebook importing the built package: figures, images, in-place progress, metrics (fast mode)", () => {
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    assert.equal(summary.ok, false);
    assert.equal(summary.fast, true);
    const tiny = summary.notebooks.find((r: { notebook: string }) => r.notebook.endsWith("tiny.ipynb"));
    assert.equal(tiny.ok, true);
    assert.deepEqual(tiny.metrics, { n: 50, fast: true, answer: 42 }); // IVAE_FAST reached the cells
    const nb = readNb(path.join(out, "tiny.ipynb"));
    const cells = codeCells(nb);
    assert.deepEqual(
      cells.map((c) => c.execution_count),
      [1, 2, 3],
    );
    const fig = cells[1].outputs!.find(
      (o) => o.output_type === "display_data" && o.data!["application/vnd.vegalite.v5+json"],
    );
    assert.ok(fig, "no figure output");
    assert.equal((fig!.data!["application/vnd.vegalite.v5+json"] as { title: string }).title, "tiny scatter");
    assert.ok(PNG.sync.read(Buffer.from(fig!.data!["image/png"] as string, "base64")).width > 300);
    assert.match(fs.readFileSync(path.join(out, "tiny", "01-scatter.svg"), "utf8"), />tiny scatter</);
    // three progress updates collapse into one output showing the last state
    const progress = cells[2].outputs!.filter((o) => (o.metadata?.ivae as { kind?: string })?.kind === "progress");
    assert.equal(progress.length, 1);
    assert.match(progress[0].data!["text/plain"] as string, /3\/3 loss 3\.33/);
    assert.match(streams(cells[2], "stdout"), /^sum -?\d+\.\d{3}\n$/);
    // figure files: svg + png + vl.json for the chart, png for the image
    const files = fs.readdirSync(path.join(out, "tiny")).sort();
    assert.deepEqual(files, ["01-scatter.png", "01-scatter.svg", "01-scatter.vl.json", "02-tiles.png"]);
    const png = PNG.sync.read(fs.readFileSync(path.join(out, "tiny", "01-scatter.png")));
    assert.ok(png.width > 300 && png.height > 200, `${png.width}x${png.height}`);
    const spec = JSON.parse(fs.readFileSync(path.join(out, "tiny", "01-scatter.vl.json"), "utf8"));
    assert.match(spec.$schema, /vega-lite/);
    assert.equal(spec.data.values.length, 50);
  });

  it("stops a notebook at the failing cell and records the error in the executed notebook", () => {
    const nb = readNb(path.join(out, "failing.ipynb"));
    const cells = codeCells(nb);
    assert.equal(streams(cells[0], "stdout"), "first cell ran\n");
    const err = cells[1].outputs!.find((o) => o.output_type === "error") as unknown as { evalue: string };
    assert.ok(err && /boom from cell 2/.test(JSON.stringify(err)));
    assert.deepEqual(cells[2].outputs, []);
    assert.equal(cells[2].execution_count, null);
    const result = JSON.parse(fs.readFileSync(path.join(out, "failing.result.json"), "utf8"));
    assert.equal(result.failure.cell, 2);
    assert.equal(result.executedCells, 1);
  });
});
