import { strict as assert } from "assert";
import { loadModel, RVAE, ShiftVAE, train } from "../../src/index";
import { useBackend } from "./setup";
import { maxAbsDiff, renderShapes } from "./helpers";

const pearson = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
};

describe("models: scale latent (pyroVED's 's', issue 12)", () => {
  before(useBackend);

  it("draws the canonical image s times larger: pixel c at scale 2 shows pixel c/2 at scale 1", () => {
    const H = 9; // grid step 0.25: c/2 of every second pixel from the centre is a grid point
    const m = new RVAE({ imageShape: [H, H], scale: true, decoderHidden: [16, 16], seed: 5 });
    const z = [[0.4, -0.8]];
    const one = m.decode(z, { angle: 0.3 }).data,
      two = m.decode(z, { angle: 0.3, scale: 2 }).data;
    assert.ok(maxAbsDiff(one, two) > 1e-3, "a random decoder should depend on the scale");
    let worst = 0;
    for (let i = 0; i < H; i += 2)
      for (let j = 0; j < H; j += 2) {
        const ih = 2 + i / 2,
          jh = 2 + j / 2; // c/2 about the centre pixel (4, 4)
        worst = Math.max(worst, Math.abs(two[i * H + j] - one[ih * H + jh]));
      }
    assert.ok(worst < 1e-5, `scaled image differs by ${worst}`);
    assert.throws(() => new RVAE({ imageShape: [H, H] }).decode(z, { scale: 2 }), /no scale latent/);
    assert.throws(() => m.decode(z, { scale: 0 }), /scale must be positive/);
    m.dispose();
  });

  it("saves and loads the scale latent", async () => {
    const imgs = renderShapes(4, 10, { seed: 2 }).images;
    const m = new ShiftVAE({
      imageShape: [10, 10],
      scale: true,
      scalePrior: 0.2,
      encoderHidden: [8],
      decoderHidden: [8, 8],
    });
    const e1 = m.encode(imgs);
    const l = await loadModel(m.toArtifacts());
    assert.equal(l.config.scalePrior, 0.2);
    assert.deepEqual(Array.from(l.encode(imgs).scale!), Array.from(e1.scale!));
    assert.equal(new ShiftVAE({ imageShape: [10, 10] }).encode(imgs).scale, undefined);
    m.dispose();
    l.dispose();
  });

  it("learns the size of shapes drawn at ±20 % in its scale latent (shift-VAE, |r| ≥ 0.9)", async function () {
    this.timeout(120000);
    const H = 16;
    const sizes = Array.from({ length: 9 }, (_, i) => 0.8 + 0.05 * i);
    const d = renderShapes(300, H, { seed: 2, maxAngle: 0, maxShift: 1, sizes });
    const m = new ShiftVAE({
      imageShape: [H, H],
      latentDim: 1,
      scale: true,
      encoderHidden: [64],
      decoderHidden: [32, 32],
      seed: 1,
    });
    const h = await train(m, d.images, { epochs: 80, batchSize: 32, learningRate: 3e-3, progress: false });
    assert.deepEqual(Object.keys(h.terms), ["reconstruction", "klZ", "klOffset", "klScale"]);
    const r = pearson(m.encode(d.images).scale!, d.size);
    assert.ok(r >= 0.9, `r(scale latent, true size) = ${r.toFixed(3)}`);
    m.dispose();
  });
});
