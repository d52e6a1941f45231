/**
 * The shape of the source tree (issue 12): no source file over 400 lines (small modules, one job each) and no
 * line over 120 columns (Prettier's printWidth; it cannot break long strings and comments, so this checks them).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const SKIP = new Set(["node_modules", "dist", "fixtures", "build", "lib", "labextension"]);

/** Source files (.ts, .mts, .js, .mjs, .cjs) under a folder of the repository, as repository paths. */
function sources(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : sources(rel);
    return /\.(m|c)?[tj]s$/.test(e.name) && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** Lines over `max` columns (counted in characters, as Prettier counts them), as "path:line (length)". */
export function longLines(files: string[], max = 120): string[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(path.join(ROOT, f), "utf8")
      .split("\n")
      .flatMap((line, i) => ([...line].length > max ? [`${f}:${i + 1} (${[...line].length})`] : [])),
  );
}

/** One import circle among the relative imports (type-only included) of the given files, or null. */
function importCycle(files: string[]): string[] | null {
  const deps = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(ROOT, f), "utf8");
    const out: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|^import\s+"(\.[^"]+)"/gms)) {
      const b = path.posix.join(path.posix.dirname(f), m[1] ?? m[2]);
      const hit = [b + ".ts", b + "/index.ts"].find((c) => fs.existsSync(path.join(ROOT, c)));
      if (hit) out.push(hit);
    }
    deps.set(f, out);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (v: string): string[] | null => {
    state.set(v, 1);
    stack.push(v);
    for (const w of deps.get(v) ?? []) {
      if (state.get(w) === 1) return stack.slice(stack.indexOf(w)).concat(w);
      const c = state.has(w) ? null : visit(w);
      if (c) return c;
    }
    stack.pop();
    state.set(v, 2);
    return null;
  };
  for (const v of deps.keys()) {
    const c = state.has(v) ? null : visit(v);
    if (c) return c;
  }
  return null;
}

describe("repository layout (issue 12)", () => {
  const code = [...sources("src"), ...sources("frontend/src")];
  const all = [...code, ...sources("test"), ...sources("scripts"), ...sources("bench"), ...sources("frontend")];
  const files = [...new Set(all)].sort();

  it("finds the sources it checks", () => {
    assert.ok(code.includes("src/index.ts") && code.includes("frontend/src/index.ts"), "src/ and frontend/src/");
    assert.ok(files.includes("test/repo/layout.test.ts") && files.some((f) => f.startsWith("bench/")));
  });

  it("keeps every source file of src/ and frontend/src/ at 400 lines or fewer", () => {
    const over = code
      .map((f) => ({ f, n: fs.readFileSync(path.join(ROOT, f), "utf8").replace(/\n$/, "").split("\n").length }))
      .filter(({ n }) => n > 400)
      .map(({ f, n }) => `${f} (${n} lines)`);
    assert.deepEqual(over, [], "split these into modules with one job each");
  });

  it("has no line over 120 columns in src/, frontend/, test/, scripts/ and bench/", () => {
    const long = longLines(files);
    assert.deepEqual(long, [], "wrap long strings with +, reflow comments");
  });

  it("has no import circle in frontend/src/ (src/ is checked by test/models/api.test.ts)", () => {
    const front = sources("frontend/src");
    assert.equal(importCycle(front)?.join(" -> ") ?? null, null);
    // the same search finds a circle where there is one
    const probe = ["a", "b"].map((n) => path.posix.join("test", "repo", `.cycle-probe-${process.pid}-${n}.ts`));
    fs.writeFileSync(path.join(ROOT, probe[0]), `import { b } from "./${path.basename(probe[1], ".ts")}";\n`);
    fs.writeFileSync(path.join(ROOT, probe[1]), `import { a } from "./${path.basename(probe[0], ".ts")}";\n`);
    try {
      assert.deepEqual(importCycle(probe), [probe[0], probe[1], probe[0]]);
    } finally {
      for (const p of probe) fs.rmSync(path.join(ROOT, p));
    }
  });

  it("counts columns as characters: a 121-character line is long, 120 with a multi-byte character is not", () => {
    const tmp = path.join("test", "repo", `.layout-probe-${process.pid}.ts`);
    fs.writeFileSync(path.join(ROOT, tmp), `${"x".repeat(121)}\n${"é".repeat(120)}\n`);
    try {
      assert.deepEqual(longLines([tmp]), [`${tmp}:1 (121)`]);
    } finally {
      fs.rmSync(path.join(ROOT, tmp));
    }
  });
});
