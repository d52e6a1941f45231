/** `npm run lecture --jobs N`: the start order, the job pool, and two notebooks run at once end to end. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { defaultJobs, label } from "../../scripts/lecture";
import { lineSplitter, pool, startOrder } from "../../scripts/lecture-jobs";
import { ROOT, requireBuild } from "../notebooks/helpers";

describe("scripts/lecture: notebooks run side by side (--jobs)", function () {
  this.timeout(180000);

  it("startOrder: longest expected first, unknown notebooks at the mean of the known, ties in file order", () => {
    const nbs = ["a/01-x.ipynb", "a/02-y.ipynb", "a/03-z.ipynb", "a/04-w.ipynb", "a/05-v.ipynb"];
    const expected = new Map([
      [nbs[0], 10],
      [nbs[1], 300],
      [nbs[3], 40],
      [nbs[4], 40],
    ]);
    // mean of the known = 97.5 puts 03 between 02 and 04; 04 and 05 tie and keep their order
    assert.deepEqual(startOrder(nbs, expected), [nbs[1], nbs[2], nbs[3], nbs[4], nbs[0]]);
    assert.deepEqual(startOrder(nbs, new Map()), nbs);
    assert.equal(label("notebooks/03-rvae-cards.ipynb"), "03");
    assert.equal(label("x/tiny.ipynb"), "tiny");
  });

  it("lineSplitter: whole lines across chunks, an empty line kept, the last unterminated line at the end", () => {
    const lines: string[] = [];
    const sp = lineSplitter((l) => lines.push(l));
    for (const c of ["ep", "och 1 █\n", "\nepoch 2\nlast"]) sp.push(c);
    assert.deepEqual(lines, ["epoch 1 █", "", "epoch 2"]);
    sp.end();
    assert.deepEqual(lines, ["epoch 1 █", "", "epoch 2", "last"]);
  });

  it("defaultJobs: one per core, at least 1, at most 4", () => {
    assert.deepEqual(
      [1, 2, 3, 16].map((c) => defaultJobs(c)),
      [1, 2, 3, 4],
    );
  });

  it("pool: never more than N at once, every item once, no new start after a stop", async () => {
    let running = 0;
    let most = 0;
    const work = async (ms: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms;
    };
    const items = [30, 5, 5, 20, 5, 10];
    const r = await pool(items, 2, work);
    assert.equal(most, 2);
    assert.deepEqual(
      [...r].sort((a, b) => a - b),
      [...items].sort((a, b) => a - b),
    );
    most = 0;
    assert.equal((await pool(items, 1, work)).length, items.length);
    assert.equal(most, 1);
    // the first 5-ms item stops the pool: the two started (30, 5) finish, nothing more starts
    const stopped = await pool(items, 2, work, (ms) => ms === 5);
    assert.deepEqual(stopped, [5, 30]);
  });

  it("two notebooks with --jobs 2 run at the same time, both finish, prefixed output, logs and a summary", () => {
    requireBuild();
    fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
    // inside the repository so that the notebooks' `import ... from "ivae"` resolves as in notebooks/
    const dir = fs.mkdtempSync(path.join(ROOT, "out", "test-lecture-"));
    try {
      const fixture = path.join(ROOT, "test", "notebooks", "fixtures", "tiny.ipynb");
      const nbs = ["01-tiny.ipynb", "02-tiny.ipynb"].map((f) => path.join(dir, f));
      for (const nb of nbs) fs.copyFileSync(fixture, nb);
      const out = path.join(dir, "out");
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, "dist/scripts/lecture.js"), "--fast", "--jobs", "2", "--out", out, ...nbs],
        { cwd: ROOT, encoding: "utf8", timeout: 150000, env: { ...process.env, IVAE_FAST: "1" } },
      );
      assert.equal(r.status, 0, r.stderr.slice(-3000));
      assert.match(r.stdout, /2 at once/);
      assert.match(r.stdout, /01-tiny\.ipynb\s+ok\s+3\/3/);
      assert.match(r.stdout, /02-tiny\.ipynb\s+ok\s+3\/3/);
      // every echoed cell line carries its notebook's prefix; the per-notebook log has the same lines bare
      for (const id of ["01", "02"]) {
        assert.match(r.stdout, new RegExp(`^\\[${id}\\]   \\[cell 3\\] const prog`, "m"));
        assert.match(fs.readFileSync(path.join(out, `${id}-tiny.log`), "utf8"), /^ {2}\[cell 3\] const prog/m);
      }
      const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
      assert.equal(summary.ok, true);
      assert.equal(summary.jobs, 2);
      assert.deepEqual(
        summary.notebooks.map((n: { notebook: string }) => path.basename(n.notebook)),
        ["01-tiny.ipynb", "02-tiny.ipynb"],
      );
      const [a, b] = summary.notebooks as { startedAt: number; endedAt: number; processSeconds: number }[];
      // side by side: each started before the other ended
      assert.ok(a.startedAt < b.endedAt && b.startedAt < a.endedAt, JSON.stringify([a, b]));
      assert.ok(summary.seconds < summary.notebookSeconds, `${summary.seconds} vs ${summary.notebookSeconds}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
