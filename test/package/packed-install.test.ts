// The fast path must reach people who install the package (issue 15): `npm pack`, then `npm install` of the
// tarball in a fresh project builds the native kernels on install, and ivae then runs the native decoder.
// Offline and quick: the project's dependencies are symlinks to this repository's node_modules (npm keeps a
// linked package whose version satisfies the dependency and fetches nothing), with an empty private npm cache.
import { strict as assert } from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

/** The environment of a child npm/node: no inherited npm_* settings (set when run by `npm test`), no IVAE_*. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !/^IVAE_/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 26 });
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return run(process.platform === "win32" ? "npm.cmd" : "npm", args, cwd, env);
}

/** A fresh project whose node_modules links every top-level package of this repository except ivae itself. */
function freshProject(dir: string): void {
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "ivae-packed-test", version: "1.0.0", private: true }),
  );
  const src = path.join(root, "node_modules");
  for (const e of fs.readdirSync(src)) {
    if (e === "ivae" || e.startsWith(".")) continue;
    const from = path.join(src, e);
    if (e.startsWith("@")) {
      fs.mkdirSync(path.join(dir, "node_modules", e));
      for (const s of fs.readdirSync(from))
        fs.symlinkSync(fs.realpathSync(path.join(from, s)), path.join(dir, "node_modules", e, s), "dir");
    } else {
      fs.symlinkSync(fs.realpathSync(from), path.join(dir, "node_modules", e), "dir");
    }
  }
}

/** Installs the tarball offline into a fresh project; returns the install output. */
function installInto(dir: string, tgz: string, env: NodeJS.ProcessEnv): string {
  freshProject(dir);
  const r = npm(
    [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--foreground-scripts",
      "--cache",
      path.join(dir, ".npm-cache"),
      tgz,
    ],
    dir,
    env,
  );
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `npm install of the packed tarball failed (exit ${r.status}):\n${out.slice(-3000)}`);
  return out;
}

/** What the installed package reports about its decoder, from a plain `node` in the project. */
function probe(
  dir: string,
  env: NodeJS.ProcessEnv,
): { decoder: string; available: boolean; reason: string; file: string } {
  const code =
    "const iv = require('ivae'); console.log(JSON.stringify({ decoder: iv.coordDecoderName(), " +
    "available: iv.nativeAvailable(), reason: iv.nativeUnavailableReason(), file: require.resolve('ivae') }));";
  const r = run(process.execPath, ["-e", code], dir, env);
  assert.equal(r.status, 0, `require('ivae') failed in the installed project:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("packed install (npm pack + npm install of the tarball)", function () {
  this.timeout(180_000);
  let tmp = "";
  let tgz = "";
  const hasCompiler = spawnSync(process.env.CXX || "g++", ["--version"], { stdio: "ignore" }).status === 0;

  before(function () {
    if (!fs.existsSync(path.join(root, "dist", "src", "index.js"))) {
      // `npm test` builds dist/ first; a bare mocha run of this file has nothing to pack
      console.log("    (skipped: dist/src/index.js not built; run `npm run build` first)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-pack-"));
    // --ignore-scripts: pack what is built; `prepare` would rebuild everything
    const r = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], root, cleanEnv());
    assert.equal(r.status, 0, `npm pack failed: ${r.stderr.slice(-2000)}`);
    const info = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    tgz = path.join(tmp, path.basename(info[0].filename));
    const files = new Set(info[0].files.map((f) => f.path));
    for (const f of [
      "dist/src/index.js",
      "native/binding.gyp",
      "native/src/addon.cc",
      "native/src/kernels.h",
      "scripts/build-native.js",
    ]) {
      assert.ok(files.has(f), `the tarball lacks ${f}`);
    }
    assert.ok(![...files].some((f) => f.startsWith("native/build/")), "the tarball must not ship a local native/build");
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("builds the native kernels on install, so the rVAE runs the native decoder", function () {
    if (!hasCompiler) this.skip();
    const dir = path.join(tmp, "with-compiler");
    const out = installInto(dir, tgz, cleanEnv());
    assert.match(out, /build-native: built native\/build\/Release\/ivae_native\.node/, out.slice(-3000));
    const p = probe(dir, cleanEnv());
    assert.ok(fs.realpathSync(p.file).startsWith(fs.realpathSync(dir)), `ivae resolved outside the project: ${p.file}`);
    assert.equal(p.reason, "");
    assert.equal(p.available, true);
    assert.equal(p.decoder, "native");
  });

  it("without a compiler the install still succeeds, says so in one line and falls back to tfjs", function () {
    const dir = path.join(tmp, "no-compiler");
    const env = cleanEnv({ CXX: path.join(tmp, "no-such-compiler") });
    const out = installInto(dir, tgz, env);
    const notes = out.split("\n").filter((l) => l.startsWith("build-native:"));
    assert.equal(notes.length, 1, `expected one build-native note, got:\n${notes.join("\n")}`);
    assert.match(notes[0], /no C\+\+ compiler/);
    assert.ok(!fs.existsSync(path.join(dir, "node_modules", "ivae", "native", "build", "Release", "ivae_native.node")));
    const p = probe(dir, cleanEnv());
    assert.equal(p.available, false);
    assert.match(p.reason, /not built/);
    assert.equal(p.decoder, "tfjs-reference");
  });
});
