/**
 * One tfjs per page (the backend is global): tfjs-core with the cpu and wasm backends. The SIMD
 * wasm binary is inlined in the bundle (esbuild `binary` loader) and handed to tfjs through a Blob
 * URL, so nothing is fetched from the network or a CDN. Threads are switched off: they need
 * cross-origin isolation and were not faster on small decoders.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
// @ts-ignore -- resolved by esbuild's binary loader to a Uint8Array
import simdWasm from "../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";

export { tf };

let ready: Promise<string> | null = null;

/** Initialises tfjs once; resolves with the backend in use ("wasm", else "cpu"). */
export function tfReady(prefer: "auto" | "wasm" | "cpu" = "auto"): Promise<string> {
  if (ready) return ready;
  ready = (async () => {
    if (prefer !== "cpu") {
      try {
        const url = URL.createObjectURL(new Blob([simdWasm as Uint8Array], { type: "application/wasm" }));
        // Every name must be mapped; the plain and threaded binaries are not shipped (SIMD is
        // everywhere tfjs 4 runs; a browser without it falls back to cpu below).
        setWasmPaths({
          "tfjs-backend-wasm.wasm": url,
          "tfjs-backend-wasm-simd.wasm": url,
          "tfjs-backend-wasm-threaded-simd.wasm": url,
        });
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
        if (await tf.setBackend("wasm")) {
          await tf.ready();
          return "wasm";
        }
      } catch (err) {
        console.warn("ivae-widgets: tfjs wasm backend unavailable, using cpu:", err);
      }
    }
    await tf.setBackend("cpu");
    await tf.ready();
    return "cpu";
  })();
  return ready;
}
