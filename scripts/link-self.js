// Makes `import ... from "ivae"` resolve inside the repository (notebooks, tslab): tslab resolves
// packages the old Node way and compiles only files under the notebook's folder, so the built
// package must be reachable as node_modules/ivae.
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "ivae");
try {
  const st = fs.lstatSync(link);
  if (st.isSymbolicLink() && fs.readlinkSync(link) === "..") process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {}
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync("..", link, "dir");
console.log("linked node_modules/ivae -> ..");
