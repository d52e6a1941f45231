import { strict as assert } from "assert";
import { Random } from "../../src/util/random";
import { centroids, normalisedImages, polarImages, poseGeometry } from "../../src/models/pose-encoder";
import { useNativeFrameScorer } from "../../src/native/frame-scorer";
import { resampleHook } from "../../src/native/hooks";
import { nativeAvailable, setNativeIsa, setNativeThreads } from "../../src/native/addon";

// The addon's centroids, polar and de-rotated resampling (addon_extra.cc, resample.h: AVX2 lanes on CPUs that have
// it, the scalar loop with setIsa("generic")) give the JS code's float32 results bit for bit: the same float64
// operations in the same order, out-of-frame corners adding +0. Images whose width is not a multiple of the four
// lanes, centres off the frame and samples outside it, 1 and 2 threads. No timing.

function firstDifference(want: Float32Array, got: Float32Array): string | null {
  if (want.length !== got.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(want[i], got[i]) && !(want[i] === 0 && got[i] === 0)) return `[${i}]: ${got[i]} vs JS ${want[i]}`;
  }
  return null;
}

describe("native resampling of the equivariant pose encoder: bit-identical to the JS", function () {
  const saved = { ...resampleHook };
  after(function () {
    if (nativeAvailable()) {
      setNativeIsa("auto");
      setNativeThreads(0);
    }
    Object.assign(resampleHook, saved);
  });

  it("centroids, polar and de-rotated images equal the JS's on every instruction set, 1 and 2 threads", function () {
    if (!nativeAvailable()) this.skip();
    useNativeFrameScorer(true);
    const native = { ...resampleHook };
    const rng = new Random(5);
    for (const [H, W, B, K] of [
      [48, 48, 6, 64],
      [13, 17, 4, 36],
      [9, 30, 3, 7],
    ]) {
      const x = Float32Array.from({ length: B * H * W }, () => rng.uniform(-0.2, 1));
      x.fill(-0.5, 0, H * W); // an image without a positive pixel: the centroid is the image centre
      Object.assign(resampleHook, { centroids: null });
      const wantC = centroids(x, B, H, W);
      const c = wantC.slice();
      c[0] += 0.37; // off-centre: samples fall outside the frame
      c[2 * (B - 1) + 1] = W + 3.25; // a centre outside the frame
      const angle = Float32Array.from({ length: B }, () => rng.uniform(-7, 7));
      const g = poseGeometry(H, W, K);
      Object.assign(resampleHook, { centroids: null, polar: null, normalised: null });
      const wantP = polarImages(x, B, g, c),
        wantN = normalisedImages(x, B, H, W, c, angle);
      Object.assign(resampleHook, native);
      for (const isa of ["avx512", "avx2", "generic"] as const) {
        try {
          setNativeIsa(isa);
        } catch {
          continue; // not on this CPU
        }
        for (const threads of [1, 2]) {
          setNativeThreads(threads);
          const where = `${H}x${W}, K ${K}, ${isa}, ${threads} threads`;
          const gotC = centroids(x, B, H, W);
          assert.ok(
            gotC.every((v, i) => v === wantC[i]),
            `centroids ${where}: ${gotC} vs JS ${wantC}`,
          );
          assert.equal(firstDifference(wantP, polarImages(x, B, g, c)), null, `polar ${where}`);
          assert.equal(firstDifference(wantN, normalisedImages(x, B, H, W, c, angle)), null, `de-rotated ${where}`);
        }
      }
    }
  });
});
