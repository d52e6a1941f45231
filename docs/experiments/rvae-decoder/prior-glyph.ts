// Session 10 (docs/experiments/rotated-digits-pose.md): where does a short training put an asymmetric glyph turned
// within ±120°? The L glyph of test/models/helpers.ts, 160 images of 16 px, an rVAE with latentDim 1, encoder [32],
// decoder [32, 32], 16 trial frames, frameCandidates 2, poseWarmup 1, 4 epochs (batch 32, lr 3e-3), for model seeds
// 2, 3, 4. Prints per run R1 = |mean e^{id}| of the offsets d = inferred − true angle (1: one frame; two frames 180°
// apart: near 0) and the mean offset (0: the glyph's frame is upright). Each argument is a named JSON option set:
// Usage: npx tsx docs/experiments/rvae-decoder/prior-glyph.ts \
//   'uni fp flip={"framePosterior":true,"oppositeFrames":true}' \
//   'rot fp flip s0.8={"framePosterior":true,"oppositeFrames":true,"framePrior":"rotation","rotationPrior":0.8}'
import { selectBackend } from "../../../src/backend";
import { RVAE, RVAEOptions, train } from "../../../src/index";
import { renderShapes } from "../../../test/models/helpers";

(async () => {
  await selectBackend({ verbose: false });
  const H = 16;
  const { images, angle } = renderShapes(160, H, { seed: 4, maxAngle: (2 * Math.PI) / 3 });
  for (const arg of process.argv.slice(2)) {
    const at = arg.indexOf("=");
    const name = arg.slice(0, at),
      opts = JSON.parse(arg.slice(at + 1)) as Partial<RVAEOptions> & { epochs?: number };
    const { epochs = 4, ...model } = opts;
    for (const seed of [2, 3, 4]) {
      const m = new RVAE({
        imageShape: [H, H],
        latentDim: 1,
        encoderHidden: [32],
        decoderHidden: [32, 32],
        rotationSteps: 16,
        frameCandidates: 2,
        rotationPrior: 1.2,
        poseWarmup: 1,
        seed,
        ...model,
      });
      await train(m, images, { epochs, batchSize: 32, learningRate: 3e-3, seed: 1, progress: false });
      const enc = m.encode(images);
      let c = 0,
        s = 0;
      for (let i = 0; i < images.n; i++) {
        c += Math.cos(enc.angle[i] - angle[i]);
        s += Math.sin(enc.angle[i] - angle[i]);
      }
      const r1 = Math.hypot(c, s) / images.n,
        mean = (Math.atan2(s, c) * 180) / Math.PI;
      console.log(`${name} seed ${seed}: R1 ${r1.toFixed(3)}, mean offset ${mean.toFixed(0)}°`);
      m.dispose();
    }
  }
})();
