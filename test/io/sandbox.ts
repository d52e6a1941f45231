import * as path from "path";
import { Worker } from "worker_threads";

/**
 * Runs a decoder on hostile bytes in a worker thread, so that each case is time-boxed (a hang is killed, not
 * waited for) and its largest typed-array allocation is measured: the worker replaces the typed-array
 * constructors by proxies that record the largest byte length created.
 */
export type DecoderName = "tiff" | "png" | "npy" | "images";

export type Outcome =
  | { kind: "ok"; n: number; height: number; width: number; data: Float32Array; maxAlloc: number; ms: number }
  | { kind: "error"; name: string; message: string; maxAlloc: number; ms: number }
  | { kind: "timeout"; ms: number }
  | { kind: "crash"; message: string };

const WORKER = `
const { parentPort } = require("worker_threads");
require("tsx/cjs");
let maxAlloc = 0;
for (const name of ["Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array",
  "Float32Array", "Float64Array", "Uint8ClampedArray"]) {
  // a Proxy keeps instanceof and Buffer working both ways, unlike a subclass
  globalThis[name] = new Proxy(globalThis[name], {
    construct(target, args, newTarget) {
      const r = Reflect.construct(target, args, newTarget);
      if (r.byteLength > maxAlloc) maxAlloc = r.byteLength;
      return r;
    },
  });
}
const io = require(${JSON.stringify(path.resolve(__dirname, "../../src/data/io"))});
parentPort.on("message", ({ id, decoder, bytes }) => {
  maxAlloc = 0;
  const t0 = Date.now();
  try {
    let r;
    if (decoder === "tiff") r = io.decodeTiff(bytes);
    else if (decoder === "png") {
      const d = io.decodePng(bytes);
      r = { data: d.data, n: 1, height: d.height, width: d.width };
    } else if (decoder === "npy") {
      const d = io.decodeNpy(bytes);
      r = { data: d.data, n: 1, height: 1, width: d.data.length };
    }
    else r = io.decodeImages(bytes, { mode: "none" });
    const ms = Date.now() - t0;
    parentPort.postMessage({ id, kind: "ok", n: r.n, height: r.height, width: r.width, data: r.data, maxAlloc, ms });
  } catch (e) {
    const ms = Date.now() - t0;
    parentPort.postMessage({ id, kind: "error", name: e && e.name, message: String(e && e.message), maxAlloc, ms });
  }
});
parentPort.postMessage({ ready: true });
`;

let worker: Worker | null = null;
let seq = 0;
let pending: ((o: Outcome) => void) | null = null;
/**
 * Resolves when the worker has loaded the decoders (or died). A case's time box starts only then: starting a
 * worker compiles the readers through tsx, which took over 2 s on the shared 2-core machine under load and
 * turned the first case after every restart into a false "timeout".
 */
const readyOf = new WeakMap<Worker, Promise<void>>();

function start(): Worker {
  // a runaway JS heap (an endless IFD chain) ends the worker with an error instead of the test process
  const w = new Worker(WORKER, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 768 } });
  w.unref();
  readyOf.set(
    w,
    new Promise<void>((resolve) => {
      const onReady = (m: { ready?: boolean }): void => {
        if (m && m.ready) (w.off("message", onReady), resolve());
      };
      w.on("message", onReady);
      w.once("exit", () => resolve());
    }),
  );
  // a fatal error in the worker (e.g. out of memory) ends it: report a crash for the case in flight
  // (a worker ended on purpose, by a time-out or closeSandbox, is no longer `worker` and reports nothing)
  const died = (why: string): void => {
    if (worker !== w) return;
    worker = null;
    pending?.({ kind: "crash", message: why });
  };
  w.on("error", (e) => died(String(e)));
  w.on("exit", (code) => died(`worker exited with ${code}`));
  worker = w;
  return w;
}

/** Decodes `bytes` with `decoder` in the sandbox; resolves "timeout" after `ms` milliseconds and restarts it. */
export async function sandboxed(decoder: DecoderName, bytes: Uint8Array, ms = 3000): Promise<Outcome> {
  const w = worker ?? start();
  await readyOf.get(w);
  const id = ++seq;
  const t0 = Date.now();
  return new Promise((resolve) => {
    const finish = (o: Outcome): void => {
      clearTimeout(timer);
      w.off("message", onMsg);
      pending = null;
      resolve(o);
    };
    const timer = setTimeout(() => {
      worker = null;
      pending = null;
      w.off("message", onMsg);
      void w.terminate();
      resolve({ kind: "timeout", ms: Date.now() - t0 });
    }, ms);
    const onMsg = (m: Outcome & { id: number }): void => {
      if (m.id === id) finish(m);
    };
    pending = finish;
    w.on("message", onMsg);
    w.postMessage({ id, decoder, bytes: bytes.slice() });
  });
}

/** Stops the sandbox worker. */
export async function closeSandbox(): Promise<void> {
  const w = worker;
  worker = null;
  pending = null;
  if (w) await w.terminate();
}
