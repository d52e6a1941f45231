import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ivae from "../../src/index";
import { loadModel, models, RVAE, ShiftVAE, VAE } from "../../src/index";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

const SRC = path.join(__dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports (type-only included) of every source file, resolved to files. */
function importGraph(files: string[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|^import\s+"(\.[^"]+)"/gms)) {
      const b = path.resolve(path.dirname(f), m[1] ?? m[2]);
      const hit = [b + ".ts", path.join(b, "index.ts")].find((c) => fs.existsSync(c));
      if (hit) deps.push(hit);
    }
    g.set(f, deps);
  }
  return g;
}

/** One import circle of the graph, or null (depth-first search for a back edge). */
function findCycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (v: string): string[] | null => {
    state.set(v, 1);
    stack.push(v);
    for (const w of g.get(v) ?? []) {
      if (state.get(w) === 1) return stack.slice(stack.indexOf(w)).concat(w);
      if (!state.has(w)) {
        const c = visit(w);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(v, 2);
    return null;
  };
  for (const v of g.keys()) {
    if (!state.has(v)) {
      const c = visit(v);
      if (c) return c;
    }
  }
  return null;
}

describe("models: layering and public API (issue 12)", () => {
  before(useBackend);

  it("has no import circle in src/, and the models import nothing from the layers above them", () => {
    const g = importGraph(sourceFiles(SRC));
    const cycle = findCycle(g);
    assert.equal(cycle, null, `import circle: ${cycle?.map((f) => path.relative(SRC, f)).join(" -> ")}`);
    for (const [f, deps] of g) {
      if (!f.startsWith(path.join(SRC, "models") + path.sep)) continue;
      for (const d of deps) {
        const area = path.relative(SRC, d).split(path.sep)[0];
        assert.ok(
          !["training", "analysis", "plots", "widgets", "atoms"].includes(area),
          `${path.relative(SRC, f)} imports ${path.relative(SRC, d)}`,
        );
      }
    }
  });

  it("keeps every file of src/models and src/training under 400 lines", () => {
    for (const f of [...sourceFiles(path.join(SRC, "models")), ...sourceFiles(path.join(SRC, "training"))]) {
      const lines = fs.readFileSync(f, "utf8").split("\n").length;
      assert.ok(lines <= 400, `${path.relative(SRC, f)} has ${lines} lines`);
    }
  });

  it("offers the names by area alongside the flat names", () => {
    assert.equal(models.RVAE, RVAE);
    assert.equal(ivae.training.train, ivae.train);
    assert.equal(ivae.data.cards, ivae.cards);
    assert.equal(ivae.analysis.kmeans, ivae.kmeans);
    assert.equal(ivae.plots.lossCurves, ivae.lossCurves);
    assert.equal(typeof ivae.atoms.findAtomsLoG, "function");
    assert.equal(typeof ivae.widgets.Traversal, "function");
  });

  it("types the encoding per model: the RVAE's angle and the shift-VAE's shift are always there", () => {
    const imgs = renderShapes(3, 8).images;
    const r = new RVAE({ imageShape: [8, 8], encoderHidden: [8], decoderHidden: [8, 8], rotationSteps: 16 });
    const s = new ShiftVAE({ imageShape: [8, 8], encoderHidden: [8], decoderHidden: [8, 8] });
    // these assignments type-check only because the encodings say so (no `!`)
    const angle: Float32Array = r.encode(imgs).angle;
    const dx: Float32Array = s.encode(imgs).dx;
    assert.equal(angle.length, 3);
    assert.equal(dx.length, 3);
    assert.throws(() => new RVAE({ imageShape: [8, 8], rotation: false }), /use new ShiftVAE/);
    r.dispose();
    s.dispose();
  });

  it("loads a class registered with registerModel by its className", async () => {
    class TinyVAE extends VAE {}
    models.registerModel("TinyVAE", (raw) => {
      const c = models.storedConfig({ ...(raw as object), className: "VAE" }, "VAE", false);
      return new TinyVAE(c, { ...c, className: "TinyVAE" });
    });
    const m = new TinyVAE({ imageShape: [8, 8], encoderHidden: [8], decoderHidden: [8] }, undefined);
    const art = m.toArtifacts();
    (art.modelTopology as unknown as { config: { className: string } }).config.className = "TinyVAE";
    const loaded = await loadModel(art);
    assert.ok(loaded instanceof TinyVAE);
    assert.deepEqual(Array.from(loaded.decode([[0.5, -0.5]]).data), Array.from(m.decode([[0.5, -0.5]]).data));
    assert.ok(models.registeredModels().includes("TinyVAE"));
    loaded.dispose();
    m.dispose();
  });
});
