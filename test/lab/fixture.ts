/**
 * The real-JupyterLab fixture of the Lab browser tests: the test Lab built from the official npm packages
 * (lab-app/, built once by scripts/build-lab.js, cached by content hash), served by jupyterlab_server's
 * LabServerApp on Debian's jupyter_server (lab-app/main.py) on 127.0.0.1, with the `ivae` kernel and the prebuilt
 * ivae-widgets lab extension installed into a temporary Jupyter data dir by scripts/install-kernel.ts, exactly
 * where a user's Lab finds them (kernels/ivae, labextensions/ivae-widgets).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Page } from "playwright-core";
import { installKernel } from "../../scripts/install-kernel";
import { ROOT, freePort, waitFor } from "../widgets/harness";

/** The prebuilt lab extension (made by frontend/build.mjs). One constant, so a folder rename is a one-line change. */
export const LAB_EXTENSION_DIR = path.join(ROOT, "frontend", "lab", "labextension");
export const LAB_APP = path.join(ROOT, "lab-app");
export const PYTHON = "/usr/bin/python3";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const buildLab: { isFresh(): boolean; buildLab(): { built: boolean } } = require("../../scripts/build-lab.js");

/** What is missing for the Lab tests, or "" when everything is there. */
export function missingPrerequisites(): string {
  const need: [boolean, string][] = [
    [fs.existsSync(PYTHON), PYTHON],
    [fs.existsSync("/usr/lib/python3/dist-packages/jupyterlab_server"), "python3-jupyterlab-server (apt)"],
    [fs.existsSync(path.join(LAB_EXTENSION_DIR, "package.json")), "frontend/lab/labextension (npm run build:widgets)"],
    [fs.existsSync(path.join(ROOT, "dist/src/jupyter/kernel.js")), "dist/ (npm run build)"],
    [
      fs.existsSync(path.join(LAB_APP, "node_modules", "webpack")) || buildLab.isFresh(),
      "lab-app (node scripts/build-lab.js)",
    ],
  ];
  return need
    .filter(([ok]) => !ok)
    .map(([, what]) => what)
    .join(", ");
}

export interface LabServer {
  base: string;
  token: string;
  root: string;
  data: string;
  stop(): Promise<void>;
  log(): string;
}

/** Starts the test Lab on a free loopback port with `files` copied into its root folder. */
export async function startLab(work: string, files: string[], env: NodeJS.ProcessEnv = {}): Promise<LabServer> {
  // Normally already built by scripts/setup.sh; rebuilds (about 20 s) only when lab-app's sources changed.
  buildLab.buildLab();
  fs.rmSync(work, { recursive: true, force: true });
  const data = path.join(work, "data"),
    root = path.join(work, "root");
  fs.mkdirSync(data, { recursive: true });
  fs.mkdirSync(root, { recursive: true });
  const installed = installKernel({ dataDir: data });
  if (!installed.labextensionDir) throw new Error("install-kernel did not install the lab extension");
  for (const f of files) fs.copyFileSync(f, path.join(root, path.basename(f)));
  const port = await freePort();
  const token = "ivae-lab-" + Math.random().toString(36).slice(2);
  const fullEnv = {
    ...process.env,
    ...env,
    JUPYTER_PATH: data,
    JUPYTER_DATA_DIR: data,
    JUPYTER_CONFIG_DIR: path.join(work, "config"),
    JUPYTER_RUNTIME_DIR: path.join(work, "runtime"),
    IVAE_LAB_STATE: path.join(work, "lab-state"),
  };
  const args = [
    path.join(LAB_APP, "main.py"),
    "--ServerApp.ip=127.0.0.1",
    `--ServerApp.port=${port}`,
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${root}`,
    "--ServerApp.open_browser=False",
    "--allow-root",
  ];
  // Own process group: the kernels are the server's children, so one group kill stops all.
  const proc: ChildProcess = spawn(PYTHON, args, { env: fullEnv, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr!.on("data", (d) => (log += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const up = async () => (await fetch(`${base}/api/status?token=${token}`)).ok;
  await waitFor(up, 30000, `test Lab server (${log.slice(-800)})`);
  return {
    base,
    token,
    root,
    data,
    log: () => log,
    async stop() {
      if (!proc.pid) return;
      for (const sig of ["SIGTERM", "SIGKILL"] as const) {
        try {
          process.kill(-proc.pid, sig);
        } catch {}
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  };
}

/** Result of code run in the kernel of the current notebook through Lab's own session (not a cell). */
export interface KernelRun {
  status: string;
  stdout: string;
  stderr: string;
}

/** Runs `code` in the kernel of the notebook open in Lab, through the same kernel connection Lab uses. */
export async function kernelRun(page: Page, code: string): Promise<KernelRun> {
  return page.evaluate(async (code) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const kernel = panel.sessionContext.session.kernel;
    const out = { status: "", stdout: "", stderr: "" };
    const future = kernel.requestExecute({ code, silent: false, store_history: false });
    future.onIOPub = (msg: any) => {
      if (msg.header.msg_type === "stream") (out as any)[msg.content.name] += msg.content.text;
      if (msg.header.msg_type === "error") out.stderr += msg.content.ename + ": " + msg.content.evalue;
    };
    const reply = await future.done;
    out.status = reply.content.status;
    return out;
  }, code);
}

/** State of the notebook open in Lab: code cells, how many ran, errors in outputs, kernel status. */
export async function notebookState(
  page: Page,
): Promise<{ code: number; ran: number; errors: string[]; kernel: string }> {
  return page.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets.filter((c: any) => c.model.type === "code");
    const errors: string[] = [];
    for (const c of cells) {
      const outs = c.model.outputs;
      for (let i = 0; i < outs.length; i++) {
        const o = outs.get(i).toJSON();
        if (o.output_type === "error") errors.push(`${o.ename}: ${o.evalue}`);
      }
    }
    return {
      code: cells.length,
      ran: cells.filter((c: any) => c.model.executionCount != null).length,
      errors,
      kernel: panel.sessionContext.session?.kernel?.status ?? "none",
    };
  });
}
