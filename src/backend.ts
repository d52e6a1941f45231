import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "./util/errors";

/** The TensorFlow.js backends ivae knows how to use, fastest first. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** What `selectBackend` chose and why. */
export interface BackendChoice {
  /** the tfjs backend now active */
  name: BackendName;
  /** wasm only: SIMD and multi-threading support as detected */
  simd?: boolean;
  threads?: boolean;
  /** one line for a log or a notebook cell */
  description: string;
  /** the backends that were tried and why they were passed over */
  skipped: { name: BackendName; reason: string }[];
}

/** Options for `selectBackend`. */
export interface SelectBackendOptions {
  /** force one backend; also settable with the environment variable IVAE_BACKEND */
  force?: BackendName;
  /** print the choice (default true) */
  verbose?: boolean;
}

const ORDER: BackendName[] = ["tensorflow", "wasm", "cpu"];
let current: BackendChoice | null = null;

function tryRequire(name: string): unknown {
  // a computed name keeps bundlers from resolving optional packages at build time
  const req = eval("require") as NodeRequire;
  return req(name);
}

async function activate(name: BackendName): Promise<string | null> {
  try {
    if (name === "tensorflow") tryRequire("@tensorflow/tfjs-node");
    if (name === "wasm") tryRequire("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    return `package not installed (${(e as Error).message.split("\n")[0]})`;
  }
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return "tf.setBackend refused it";
    await tf.ready();
    return null;
  } catch (e) {
    return `failed to initialise: ${(e as Error).message}`;
  }
}

/**
 * Picks the fastest TensorFlow.js backend available here (tfjs-node > wasm with SIMD/threads > cpu),
 * activates it and says which it picked. `force` (or the environment variable IVAE_BACKEND) pins one;
 * a forced backend that cannot start is an error rather than a silent fallback.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const env = typeof process !== "undefined" ? process.env.IVAE_BACKEND : undefined;
  const force = options.force ?? (env ? (env as BackendName) : undefined);
  if (force !== undefined && !ORDER.includes(force)) {
    throw new IvaeInputError(`selectBackend: unknown backend "${force}"; expected one of ${ORDER.join(", ")}`);
  }
  tf.enableProdMode();
  const skipped: { name: BackendName; reason: string }[] = [];
  const candidates = force ? [force] : ORDER;
  for (const name of candidates) {
    const failure = await activate(name);
    if (failure) {
      if (force) throw new IvaeInputError(`selectBackend: forced backend "${force}" is not available: ${failure}`);
      skipped.push({ name, reason: failure });
      continue;
    }
    const choice: BackendChoice = { name, skipped, description: "" };
    if (name === "wasm") {
      choice.simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
      choice.threads = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
    }
    const extra =
      name === "wasm" ? ` (SIMD ${choice.simd ? "on" : "off"}, threads ${choice.threads ? "on" : "off"})` : "";
    const why = force
      ? options.force
        ? "forced by option"
        : "forced by IVAE_BACKEND"
      : skipped.length
        ? `fastest available; skipped ${skipped.map((s) => s.name).join(", ")}`
        : "fastest available";
    choice.description = `ivae: tfjs backend "${name}"${extra}, ${why}`;
    current = choice;
    if (options.verbose ?? true) console.log(choice.description);
    return choice;
  }
  throw new Error("selectBackend: no TensorFlow.js backend could be started");
}

/** The choice made by the last `selectBackend`, or null if none was made yet. */
export function currentBackend(): BackendChoice | null {
  return current;
}
