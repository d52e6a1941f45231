import type { Dataset, File, Group } from "h5wasm";
import { fileError, halfToNumber } from "./bytes";

/** The parts of h5wasm's ES module that ivae uses. */
export type H5wasm = typeof import("h5wasm");

/** The emscripten module behind h5wasm: its in-memory file system and the raw dataset read. */
interface H5Module {
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    readFile(path: string): Uint8Array;
    unlink(path: string): void;
  };
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  get_dataset_data(fileId: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
  activate_throwing_error_handler(): number;
}

// h5wasm is an ES module; TypeScript compiled to CommonJS would turn `import()` into `require()`,
// which Node 20 refuses for ES modules. A Function-made import() stays a real dynamic import.
const dynamicImport = new Function("s", "return import(s)") as (s: string) => Promise<H5wasm>;
let loading: Promise<{ h5: H5wasm; module: H5Module }> | undefined;

/**
 * Loads h5wasm once (its ES build with the wasm inlined, using emscripten's in-memory file system, so it
 * works the same in Node and in a browser) and makes HDF5 errors throw instead of printing to stderr.
 */
export function loadH5wasm(): Promise<{ h5: H5wasm; module: H5Module }> {
  loading ??= (async () => {
    const h5 = await dynamicImport("h5wasm");
    const module = (await h5.ready) as unknown as H5Module;
    module.activate_throwing_error_handler();
    return { h5, module };
  })();
  return loading;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the HDF5 signature is at offset 0 or after a user block (512, 1024, 2048, ... bytes). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
    if (at >= 1 << 20) break;
  }
  return false;
}

let counter = 0;

/** An HDF5 file opened from bytes in h5wasm's in-memory file system; `close()` frees it. */
export interface OpenH5 {
  h5: H5wasm;
  file: File;
  /** base name of the file, for messages */
  name: string;
  /** size of the file in bytes (bounds uncompressed datasets) */
  size: number;
  module: H5Module;
  close(): void;
}

/** Opens HDF5 bytes; a truncated or damaged file throws an error naming the file and HDF5's reason. */
export async function openH5(bytes: Uint8Array, name: string, where: string): Promise<OpenH5> {
  const { h5, module } = await loadH5wasm();
  const path = `/ivae-${process.pid}-${++counter}.h5`;
  module.FS.writeFile(path, bytes);
  let file: File;
  try {
    file = new h5.File(path, "r");
    if (file.file_id < 0n) throw new Error("file id < 0");
  } catch (e) {
    module.FS.unlink(path);
    fileError(where, name, `not a readable HDF5 file (${hdf5Reason(e)}); the file is truncated or damaged`);
  }
  return {
    h5,
    file,
    name,
    size: bytes.length,
    module,
    close() {
      file.close();
      module.FS.unlink(path);
    },
  };
}

/** The last "minor:" line of an HDF5 error stack (the most specific reason), or the message. */
export function hdf5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const minors = [...text.matchAll(/minor:\s*([^\n]+)/g)].map((m) => m[1].trim());
  return minors.length > 0 ? minors[minors.length - 1] : text.split("\n")[0].slice(0, 200);
}

/** The entity at `path` when it is a group, else undefined. */
export function groupAt(f: OpenH5, path: string): Group | undefined {
  const e = safeGet(f, path);
  return e instanceof f.h5.Group ? e : undefined;
}

/** The entity at `path` when it is a dataset, else undefined. */
export function datasetAt(f: OpenH5, path: string): Dataset | undefined {
  const e = safeGet(f, path);
  return e instanceof f.h5.Dataset ? e : undefined;
}

function safeGet(f: OpenH5, path: string): unknown {
  try {
    return f.file.get(path);
  } catch {
    return undefined;
  }
}

/** All attributes of a group or dataset as JSON values (unreadable attributes are skipped). */
export function attrs(obj: Group | Dataset): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj.attrs)) {
    try {
      out[k] = obj.get_attribute(k, true);
    } catch {
      // an attribute of a type h5wasm cannot convert (e.g. a reference) is of no use to us
    }
  }
  return out;
}

