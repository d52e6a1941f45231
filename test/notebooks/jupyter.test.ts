/**
 * The Jupyter path: executes notebooks through a real kernel-protocol client (Debian's
 * jupyter-nbconvert / nbclient, installed by scripts/setup.sh) with a kernelspec named "ivae", as in
 * the notebooks' metadata. The kernelspec lives in a temporary JUPYTER_PATH and runs the ivae kernel
 * (tslab + comms, installed by scripts/install-kernel.ts) when built, else stock tslab.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, codeCells, readNb, requireBuild, streams } from "./helpers";

const JUPYTER = "/usr/bin/jupyter";

/**
 * A temporary Jupyter data dir with kernels/ivae/kernel.json: written by the project's own
 * `install-kernel` (the ivae kernel, tslab + comms) when built, else by hand for stock tslab.
 */
export function makeKernelspec(dir: string): { argv: string[]; ivaeKernel: boolean } {
  const installer = path.join(ROOT, "dist", "scripts", "install-kernel.js");
  if (fs.existsSync(installer) && fs.existsSync(path.join(ROOT, "dist", "src", "jupyter", "kernel.js"))) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { installKernel } = require(installer) as {
      installKernel(o: { dataDir: string; labextension: boolean }): { kernelDir: string };
    };
    const { kernelDir } = installKernel({ dataDir: dir, labextension: false });
    const spec = JSON.parse(fs.readFileSync(path.join(kernelDir, "kernel.json"), "utf8")) as { argv: string[] };
    assert.equal(path.basename(kernelDir), "ivae");
    return { argv: spec.argv, ivaeKernel: true };
  }
  const argv = [
    process.execPath,
    path.join(ROOT, "node_modules", "tslab", "bin", "tslab"),
    "kernel",
    "--config-path",
    "{connection_file}",
  ];
  const k = path.join(dir, "kernels", "ivae");
  fs.mkdirSync(k, { recursive: true });
  fs.writeFileSync(
    path.join(k, "kernel.json"),
    JSON.stringify({ argv, display_name: "TypeScript (ivae)", language: "typescript" }, null, 1),
  );
  return { argv, ivaeKernel: false };
}

function nbconvert(nb: string, out: string, env: NodeJS.ProcessEnv) {
  return spawnSync(
    JUPYTER,
    ["nbconvert", "--execute", "--to", "notebook", "--ExecutePreprocessor.timeout=300", "--output", out, nb],
    {
      cwd: path.dirname(nb),
      encoding: "utf8",
      env,
      timeout: 300000,
    },
  );
}

describe("notebooks: Jupyter kernel protocol (nbconvert/nbclient)", function () {
  this.timeout(300000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let kernel: { argv: string[]; ivaeKernel: boolean };

  before(function () {
    requireBuild();
    if (!fs.existsSync(JUPYTER) || !fs.existsSync("/usr/bin/jupyter-nbconvert")) {
      throw new Error("Debian's jupyter-nbconvert / python3-nbclient are missing: run `bash scripts/setup.sh`");
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-jupyter-"));
    kernel = makeKernelspec(path.join(tmp, "share"));
    env = {
      ...process.env,
      IVAE_FAST: "1",
      JUPYTER_PATH: path.join(tmp, "share"),
      JUPYTER_DATA_DIR: path.join(tmp, "data"),
      JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
      JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
    };
    // the fixtures are copied: nbconvert writes next to its input
    for (const f of ["tiny", "failing"])
      fs.copyFileSync(
        path.join(ROOT, "test/notebooks/fixtures", `${f}.ipynb`),
        path.join(ROOT, "test/notebooks/fixtures", `.jt-${f}.ipynb`),
      );
  });
  after(() => {
    for (const f of ["tiny", "failing"])
      for (const s of ["", ".out"])
        fs.rmSync(path.join(ROOT, "test/notebooks/fixtures", `.jt-${f}${s}.ipynb`), { force: true });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("executes a notebook through the 'ivae' kernelspec: package import, rich display, in-place progress", () => {
    const nbPath = path.join(ROOT, "test/notebooks/fixtures/.jt-tiny.ipynb");
    const r = nbconvert(nbPath, ".jt-tiny.out.ipynb", env);
    assert.equal(r.status, 0, `nbconvert failed (kernel ${kernel.argv.join(" ")}):\n${r.stderr}`);
    const nb = readNb(path.join(ROOT, "test/notebooks/fixtures/.jt-tiny.out.ipynb"));
    const cells = codeCells(nb);
    for (const c of cells) assert.equal(streams(c, "stderr"), "", "a cell wrote to stderr");
    const fig = cells[1].outputs!.find(
      (o) => o.output_type === "display_data" && o.data!["application/vnd.vegalite.v5+json"],
    );
    assert.ok(fig, "no figure display");
    assert.equal(typeof fig!.data!["image/png"], "string");
    assert.equal(
      cells[1].outputs!.filter((o) => o.output_type === "display_data" && typeof o.data!["image/png"] === "string")
        .length,
      2,
    );
    const progress = cells[2].outputs!.filter(
      (o) => o.output_type === "display_data" && /loop/.test(String(o.data!["text/plain"])),
    );
    assert.equal(progress.length, 1, "update_display_data should replace the progress display in place");
    assert.match(String(progress[0].data!["text/plain"]), /3\/3/);
    const metrics = cells[2].outputs!.find((o) => o.data?.["application/vnd.ivae.metrics+json"]);
    assert.deepEqual(metrics!.data!["application/vnd.ivae.metrics+json"], { n: 50, fast: true, answer: 42 });
    if (kernel.ivaeKernel)
      assert.deepEqual(
        cells.map((c) => c.execution_count),
        [1, 2, 3],
      );
  });

  it("executes lecture notebook 01 through the kernel (fast mode): example images, figures, metrics", () => {
    const src = path.join(ROOT, "notebooks", "01-cards.ipynb");
    const copy = path.join(ROOT, "notebooks", ".jt-01-cards.ipynb");
    fs.copyFileSync(src, copy);
    try {
      const r = nbconvert(copy, ".jt-01-cards.out.ipynb", env);
      assert.equal(r.status, 0, r.stderr);
      const cells = codeCells(readNb(path.join(ROOT, "notebooks", ".jt-01-cards.out.ipynb")));
      const outs = cells.flatMap((c) => c.outputs ?? []);
      // 4 example grids + 2 figures
      assert.equal(outs.filter((o) => o.output_type === "display_data" && o.data!["image/png"]).length, 6);
      assert.equal(
        outs.filter((o) => o.output_type === "display_data" && o.data!["application/vnd.vegalite.v5+json"]).length,
        2,
      );
      const m = outs.find((o) => o.data?.["application/vnd.ivae.metrics+json"])!.data![
        "application/vnd.ivae.metrics+json"
      ] as Record<string, number>;
      assert.equal(m.n, 400);
      assert.ok(m.cards3_maxRotationDeg > 100 && m.cards3_maxRotationDeg <= 120.01);
    } finally {
      for (const f of [copy, path.join(ROOT, "notebooks", ".jt-01-cards.out.ipynb")]) fs.rmSync(f, { force: true });
    }
  });

  it("a failing cell fails the nbconvert run, its error on the cell's stderr", () => {
    const r = nbconvert(path.join(ROOT, "test/notebooks/fixtures/.jt-failing.ipynb"), ".jt-failing.out.ipynb", env);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /CellExecutionError|boom from cell 2/);
  });
});
