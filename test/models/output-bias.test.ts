import { strict as assert } from "assert";
import { imageStack, mergeChannels, RVAE, VAE, train, loadModel } from "../../src/index";
import { meanIntensityLogits } from "../../src/models/output-bias";
import { useBackend } from "./setup";

const logit = (m: number) => Math.log(m / (1 - m));

/** n images of h × w whose pixels are 1 with probability ≈ `frac` (a fixed pattern, seeded by the index). */
function dots(n: number, h: number, w: number, frac: number): ReturnType<typeof imageStack> {
  const data = new Float32Array(n * h * w);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 1000 < frac * 1000 ? 1 : 0;
  return imageStack(data, n, h, w);
}

function mean(a: Float32Array): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

describe("models: the decoder's output bias can start at the data's mean (train's initOutputBias)", () => {
  before(useBackend);

  it("meanIntensityLogits is the logit of each channel's mean, finite for blank and saturated channels", () => {
    const a = dots(5, 6, 6, 0.1),
      b = dots(5, 6, 6, 0.5);
    const [la] = meanIntensityLogits(a, 1);
    assert.ok(Math.abs(la - logit(mean(a.data))) < 1e-5, `${la} vs ${logit(mean(a.data))}`);
    const two = meanIntensityLogits(mergeChannels([a, b]), 2);
    assert.ok(Math.abs(two[0] - la) < 1e-5 && Math.abs(two[1] - logit(mean(b.data))) < 1e-5, `${two}`);
    const blank = meanIntensityLogits(imageStack(new Float32Array(72), 2, 6, 6), 1)[0];
    const full = meanIntensityLogits(imageStack(new Float32Array(72).fill(1), 2, 6, 6), 1)[0];
    assert.ok(Number.isFinite(blank) && blank < -6 && Number.isFinite(full) && full > 6, `${blank}, ${full}`);
  });

  it("initOutputBias: true starts a fresh rVAE's output bias there (not a loaded one's); off by default", async () => {
    const x = dots(16, 12, 12, 0.1);
    const target = logit(mean(x.data));
    const lr = 1e-3;
    const bias = (m: RVAE | VAE) => m.getWeights().get("decoder.out.b")!;
    // one epoch of one batch of 16: one Adam step
    const oneStep = { epochs: 1, batchSize: 16, learningRate: lr, seed: 1, progress: false, initOutputBias: true };
    const fresh = new RVAE({ imageShape: [12, 12], decoderHidden: [8, 8], encoderHidden: [8], seed: 1 });
    assert.equal(fresh.fresh, true);
    await train(fresh, x, oneStep);
    // one Adam step moves the bias by at most ≈ lr from where it started
    assert.ok(Math.abs(bias(fresh)[0] - target) < 2 * lr, `bias ${bias(fresh)[0]}, data ${target}`);
    assert.equal(fresh.fresh, false);
    // a second call continues from the trained weights: the bias is not reset
    const after1 = bias(fresh)[0];
    fresh.setWeights(new Map([...fresh.getWeights()].map(([k, v]) => [k, k === "decoder.out.b" ? v.fill(3) : v])));
    await train(fresh, x, oneStep);
    assert.ok(Math.abs(bias(fresh)[0] - 3) < 2 * lr, `kept ${bias(fresh)[0]} (was ${after1}, set to 3)`);
    // a loaded model is not fresh
    const loaded = (await loadModel(fresh.toArtifacts())) as RVAE;
    assert.equal(loaded.fresh, false);
    // without the option (the default) the bias keeps its zero start
    const off = new RVAE({ imageShape: [12, 12], decoderHidden: [8, 8], encoderHidden: [8], seed: 1 });
    await train(off, x, { epochs: 1, batchSize: 16, learningRate: lr, seed: 1, progress: false });
    assert.ok(Math.abs(bias(off)[0]) < 2 * lr, `default: ${bias(off)[0]}`);
    // the plain VAE's per-pixel output layer is left as it was (its decoder has no shared bias)
    const vae = new VAE({ imageShape: [12, 12], decoderHidden: [8], encoderHidden: [8], seed: 1 });
    await train(vae, x, oneStep);
    assert.ok(Math.max(...bias(vae).map(Math.abs)) < 2 * lr, "VAE output bias moved only by its one step");
    [fresh, loaded, off, vae].forEach((m) => m.dispose());
  });
});
