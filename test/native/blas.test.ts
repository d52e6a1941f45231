import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { nativeAvailable, nativeInfo, setNativeBlas } from "../../src/native/addon";

// OpenBLAS is optional (native/src/blas.cc loads libopenblas.so.0 at run time): the addon reports what its dense
// products run on, IVAE_NATIVE_BLAS=0 or a missing library leave them on the addon's own micro-kernel, and the
// switch used by the other tests really switches. Values of both paths: dense.test.ts, vae-step.test.ts.

/** info() of the addon loaded in a child process with the given IVAE_NATIVE_BLAS. */
function childInfo(blasEnv: string): { blas: string; blasOn: boolean } {
  const addon = path.resolve(__dirname, "..", "..", "native", "build", "Release", "ivae_native.node");
  const r = spawnSync(
    process.execPath,
    ["-e", `console.log(JSON.stringify(require(${JSON.stringify(addon)}).info()))`],
    {
      env: { ...process.env, IVAE_NATIVE_BLAS: blasEnv },
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim());
}

/** Threads of a child process after one threaded matmul, with the given IVAE_NATIVE_BLAS. */
function childThreads(blasEnv: string): { blasOn: boolean; threads: number; c: number } {
  const addon = path.resolve(__dirname, "..", "..", "native", "build", "Release", "ivae_native.node");
  const code =
    `const a = require(${JSON.stringify(addon)}); const M = 256, f = new Float32Array(M * M).fill(1);` +
    `const C = new Float32Array(M * M); a.matmul(M, M, M, f, false, f, false, null, C);` +
    `console.log(JSON.stringify({ blasOn: a.info().blasOn, c: C[0],` +
    ` threads: require("fs").readdirSync("/proc/self/task").length }));`;
  const r = spawnSync(process.execPath, ["-e", code], {
    env: { ...process.env, IVAE_NATIVE_BLAS: blasEnv, IVAE_NATIVE_THREADS: "2" },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim());
}

describe("native OpenBLAS binding", function () {
  this.timeout(30000);
  after(() => setNativeBlas(true));

  it("says what the dense products run on, and can be turned off and on", function () {
    if (!nativeAvailable()) this.skip();
    const info = nativeInfo()!;
    assert.equal(typeof info.blas, "string");
    assert.equal(setNativeBlas(false), false);
    assert.equal(nativeInfo()!.blasOn, false);
    const on = setNativeBlas(true);
    assert.equal(nativeInfo()!.blasOn, on);
    // on only when OpenBLAS was found, and then it says so
    if (on) assert.match(info.blas!, /OpenBLAS/);
    else assert.match(info.blas!, /not found|not OpenBLAS|off/);
  });

  it("falls back to the addon's kernel without the library or with IVAE_NATIVE_BLAS=0", function () {
    if (!nativeAvailable()) this.skip();
    const missing = childInfo("/nonexistent/libopenblas.so.0");
    assert.equal(missing.blasOn, false);
    assert.match(missing.blas, /not found \(\/nonexistent\/libopenblas\.so\.0\): the addon's own kernels/);
    const off = childInfo("0");
    assert.equal(off.blasOn, false);
    assert.match(off.blas, /IVAE_NATIVE_BLAS=0/);
  });

  it("OpenBLAS starts no threads of its own: the process has as many threads as without it", function () {
    if (!nativeAvailable() || !fs.existsSync("/proc/self/task")) this.skip();
    const withBlas = childThreads("1"),
      without = childThreads("0");
    if (!withBlas.blasOn) this.skip(); // no OpenBLAS on this machine
    assert.equal(withBlas.c, 256);
    assert.equal(without.c, 256);
    assert.equal(withBlas.threads, without.threads);
  });
});
