#!/usr/bin/env node
// Builds the test JupyterLab 4 app (lab-app/, a fixture of test/lab) once, cached by content hash: the hash of the
// app's sources and lockfile is written to lab-app/build/.content-hash, and the webpack build (about 15-20 s of CPU,
// 35 MB) runs only when it changes. Installs lab-app's own node_modules (npm ci) when they are missing or stale.
//   node scripts/build-lab.js           build if stale
//   node scripts/build-lab.js --check   exit 1 if the build is missing or stale (no build)
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const APP = path.resolve(__dirname, "..", "lab-app");
const BUILD = path.join(APP, "build");
const STAMP = path.join(BUILD, ".content-hash");
/** Every file whose change changes the built app. */
const INPUTS = ["package.json", "package-lock.json", "webpack.config.js", "bootstrap.js", "index.js", "plugins.js"];

function contentHash() {
  const h = crypto.createHash("sha256");
  for (const f of INPUTS)
    h.update(f + "\0")
      .update(fs.readFileSync(path.join(APP, f)))
      .update("\0");
  return h.digest("hex");
}

function isFresh() {
  return (
    fs.existsSync(path.join(BUILD, "static", "bundle.js")) &&
    fs.existsSync(STAMP) &&
    fs.readFileSync(STAMP, "utf8").trim() === contentHash()
  );
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: APP, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`build-lab: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
}

function buildLab() {
  if (isFresh()) return { built: false, hash: contentHash() };
  const installed = path.join(APP, "node_modules", ".package-lock.json");
  const lockTime = fs.statSync(path.join(APP, "package-lock.json")).mtimeMs;
  if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < lockTime) {
    run("npm", ["ci", "--no-audit", "--no-fund"]);
  }
  fs.rmSync(BUILD, { recursive: true, force: true });
  const t0 = Date.now();
  const webpackCli = path.join(APP, "node_modules", "webpack", "bin", "webpack.js");
  run(process.execPath, [webpackCli, "--config", "webpack.config.js"]);
  const hash = contentHash();
  fs.writeFileSync(STAMP, hash + "\n");
  console.log(`build-lab: built lab-app/build in ${((Date.now() - t0) / 1000).toFixed(1)} s (${hash.slice(0, 12)})`);
  return { built: true, hash };
}

module.exports = { buildLab, isFresh, contentHash, LAB_APP: APP, LAB_BUILD: BUILD };

if (require.main === module) {
  if (process.argv.includes("--check")) {
    const ok = isFresh();
    console.log(ok ? "build-lab: lab-app/build is up to date" : "build-lab: lab-app/build is missing or stale");
    process.exit(ok ? 0 : 1);
  }
  const r = buildLab();
  if (!r.built) console.log(`build-lab: lab-app/build is up to date (${r.hash.slice(0, 12)})`);
}
