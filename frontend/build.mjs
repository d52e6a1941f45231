#!/usr/bin/env node
/**
 * Builds the ivae-widgets front end (run by `npm run build:widgets`, which `prepare` calls):
 *  - dist/ivae-widgets-embed.js  static embed bundle (IIFE; base, tfjs and the SIMD wasm inlined)
 *  - dist/ivae-widgets-live.js   live page bundle used by the browser tests (services + manager)
 *  - lab/lib/index.js            the extension's ES module (@jupyter-widgets/base external/shared)
 *  - lab/labextension/           the prebuilt JupyterLab 4 / Notebook 7 extension, made by
 *                                @jupyterlab/builder with @jupyterlab/core-meta as the core (no
 *                                Python). Skipped when lib/index.js did not change (it takes ~20 s);
 *                                `--no-lab` skips it always, `--lab` forces it.
 */
import { build } from "esbuild";
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const args = new Set(process.argv.slice(2));
const t0 = Date.now();
const common = {
  bundle: true,
  minify: true,
  target: "es2020",
  platform: "browser",
  loader: { ".wasm": "binary", ".svg": "text" },
  define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  logLevel: "warning",
  legalComments: "none",
  tsconfig: path.join(here, "tsconfig.json"),
};
await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(here, "src/embed.ts")],
    outfile: path.join(here, "dist/ivae-widgets-embed.js"),
    format: "iife",
  }),
  build({
    ...common,
    entryPoints: [path.join(here, "src/live.ts")],
    outfile: path.join(here, "dist/ivae-widgets-live.js"),
    format: "iife",
  }),
  build({
    ...common,
    entryPoints: [path.join(here, "src/plugin.ts")],
    outfile: path.join(here, "lab/lib/index.js"),
    format: "esm",
    external: ["@jupyter-widgets/base"],
  }),
]);
const size = (f) => `${(fs.statSync(path.join(here, f)).size / 1024).toFixed(0)} KiB`;
console.log(
  `build:widgets: esbuild ${Date.now() - t0} ms; embed ${size("dist/ivae-widgets-embed.js")}, live ` +
    `${size("dist/ivae-widgets-live.js")}, lab module ${size("lab/lib/index.js")}`,
);

// Prebuilt lab extension.
const lab = path.join(here, "lab");
const hash = createHash("sha256")
  .update(fs.readFileSync(path.join(lab, "lib/index.js")))
  .update(fs.readFileSync(path.join(lab, "package.json")))
  .digest("hex");
const stamp = path.join(lab, "labextension", ".ivae-build-hash");
const upToDate = fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash;
if (args.has("--no-lab") || (upToDate && !args.has("--lab"))) {
  console.log(`build:widgets: lab extension ${upToDate ? "up to date" : "skipped (--no-lab)"}`);
} else {
  const builder = path.join(root, "node_modules/@jupyterlab/builder/lib/build-labextension.js");
  const coreMeta = path.join(root, "node_modules/@jupyterlab/core-meta/core.package.json");
  if (!fs.existsSync(builder) || !fs.existsSync(coreMeta)) {
    console.warn("build:widgets: @jupyterlab/builder or @jupyterlab/core-meta missing; lab extension not built");
  } else {
    // The builder reads <core-path>/package.json: core-meta ships exactly that file as core.package.json.
    const core = path.join(here, ".build/core");
    fs.mkdirSync(core, { recursive: true });
    fs.copyFileSync(coreMeta, path.join(core, "package.json"));
    const t1 = Date.now();
    const r = spawnSync(process.execPath, [builder, "--core-path", core, lab], {
      cwd: lab,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
    if (r.status !== 0) {
      process.stderr.write(r.stdout + r.stderr);
      throw new Error(`build:widgets: @jupyterlab/builder failed (${r.status})`);
    }
    fs.writeFileSync(stamp, hash);
    console.log(`build:widgets: lab extension built in ${Date.now() - t1} ms -> frontend/lab/labextension`);
  }
}
