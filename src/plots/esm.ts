/**
 * Loading the ESM-only vega / vega-lite packages from this CommonJS-compiled library.
 *
 * `tsc` (module commonjs) rewrites `import()` into `require()`, and `require()` of vega-lite fails
 * (its module graph uses top-level await). tslab also rewrites `import()` inside notebook cells.
 * A `Function` created here, in a module loaded by Node's own CJS loader, keeps a real dynamic
 * `import()` that Node resolves from this file, so it works from plain Node and from tslab cells
 * (which call into this module). Verified in both (test/plots/render.test.ts, test/notebooks).
 */

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

let vegaPromise: Promise<any> | undefined;
let vegaLitePromise: Promise<any> | undefined;

/** The `vega` module (loaded once, cached). */
export function loadVega(): Promise<any> {
  vegaPromise ??= importEsm("vega");
  return vegaPromise;
}

/** The `vega-lite` module (loaded once, cached). */
export function loadVegaLite(): Promise<any> {
  vegaLitePromise ??= importEsm("vega-lite");
  return vegaLitePromise;
}

/** Dynamic `import()` of any ESM package, resolved from the ivae package. */
export function importEsmModule(specifier: string): Promise<any> {
  return importEsm(specifier);
}
