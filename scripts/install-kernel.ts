/**
 * Registers the `ivae` Jupyter kernel (tslab + comm protocol, src/jupyter/kernel.ts), like
 * `tslab install` but without Python: it writes `kernels/ivae/kernel.json` into a Jupyter data
 * directory and copies the prebuilt lab extension to `labextensions/ivae-widgets` next to it, so
 * JupyterLab 4 / Notebook 7 using that data directory load the widget front end.
 *
 *   node dist/scripts/install-kernel.js                    # user data dir (JUPYTER_DATA_DIR or the platform default)
 *   node dist/scripts/install-kernel.js --prefix /opt/env  # <prefix>/share/jupyter (e.g. sys.prefix of a venv)
 *   node dist/scripts/install-kernel.js --data-dir DIR     # exactly DIR
 *   options: --name ivae  --display-name "TypeScript (ivae)"  --no-labextension
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Jupyter's per-user data directory (jupyter_core's `jupyter_data_dir()`). */
export function defaultJupyterDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32")
    return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(process.env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** Options of {@link installKernel}. */
export interface InstallOptions {
  dataDir?: string;
  prefix?: string;
  name?: string;
  displayName?: string;
  labextension?: boolean;
  /** Package root (where dist/src/jupyter/kernel.js is); defaults to this package. */
  packageRoot?: string;
}

/** Writes the kernelspec (and the lab extension); returns the paths written. */
export function installKernel(opts: InstallOptions = {}): { kernelDir: string; labextensionDir: string | null } {
  const pkg = opts.packageRoot ?? findPackageRoot();
  const dataDir = path.resolve(
    opts.dataDir ?? (opts.prefix ? path.join(opts.prefix, "share", "jupyter") : defaultJupyterDataDir()),
  );
  const name = opts.name ?? "ivae";
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new Error(`install-kernel: invalid kernel name ${name}`);
  const kernelJs = path.join(pkg, "dist", "src", "jupyter", "kernel.js");
  if (!fs.existsSync(kernelJs)) throw new Error(`install-kernel: ${kernelJs} is missing; run \`npm run build\` first`);
  const kernelDir = path.join(dataDir, "kernels", name);
  fs.mkdirSync(kernelDir, { recursive: true });
  const spec = {
    // The absolute node binary: Jupyter servers often run with a PATH that lacks nvm/asdf shims.
    argv: [process.execPath, kernelJs, "{connection_file}"],
    display_name: opts.displayName ?? "TypeScript (ivae)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { ivae: { widgets: "ivae-widgets" } },
  };
  fs.writeFileSync(path.join(kernelDir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
    const src = path.join(pkg, "node_modules", "tslab", "python", logo);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(kernelDir, logo));
  }
  let labextensionDir: string | null = null;
  const built = path.join(pkg, "frontend", "lab", "labextension");
  if (opts.labextension !== false && fs.existsSync(path.join(built, "package.json"))) {
    labextensionDir = path.join(dataDir, "labextensions", "ivae-widgets");
    fs.rmSync(labextensionDir, { recursive: true, force: true });
    fs.cpSync(built, labextensionDir, { recursive: true });
  }
  return { kernelDir, labextensionDir };
}

function findPackageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === "ivae") return dir;
    dir = path.dirname(dir);
  }
  throw new Error("install-kernel: cannot find the ivae package root");
}

if (require.main === module) {
  const a = process.argv.slice(2);
  const opts: InstallOptions = {};
  for (let i = 0; i < a.length; i++) {
    const v = (): string => {
      if (i + 1 >= a.length) throw new Error(`install-kernel: ${a[i]} needs a value`);
      return a[++i];
    };
    if (a[i] === "--data-dir") opts.dataDir = v();
    else if (a[i] === "--prefix") opts.prefix = v();
    else if (a[i] === "--name") opts.name = v();
    else if (a[i] === "--display-name") opts.displayName = v();
    else if (a[i] === "--no-labextension") opts.labextension = false;
    else if (a[i] === "--user") opts.dataDir = defaultJupyterDataDir();
    else {
      console.error(
        `install-kernel: unknown option ${a[i]}\nusage: install-kernel [--data-dir DIR | --prefix P | --user] ` +
          `[--name ivae] [--display-name NAME] [--no-labextension]`,
      );
      process.exit(2);
    }
  }
  const r = installKernel(opts);
  console.log(`installed kernelspec ${r.kernelDir}`);
  console.log(
    r.labextensionDir
      ? `installed lab extension ${r.labextensionDir}`
      : "lab extension not installed (build it with npm run build:widgets)",
  );
}
