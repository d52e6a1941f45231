import * as fs from "fs";
import * as path from "path";

/** The raw functions of the C++ addon (native/src/addon.cc); use the typed wrappers of this folder. */
export interface NativeAddon {
  info(): NativeInfo;
  setThreads(n: number): void;
  setIsa(name: string): void;
  /** OpenBLAS for the dense products on (when loaded) or off; returns whether it is on (addons since issue 15) */
  setBlas?(on: boolean): boolean;
  tanhScalar(x: number): number;
  /** the Bernoulli pixel loss per row and σ(l) − x (addon_loss.cc; absent in addons built before it) */
  bernoulliNll?(
    rows: number,
    n: number,
    logits: Float32Array,
    x: Float32Array,
    nll: Float32Array,
    dl: Float32Array,
  ): void;
  /** its gradients for an upstream dy[rows]: gl = dy·dl, gx = −dy·logits */
  bernoulliNllGrad?(
    rows: number,
    n: number,
    dy: Float32Array,
    dl: Float32Array,
    logits: Float32Array,
    gl: Float32Array,
    gx: Float32Array,
  ): void;
  /** [sin x, cos x] of the Fourier layer's vector routine (addons since issue 15's sin/cos; absent before) */
  sincosScalar?(x: number): [number, number];
  release(): void;
  peak(threads: number, ms: number): number;
  matmul(
    M: number,
    K: number,
    N: number,
    A: Float32Array,
    transA: boolean,
    B: Float32Array,
    transB: boolean,
    bias: Float32Array | null,
    C: Float32Array,
  ): void;
  vaeForward(
    B: number,
    encDims: Int32Array,
    decDims: Int32Array,
    x: Float32Array,
    eps: Float32Array,
    encW: Float32Array[],
    encB: Float32Array[],
    decW: Float32Array[],
    decB: Float32Array[],
    cols: Int32Array | null,
    kind: number,
    sigma: number,
    encH: Float32Array[],
    decH: Float32Array[],
    dl: Float32Array,
    nll: Float64Array,
    kl: Float64Array,
  ): void;
  vaeBackward(
    B: number,
    encDims: Int32Array,
    decDims: Int32Array,
    x: Float32Array,
    eps: Float32Array,
    encW: Float32Array[],
    decW: Float32Array[],
    cols: Int32Array | null,
    encH: Float32Array[],
    decH: Float32Array[],
    dl: Float32Array,
    a: number,
    bkl: number,
    dEncW: Float32Array[],
    dEncB: Float32Array[],
    dDecW: Float32Array[],
    dDecB: Float32Array[],
  ): void;
  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    wOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    consts: Float64Array,
  ): number;
  scorerLanes(): number;
  polarImages(
    B: number,
    H: number,
    W: number,
    K: number,
    R: number,
    rMax: number,
    x: Float32Array,
    centre: Float64Array,
    out: Float32Array,
  ): void;
  /** intensity centroids (row, col) per image, pose-encoder.ts `centroids`' float64 sums (absent in older addons) */
  centroids?(B: number, H: number, W: number, x: Float32Array, out: Float64Array): void;
  normalisedImages(
    B: number,
    H: number,
    W: number,
    x: Float32Array,
    centre: Float64Array,
    angle: Float32Array,
    out: Float32Array,
  ): void;
  scorerForward(
    B: number,
    K: number,
    R: number,
    kw: number,
    C: number,
    polar: Float32Array,
    W0: Float32Array,
    b0: Float32Array,
    W1: Float32Array,
    scoresOut: Float32Array,
    hOut: Float32Array,
  ): void;
  scorerBackward(
    B: number,
    K: number,
    R: number,
    kw: number,
    C: number,
    polar: Float32Array,
    W1: Float32Array,
    h: Float32Array,
    dscores: Float32Array,
    dW0: Float32Array,
    db0: Float32Array,
    dW1: Float32Array,
  ): void;
  forward(
    B: number,
    P: number,
    dims: Int32Array,
    coords: Float32Array,
    A: Float32Array,
    o: Float32Array,
    Ws: Float32Array[],
    bs: Float32Array[],
    zs: (Float32Array | null)[],
    wOut: Float32Array,
    /** a number for one output channel, C floats for C channels (addons with `info().outChannels`) */
    bOut: number | Float32Array,
    logitsOut: Float32Array,
    keep: boolean,
    act0?: number,
  ): number;
  backward(
    B: number,
    P: number,
    dims: Int32Array,
    coords: Float32Array,
    A: Float32Array,
    o: Float32Array,
    Ws: Float32Array[],
    bs: Float32Array[],
    zs: (Float32Array | null)[],
    wOut: Float32Array,
    bOut: number | Float32Array,
    cacheId: number,
    dlogits: Float32Array,
    dA: Float32Array,
    dO: Float32Array,
    dWs: Float32Array[],
    dbs: Float32Array[],
    dzs: (Float32Array | null)[],
    dwOut: Float32Array,
    act0?: number,
  ): number | Float32Array;
}

