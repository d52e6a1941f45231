// Builds the optional C++ kernels in native/ (N-API addon) with node-gyp, offline, against the Node
// headers installed with Node (/usr/include/node on Debian) when they are there. Called by
// `npm run prepare` in the repository and by the package's `install` script when ivae is installed from
// its tarball (the tarball ships native/binding.gyp, native/src and this script, not a build). The addon is optional:
// without a compiler, Node headers or node-gyp this prints
// a note and exits 0, and ivae runs its tfjs reference ops instead (src/native/ falls back).
//   IVAE_NATIVE_BUILD=0   skip the build
//   node scripts/build-native.js --force   rebuild even if the addon is newer than its sources
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const dir = path.join(root, "native");
const out = path.join(dir, "build", "Release", "ivae_native.node");

function note(msg) {
  console.log(`build-native: ${msg}`);
}

if (process.env.IVAE_NATIVE_BUILD === "0") {
  note("skipped (IVAE_NATIVE_BUILD=0); ivae will use its tfjs reference ops");
  process.exit(0);
}
if (!fs.existsSync(path.join(dir, "binding.gyp"))) {
  note("native/binding.gyp not found; nothing to build");
  process.exit(0);
}

// up to date? (compare with every source file so a plain `npm run prepare` is cheap)
const sources = [
  path.join(dir, "binding.gyp"),
  ...fs.readdirSync(path.join(dir, "src")).map((f) => path.join(dir, "src", f)),
];
if (!process.argv.includes("--force") && fs.existsSync(out)) {
  const built = fs.statSync(out).mtimeMs;
  if (sources.every((s) => fs.statSync(s).mtimeMs <= built)) {
    note("native addon up to date");
    process.exit(0);
  }
}

const cxx = process.env.CXX || "g++";
if (spawnSync(cxx, ["--version"], { stdio: "ignore" }).status !== 0) {
  note(
    `no C++ compiler (${cxx}) found; ivae will use its slower tfjs reference ops (to build the native kernels: ` +
      `install g++ and make, then run node ${path.relative(process.cwd(), __filename) || __filename} --force)`,
  );
  process.exit(0);
}

// node-gyp ships inside npm; prefer the copy next to the running npm, then a global one
const candidates = [
  process.env.npm_execpath
    ? path.join(path.dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js")
    : "",
  path.join(
    path.dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  ),
  "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
  "/usr/share/nodejs/node-gyp/bin/node-gyp.js",
].filter((p) => p && fs.existsSync(p));
if (candidates.length === 0) {
  note("node-gyp not found (it comes with npm); skipping the native kernels");
  process.exit(0);
}

// Offline: use the headers of the installed Node when present instead of downloading them.
const args = [candidates[0], "rebuild", "--release"];
const nodedir = process.env.npm_config_nodedir || (fs.existsSync("/usr/include/node/node_api.h") ? "/usr" : "");
if (nodedir) args.push(`--nodedir=${nodedir}`);
note(`node ${args.slice(1).join(" ")} (in native/)`);
const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
if (r.status !== 0) {
  process.stdout.write(r.stdout || "");
  process.stderr.write(r.stderr || "");
  note(
    "build FAILED (see above); ivae will use its tfjs reference ops. Fix and rerun: node " +
      "scripts/build-native.js --force",
  );
  process.exit(0);
}
note(`built ${path.relative(root, out)}`);
