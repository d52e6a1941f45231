import { strict as assert } from "assert";
import { RVAE, VAE } from "../../src/index";
import { train } from "../../src/training";
import { blobImages } from "./blob-images";
import { loadNative, nativeAvailable, nativeInfo, setNativeBlas, setNativeThreads } from "../../src/native/addon";
import type { LatentModel } from "../../src/models/model";
import { Random } from "../../src/util/random";
import { useBackend } from "../models/setup";

// Issue 15 / the ground rule "same seed, same data, same trained numbers": the native kernels' sums (the
// decoder's weight and bias gradients, the frame scorer's gradients, the products of the plain VAE's step) must
// not depend on how many threads share the work. Each model is trained for a few steps with 1, 2 and 3 threads
// and the losses and every weight must be equal bit for bit; info().parallelRuns checks that 2 and 3 threads
// really split the work (shapes chosen so the decoder has 16 (image, tile) tasks and the VAE's products exceed
// the addon's one-thread threshold).

async function trained(make: () => LatentModel, size: number, threads: number) {
  setNativeThreads(threads);
  const before = nativeInfo()!.parallelRuns ?? 0;
  const model = make();
  try {
    const hist = await train(model, blobImages(24, size), { epochs: 2, batchSize: 8, seed: 5, progress: false });
    return { loss: hist.loss, w: model.getWeights(), split: (nativeInfo()!.parallelRuns ?? 0) - before };
  } finally {
    model.dispose();
  }
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length),
    y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

const models: [string, number, () => LatentModel][] = [
  [
    "rVAE (MLP encoder)",
    16,
    () => new RVAE({ imageShape: [16, 16], decoderHidden: [32, 32], poseEncoder: "mlp", seed: 3 }),
  ],
  [
    "rVAE (equivariant pose encoder)",
    16,
    () => new RVAE({ imageShape: [16, 16], decoderHidden: [32, 32], poseEncoder: "equivariant", seed: 3 }),
  ],
  ["skip-rVAE", 16, () => new RVAE({ imageShape: [16, 16], decoderHidden: [32, 32, 32], skip: true, seed: 3 })],
  ["plain VAE", 32, () => new VAE({ imageShape: [32, 32], encoderHidden: [64], decoderHidden: [64], seed: 3 })],
];

describe("native kernels: the same trained numbers for any thread count", function () {
  let threads = 0;
  before(async function () {
    if (!nativeAvailable()) this.skip();
    if (nativeInfo()!.parallelRuns === undefined) this.skip(); // an addon built before the fix
    await useBackend();
    threads = nativeInfo()!.threads;
  });
  after(() => {
    if (threads) setNativeThreads(0);
    setNativeBlas(true);
  });

  for (const blas of [true, false]) {
    for (const [name, size, make] of models) {
      const title = `${name}${blas ? "" : ", addon's own gemm"}: 1, 2 and 3 threads give identical losses and weights`;
      it(title, async () => {
        if (setNativeBlas(blas) !== blas) return; // no OpenBLAS on this machine: the own-gemm case covers it
        const ref = await trained(make, size, 1);
        assert.equal(ref.split, 0, "one thread must not split");
        for (const nt of [2, 3]) {
          const got = await trained(make, size, nt);
          assert.ok(got.split > 0, `${nt} threads: no call was split over threads (the test would prove nothing)`);
          assert.deepEqual(got.loss, ref.loss, `${nt} threads: losses`);
          for (const [k, v] of ref.w) assert.ok(sameBits(got.w.get(k)!, v), `${nt} threads: weight ${k} differs`);
        }
      });
    }
  }

  it("matmul: every shape and transpose gives the same bits on 1 to 5 threads", () => {
    const addon = loadNative()!;
    const rnd = new Random(4);
    for (const blas of [true, false]) {
      if (setNativeBlas(blas) !== blas) continue;
      for (const [M, K, N, tA, tB] of [
        [203, 301, 70, false, false],
        [64, 1000, 130, true, false],
        [517, 40, 33, false, true],
      ] as [number, number, number, boolean, boolean][]) {
        const A = Float32Array.from({ length: M * K }, () => rnd.normal());
        const B = Float32Array.from({ length: K * N }, () => rnd.normal());
        const bias = Float32Array.from({ length: N }, () => rnd.normal());
        const out = (nt: number) => {
          setNativeThreads(nt);
          const C = new Float32Array(M * N);
          addon.matmul(M, K, N, A, tA, B, tB, bias, C);
          return C;
        };
        const ref = out(1);
        for (const nt of [2, 3, 5]) assert.ok(sameBits(out(nt), ref), `${M}x${K}x${N} blas ${blas}: ${nt} threads`);
      }
    }
  });
});
