import * as tf from "@tensorflow/tfjs";

/**
 * Zero-copy access to float32 tensors for the native kernels (issue 15): on the wasm backend a tensor's data lives
 * in the wasm heap, and `dataSync()` copies it out (and `tf.tensor(array)` copies it back in) on every call; for
 * the plain VAE's step and Adam those copies and the garbage they leave cost as much as the arithmetic. These
 * helpers use tfjs-backend-wasm's own `typedArrayFromHeap` / `makeOutput` (tfjs 4.22). Views are valid only until
 * the next allocation on the backend (the heap may grow and move): allocate every output first, then take views.
 * Other backends get copies (`dataSync`) and plain tensors.
 */
interface WasmBackendLike {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  makeOutput(shape: number[], dtype: "float32"): { dataId: object; shape: number[]; dtype: "float32" };
}

function wasmBackend(): WasmBackendLike | null {
  if (tf.getBackend() !== "wasm") return null;
  const b = tf.backend() as unknown as Partial<WasmBackendLike>;
  return typeof b.typedArrayFromHeap === "function" && typeof b.makeOutput === "function"
    ? (b as WasmBackendLike)
    : null;
}

/** The data of float32 tensors without a copy where possible. Read-only: on the cpu backend it is the tensor's own. */
export function readViews(ts: tf.Tensor[]): Float32Array[] {
  const b = wasmBackend();
  return ts.map((t) =>
    b
      ? b.typedArrayFromHeap(t as unknown as { shape: number[]; dtype: string; dataId: object })
      : (t.dataSync() as Float32Array),
  );
}

/**
 * New float32 tensors of the given shapes and a way to write them: `fill(write)` calls `write` with one writable
 * array per tensor (heap views on wasm, taken after all tensors are allocated; fresh arrays elsewhere, uploaded
 * after), together with the read views of `inputs` taken at the same moment.
 */
export function withOutputs(
  shapes: number[][],
  inputs: tf.Tensor[],
  write: (outs: Float32Array[], ins: Float32Array[]) => void,
): tf.Tensor[] {
  const b = wasmBackend();
  if (!b) {
    const outs = shapes.map((s) => new Float32Array(s.reduce((a, x) => a * x, 1)));
    write(outs, readViews(inputs));
    return outs.map((o, i) => tf.tensor(o, shapes[i]));
  }
  const engine = tf.engine() as unknown as { makeTensorFromTensorInfo(info: object): tf.Tensor };
  const ts = shapes.map((s) => engine.makeTensorFromTensorInfo(b.makeOutput(s, "float32")));
  try {
    write(readViews(ts), readViews(inputs));
  } catch (e) {
    tf.dispose(ts);
    throw e;
  }
  return ts;
}
