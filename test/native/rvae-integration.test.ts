import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { RVAE } from "../../src/models";
import { coordDecoderName, setCoordDecoder } from "../../src/models/coord-decoder";
import { train } from "../../src/training";
import { blobImages } from "./blob-images";
import { coordDecoderNative } from "../../src/native/coord-decoder";
import { nativeAvailable } from "../../src/native/addon";
import { frameScoresHook, resampleHook } from "../../src/native/hooks";

// The native decoder plugged into a real rVAE (rotation, translation, skip offsets): training with it
// follows the tfjs reference step for step (losses and weights), and decoding gives the same images.

async function run(native: boolean, skip: boolean) {
  // the decoder in use before (native when src/native was imported) is put back after, so later test files see it
  const before = coordDecoderName();
  setCoordDecoder(native ? coordDecoderNative : null, "native");
  // Only the decoder differs between the two runs: the pose encoder's native kernels (on when another test
  // file imported src/index) stay off. Its near-zero gradient entries (saturated scorer channels, ~1e-7)
  // differ by rounding between kernels, and Adam turns such sign noise into lr-sized steps, so with the native
  // scorer the two decoders' runs part by ~3e-5 on pose.0.b after 6 steps (test/native/frame-scorer.test.ts
  // checks the scorer's values and gradients themselves).
  const saved = { scorer: frameScoresHook.kernel, ...resampleHook };
  frameScoresHook.kernel = resampleHook.polar = resampleHook.normalised = null;
  try {
    const model = new RVAE({ imageShape: [10, 10], decoderHidden: [24, 24, 24], skip, seed: 3 });
    const hist = await train(model, blobImages(24, 10), { epochs: 2, batchSize: 8, seed: 5, progress: false });
    const decoded = model.decode(
      [
        [0.3, -0.2],
        [1, 0.5],
      ],
      { angle: [0.4, -1], dx: [1, 0], dy: [0, -1] },
    );
    const w = model.getWeights();
    model.dispose();
    return { loss: hist.loss, decoded: decoded.data, w };
  } finally {
    if (before === "native") setCoordDecoder(coordDecoderNative, "native");
    else setCoordDecoder(null);
    frameScoresHook.kernel = saved.scorer;
    resampleHook.polar = saved.polar;
    resampleHook.normalised = saved.normalised;
  }
}

describe("native decoder inside the rVAE", function () {
  let backend = "";
  before(async function () {
    if (!nativeAvailable()) this.skip();
    backend = tf.getBackend();
    await tf.setBackend("cpu");
    await tf.ready();
  });
  after(async () => {
    if (backend) await tf.setBackend(backend);
  });

  for (const skip of [false, true]) {
    it(
      `trains like the tfjs reference (${skip ? "skip-rVAE" : "rVAE"}): same losses, weights and decoded ` + `images`,
      async function () {
        const ref = await run(false, skip);
        const nat = await run(true, skip);
        ref.loss.forEach((l, i) =>
          assert.ok(Math.abs(l - nat.loss[i]) <= 1e-4 * Math.abs(l), `epoch ${i + 1} loss ${nat.loss[i]} vs ${l}`),
        );
        for (const [name, w] of ref.w) {
          const v = nat.w.get(name)!;
          let worst = 0,
            scale = 1e-3;
          for (let i = 0; i < w.length; i++) {
            worst = Math.max(worst, Math.abs(w[i] - v[i]));
            scale = Math.max(scale, Math.abs(w[i]));
          }
          // the pose scorer (pose.*) gets near-zero gradient entries whose sign flips with the decoder's rounding;
          // Adam turns each into a step of up to ~lr, so there the bound is what 6 steps of lr 1e-3 can move
          const bound = name.startsWith("pose.") ? Math.max(1e-3 * scale, 6 * 1e-3) : 1e-3 * scale;
          assert.ok(worst <= bound, `${name}: weights differ by ${worst}`);
        }
        let worst = 0;
        ref.decoded.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - nat.decoded[i]))));
        assert.ok(worst < 1e-4, `decoded images differ by ${worst}`);
      },
    );
  }
});