/** What the loaded addon runs on. */
export interface NativeInfo {
  /** instruction set picked at run time: "avx512", "avx2" or "generic" */
  isa: string;
  /** worker threads per call (IVAE_NATIVE_THREADS, default: all cores) */
  threads: number;
  /** register tile of the matrix micro-kernel, rows x columns */
  mr: number;
  nr: number;
  /** bytes held by the activation cache between a forward and its backward */
  cacheBytes: number;
  /** true when forward/backward take C output channels (a typed bOut); absent on addons built before */
  outChannels?: boolean;
  /** what the dense products run on: OpenBLAS's configuration, or why the addon's own kernel is used */
  blas?: string;
  /** whether OpenBLAS (loaded at run time from libopenblas.so.0, IVAE_NATIVE_BLAS=0 to refuse it) does them now */
  blasOn?: boolean;
  /** calls so far whose work was split over more than one thread (addons since the thread-count fix of issue 15) */
  parallelRuns?: number;
}

let loaded: NativeAddon | null | undefined;
let loadError = "";

/** Where the built addon can be: next to the sources (tsx) or next to dist/ (built package). */
function candidates(): string[] {
  const rel = path.join("native", "build", "Release", "ivae_native.node");
  const out: string[] = [];
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    out.push(path.join(dir, rel));
    dir = path.dirname(dir);
  }
  return out;
}

/**
 * Loads the native addon once. Returns null, remembering why, when IVAE_NATIVE=0 or when it was not
 * built (no compiler at set-up); callers then use the tfjs reference ops.
 */
export function loadNative(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  if (process.env.IVAE_NATIVE === "0") {
    loadError = "disabled by IVAE_NATIVE=0";
    loaded = null;
    return null;
  }
  const file = candidates().find((f) => fs.existsSync(f));
  if (!file) {
    loadError = "native/build/Release/ivae_native.node not built (run: node scripts/build-native.js)";
    loaded = null;
    return null;
  }
  try {
    // computed require: the addon is optional and must not be resolved by bundlers
    const req = eval("require") as NodeRequire;
    loaded = req(file) as NativeAddon;
  } catch (e) {
    loadError = `failed to load ${file}: ${(e as Error).message}`;
    loaded = null;
  }
  return loaded;
}

/** True when the native kernels are built, loadable and not disabled with IVAE_NATIVE=0. */
export function nativeAvailable(): boolean {
  return loadNative() !== null;
}

/** Why the native kernels are not in use ("" when they are). */
export function nativeUnavailableReason(): string {
  loadNative();
  return loadError;
}

/** Instruction set, threads and cache size of the addon, or null when it is not available. */
export function nativeInfo(): NativeInfo | null {
  const a = loadNative();
  return a ? a.info() : null;
}

/** Sets the addon's thread count (0: back to IVAE_NATIVE_THREADS or all cores). */
export function setNativeThreads(n: number): void {
  loadNative()?.setThreads(n);
}

/** Pins the instruction set ("avx512", "avx2", "generic" or "auto"); tests use it to check every path. */
export function setNativeIsa(name: "avx512" | "avx2" | "generic" | "auto"): void {
  loadNative()?.setIsa(name);
}

/**
 * Routes the dense products (the plain VAE's step, the models' large dense layers) through OpenBLAS (true; only
 * when it was found at run time) or the addon's own micro-kernel (false). Returns whether OpenBLAS is now used.
 * Tests compare both paths; results agree to float rounding.
 */
export function setNativeBlas(on: boolean): boolean {
  const a = loadNative();
  return a && typeof a.setBlas === "function" ? a.setBlas(on) : false;
}

/**
 * Measured peak fp32 GFLOP/s of the addon's matrix micro-kernel on cache-resident operands with
 * `threads` threads (default: the addon's thread count), or null without the addon.
 */
export function nativePeakGflops(threads?: number, ms = 300): number | null {
  const a = loadNative();
  return a ? a.peak(threads ?? a.info().threads, ms) : null;
}

/** Frees the activation cache the addon keeps between a forward pass and its backward pass. */
export function releaseNativeMemory(): void {
  loadNative()?.release();
}