/** A string attribute (or the first element of a string array attribute). */
export function attrString(a: Record<string, unknown>, key: string): string | undefined {
  const v = a[key];
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return undefined;
}

/** A numeric attribute (numbers, numeric strings and one-element arrays). */
export function attrNumber(a: Record<string, unknown>, key: string): number | undefined {
  let v = a[key];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

const MAX_ELEMENTS = 1 << 29;

/** A numeric dataset as float32 in C order with its shape and element type name. */
export interface H5Array {
  data: Float32Array;
  shape: number[];
  dtype: string;
}

/**
 * Reads a numeric dataset as float32. Rejects strings, compound (complex) and other non-numeric types, and
 * bounds the allocation: an uncompressed dataset cannot be larger than the file; a compressed one is capped
 * at 2^29 elements. float16 (HyperSpy's "<e") is read raw and converted here, since h5wasm has no Float16Array.
 */
export function readNumeric(f: OpenH5, ds: Dataset, where: string): H5Array {
  const md = ds.metadata;
  const shape = md.shape ?? [];
  const path = ds.path;
  if (md.type !== 0 && md.type !== 1) {
    const kind = md.type === 6 ? "compound (e.g. complex)" : md.type === 3 ? "string" : `HDF5 class ${md.type}`;
    fileError(where, f.name, `dataset ${path} holds ${kind} values; expected integers or floats`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const nbytes = count * md.size;
  let compressed = false;
  try {
    compressed = (ds.filters ?? []).length > 0;
  } catch {
    compressed = true;
  }
  if (!compressed && nbytes > f.size) {
    fileError(
      where,
      f.name,
      `dataset ${path} claims ${nbytes} bytes but the file has ${f.size}; the file is truncated or corrupt`,
    );
  }
  if (count > MAX_ELEMENTS) {
    fileError(
      where,
      f.name,
      `dataset ${path} has ${count} elements (shape [${shape.join(", ")}]); at most ${MAX_ELEMENTS} are read`,
    );
  }
  const dtype = (md.type === 1 ? "float" : md.signed ? "int" : "uint") + 8 * md.size;
  let raw: unknown;
  try {
    raw = md.type === 1 && md.size === 2 ? rawFloat16(f, ds, nbytes) : ds.value;
  } catch (e) {
    fileError(where, f.name, `cannot read dataset ${path} (${hdf5Reason(e)}); the file is truncated or damaged`);
  }
  let data: Float32Array;
  if (raw instanceof Float32Array) data = raw;
  else if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) data = Float32Array.from(raw, Number);
  else if (ArrayBuffer.isView(raw)) data = Float32Array.from(raw as unknown as ArrayLike<number>);
  else if (typeof raw === "number") data = Float32Array.of(raw);
  else fileError(where, f.name, `dataset ${path} did not read as numbers`);
  if (data.length !== count) fileError(where, f.name, `dataset ${path} read ${data.length} values, expected ${count}`);
  return { data, shape, dtype };
}

function rawFloat16(f: OpenH5, ds: Dataset, nbytes: number): Float32Array {
  const M = f.module;
  const ptr = M._malloc(nbytes);
  if (!ptr) fileError("readNumeric", f.name, `cannot allocate ${nbytes} bytes for ${ds.path}`);
  try {
    M.get_dataset_data(f.file.file_id, ds.path, null, null, null, BigInt(ptr));
    const raw = M.HEAPU8.slice(ptr, ptr + nbytes);
    const dv = new DataView(raw.buffer);
    const le = ds.metadata.littleEndian;
    const out = new Float32Array(nbytes / 2);
    for (let i = 0; i < out.length; i++) out[i] = halfToNumber(dv.getUint16(2 * i, le));
    return out;
  } finally {
    M._free(ptr);
  }
}

/** A scalar or 1-D string dataset as text (Velox stores its JSON documents this way). */
export function readText(ds: Dataset): string | undefined {
  try {
    const v = ds.value as unknown;
    if (typeof v === "string") return v;
    if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  } catch {
    // unreadable text is treated as absent
  }
  return undefined;
}
