import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import {
  channelAt,
  IvaeInputError,
  imageStack,
  loadModel,
  mergeChannels,
  RVAE,
  ShiftVAE,
  train,
  VAE,
  type LatentModel,
} from "../../src/index";
import { Random } from "../../src/util/random";
import { coordDecoderReference } from "../../src/models/coord-decoder";
import { coordDecoderNative } from "../../src/native/coord-decoder";
import { decoderFromArtifacts } from "../../src/jupyter/decoder";
import { useBackend } from "./setup";
import { circCorr, lShape, maxAbsDiff } from "./helpers";

/**
 * A tiny ADF/ABF-like pair sharing one pose: ADF shows the L glyph bright on dark; ABF shows it with inverted
 * contrast plus a light "column" (a disc beside the L) that ADF does not show, as ABF shows oxygen columns.
 */
function adfAbfPair(n: number, H: number, seed: number) {
  const rng = new Random(seed);
  const C = 2,
    P = H * H;
  const data = new Float32Array(n * C * P);
  const angle = new Float32Array(n);
  const disc = (x: number, y: number) => 1 / (1 + Math.exp(((x + 0.45) ** 2 + (y + 0.45) ** 2 - 0.04) / 0.01));
  for (let k = 0; k < n; k++) {
    angle[k] = rng.uniform(-Math.PI, Math.PI);
    const c = Math.cos(angle[k]),
      s = Math.sin(angle[k]);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        const x = -1 + (2 * j) / (H - 1),
          y = 1 - (2 * i) / (H - 1);
        const u = c * x + s * y,
          v = -s * x + c * y; // R(−θ)(x, y): the canonical frame
        const L = lShape(u, v);
        data[(k * C + 0) * P + i * H + j] = L;
        data[(k * C + 1) * P + i * H + j] = Math.min(1, Math.max(0, 0.9 - 0.6 * L - 0.6 * disc(u, v)));
      }
    }
  }
  return { images: imageStack(data, n, H, H, C), angle };
}

/** The same model with one channel: its decoder weights are the 2-channel model's, column `c` of the output layer. */
function singleChannelCopy(two: LatentModel, one: LatentModel, c: number): void {
  const W2 = two.getWeights(),
    W1 = one.getWeights();
  // output columns per channel: 1 (coordinate decoder, [h, C]) or P (MLP decoder, [h, C·P]), channel-major
  const cols = W1.get("decoder.out.b")!.length;
  for (const k of W1.keys()) {
    if (!k.startsWith("decoder.")) continue;
    const v = W2.get(k)!;
    if (k === "decoder.out.b") W1.set(k, v.slice(c * cols, (c + 1) * cols));
    else if (k === "decoder.out.W") {
      const rows = v.length / (2 * cols);
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++)
        out.set(v.subarray(r * 2 * cols + c * cols, r * 2 * cols + (c + 1) * cols), r * cols);
      W1.set(k, out);
    } else W1.set(k, v);
  }
  one.setWeights(W1);
}

describe("models: multi-channel images (one pose and one z for all channels)", () => {
  before(useBackend);

  const H = 10,
    W = 12,
    P = H * W;
  const variants: [string, (channels: number) => LatentModel][] = [
    [
      "RVAE (Fourier layer 0)",
      (C) => new RVAE({ imageShape: [H, W], channels: C, encoderHidden: [16], decoderHidden: [16, 16], seed: 3 }),
    ],
    [
      "skip-RVAE (linear layer 0)",
      (C) =>
        new RVAE({
          imageShape: [H, W],
          channels: C,
          skip: true,
          coordinateFeatures: "linear",
          encoderHidden: [16],
          decoderHidden: [16, 16, 16],
          seed: 4,
        }),
    ],
    [
      "ShiftVAE",
      (C) => new ShiftVAE({ imageShape: [H, W], channels: C, encoderHidden: [16], decoderHidden: [16, 16], seed: 5 }),
    ],
    ["VAE", (C) => new VAE({ imageShape: [H, W], channels: C, encoderHidden: [16], decoderHidden: [16], seed: 6 })],
  ];

  for (const [name, make] of variants) {
    it(`${name}: a 2-channel decode is two 1-channel decodes with the same weights (planes [n, c, h, w])`, () => {
      const two = make(2);
      const z = [0.3, -0.7, -1.2, 0.4, 0.0, 1.5];
      const opts = {
        ...(two.config.rotation ? { angle: [0.4, -2.0, 1.1] } : {}),
        ...(two.config.translation ? { dx: [0.5, -1.0, 0.2], dy: [-0.3, 0.8, 0.0] } : {}),
      };
      const d2 = two.decode(z, opts);
      assert.equal(d2.channels, 2);
      assert.equal(d2.data.length, 3 * 2 * P);
      for (let c = 0; c < 2; c++) {
        const one = make(1);
        singleChannelCopy(two, one, c);
        const d1 = one.decode(z, opts);
        assert.equal(d1.channels, undefined, "single-channel stacks keep their old shape");
        assert.ok(maxAbsDiff(channelAt(d2, c).data, d1.data) < 1e-5, `channel ${c}`);
        // a pixel subset (training's pixelSubsample) is the same subset in every channel, channel-major
        const pix = Int32Array.from([0, 7, 31, P - 1]);
        const l2 = tf.tidy(() =>
          two
            .decodeLogits(
              tf.tensor2d([[0.2, -0.1]]),
              two.config.rotation ? tf.tensor1d([0.7]) : null,
              two.config.translation ? tf.tensor2d([[0.1, -0.05]]) : null,
              pix,
            )
            .dataSync(),
        );
        const l1 = tf.tidy(() =>
          one
            .decodeLogits(
              tf.tensor2d([[0.2, -0.1]]),
              one.config.rotation ? tf.tensor1d([0.7]) : null,
              one.config.translation ? tf.tensor2d([[0.1, -0.05]]) : null,
              pix,
            )
            .dataSync(),
        );
        assert.equal(l2.length, 2 * pix.length);
        assert.ok(maxAbsDiff(l2.subarray(c * pix.length, (c + 1) * pix.length), l1) < 1e-5);
        one.dispose();
      }
      two.dispose();
    });
  }

  it("the pose encoder reads all channels and stays equivariant: a quarter turn adds π/2, z unchanged", () => {
    const S = 16;
    const { images } = adfAbfPair(6, S, 11);
    // rotate every channel plane by 90° counter-clockwise as displayed: new[i][j] = old[j][S−1−i]
    const rot = new Float32Array(images.data.length);
    for (let p = 0; p < images.n * 2; p++)
      for (let i = 0; i < S; i++)
        for (let j = 0; j < S; j++) rot[p * S * S + i * S + j] = images.data[p * S * S + j * S + (S - 1 - i)];
    const m = new RVAE({ imageShape: [S, S], channels: 2, encoderHidden: [32], decoderHidden: [16, 16], seed: 2 });
    const a = m.encode(images),
      b = m.encode(imageStack(rot, images.n, S, S, 2));
    for (let k = 0; k < images.n; k++) {
      const d = b.angle[k] - a.angle[k] - Math.PI / 2;
      assert.ok(
        Math.abs(Math.atan2(Math.sin(d), Math.cos(d))) < 1e-3,
        `image ${k}: angle moved by ${b.angle[k] - a.angle[k]}`,
      );
    }
    assert.ok(maxAbsDiff(a.zMean, b.zMean) < 1e-3);
    // the second channel enters: changing only ABF changes z
    const abfOnly = images.data.slice();
    for (let k = 0; k < images.n; k++) abfOnly.subarray((2 * k + 1) * S * S, (2 * k + 2) * S * S).reverse();
    const c = m.encode(imageStack(abfOnly, images.n, S, S, 2));
    assert.ok(maxAbsDiff(a.zMean, c.zMean) > 1e-3, "z ignores channel 1");
    m.dispose();
  });

  it("trains on an ADF/ABF-like pair: one pose draws both channels; tensors do not leak", async () => {
    const S = 16;
    const { images, angle } = adfAbfPair(96, S, 1);
    const before = tf.memory().numTensors;
    const m = new RVAE({ imageShape: [S, S], channels: 2, encoderHidden: [64], decoderHidden: [32, 32], seed: 1 });
    const afterBuild = tf.memory().numTensors;
    const h = await train(m, images, { epochs: 40, batchSize: 16, learningRate: 3e-3, seed: 1, progress: false });
    assert.ok(h.loss[h.loss.length - 1] < 0.8 * h.loss[0], `loss ${h.loss[0]} → ${h.loss[h.loss.length - 1]}`);
    const enc = m.encode(images);
    const rec = m.reconstruct(images);
    assert.equal(rec.channels, 2);
    // both channels are reconstructed much better than by their mean image
    for (let c = 0; c < 2; c++) {
      const x = channelAt(images, c).data,
        r = channelAt(rec, c).data;
      const mean = new Float32Array(S * S);
      for (let i = 0; i < x.length; i++) mean[i % (S * S)] += x[i] / images.n;
      let err = 0,
        base = 0;
      for (let i = 0; i < x.length; i++) {
        err += (x[i] - r[i]) ** 2;
        base += (x[i] - mean[i % (S * S)]) ** 2;
      }
      // measured 0.05 (ADF) and 0.11 (ABF) at seed 1
      assert.ok(err < 0.25 * base, `channel ${c}: reconstruction error ${err} vs mean-image ${base}`);
    }
    // the pose follows the true angle (up to a constant: the canonical frame is the model's choice)
    assert.ok(Math.abs(circCorr(enc.angle, angle)) > 0.9, `circular correlation ${circCorr(enc.angle, angle)}`);
    const man = m.manifold({ steps: 3 });
    assert.equal(man.channels, 2);
    assert.equal(man.n, 9);
    assert.equal(tf.memory().numTensors, afterBuild, "train/encode/reconstruct/manifold leaked tensors");
    m.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("saves and loads channels; a single-channel config has no channels field (old saves load as 1)", async () => {
    const m = new RVAE({ imageShape: [H, W], channels: 2, encoderHidden: [8], decoderHidden: [8, 8], seed: 9 });
    const back = await loadModel(m.toArtifacts());
    assert.equal(back.config.channels, 2);
    const z = [0.5, -0.5];
    assert.deepEqual(back.decode(z, { angle: 0.3 }).data, m.decode(z, { angle: 0.3 }).data);
    const one = new RVAE({ imageShape: [H, W], seed: 9 });
    assert.ok(!("channels" in one.config));
    assert.equal(one.channels, 1);
    [m, back, one].forEach((x) => x.dispose());
  });

  it("the native decoder op serves C > 1 (C-row output layer or tfjs reference): same values and gradients", () => {
    const h = 8,
      B = 3,
      Pn = 20,
      rng = new Random(4);
    const r = (shape: number[]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(
        Float32Array.from({ length: n }, () => rng.normal() * 0.5),
        shape,
      );
    };
    const make = () => ({
      coords: r([Pn, 2]) as tf.Tensor2D,
      A: r([B, 2, h]) as tf.Tensor3D,
      o: r([B, h]) as tf.Tensor2D,
      layers: [{ W: r([h, h]) as tf.Tensor2D, b: r([h]) as tf.Tensor1D }],
      wOut: r([h, 2]) as tf.Tensor2D,
      bOut: r([2]) as tf.Tensor1D,
      firstActivation: "sin" as const,
    });
    const inputs = make();
    const f = (fn: typeof coordDecoderReference) => (wOut: tf.Tensor, o: tf.Tensor) =>
      tf.sum(tf.square(fn({ ...inputs, wOut: wOut as tf.Tensor2D, o: o as tf.Tensor2D })));
    const native = tf.tidy(() => coordDecoderNative(inputs).arraySync());
    const ref = tf.tidy(() => coordDecoderReference(inputs).arraySync());
    assert.equal(ref[0].length, 2 * Pn);
    assert.ok(maxAbsDiff(native.flat(), ref.flat()) < 2e-5); // the addon's tanh is within 1e-6 of Math.tanh
    const gn = tf.grads(f(coordDecoderNative))([inputs.wOut, inputs.o]);
    const gr = tf.grads(f(coordDecoderReference))([inputs.wOut, inputs.o]);
    gn.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), gr[i].dataSync()) < 1e-4));
    tf.dispose([...gn, ...gr, inputs as unknown as tf.TensorContainer]);
  });

  it("bad channel counts and mismatched stacks are IvaeInputErrors", async () => {
    for (const bad of [0, -1, 1.5, "2", Number.NaN]) {
      assert.throws(() => new RVAE({ imageShape: [H, W], channels: bad as number }), IvaeInputError, String(bad));
      assert.throws(() => new VAE({ imageShape: [H, W], channels: bad as number }), IvaeInputError, String(bad));
    }
    const m = new ShiftVAE({ imageShape: [H, W], channels: 2, encoderHidden: [8], decoderHidden: [8, 8] });
    const single = imageStack(new Float32Array(3 * P).fill(0.5), 3, H, W);
    assert.throws(() => m.encode(single), /1 channel\(s\) but 2 are expected/);
    const one = new ShiftVAE({ imageShape: [H, W], encoderHidden: [8], decoderHidden: [8, 8] });
    const pair = mergeChannels([single, single]);
    assert.equal(pair.channels, 2);
    assert.throws(() => one.encode(pair), /2 channel\(s\) but 1 is expected; pick one with channelAt/);
    await assert.rejects(train(one, pair, { epochs: 1, progress: false }), IvaeInputError);
    assert.throws(() => imageStack(new Float32Array(2 * P), 2, H, W, 2), IvaeInputError);
    assert.throws(() => mergeChannels([single, imageStack(new Float32Array(P), 1, H, W)]), IvaeInputError);
    assert.throws(() => channelAt(pair, 2), IvaeInputError);
    // the browser Traversal draws single-channel decoders: a 2-channel model is refused, not misread
    assert.throws(() => decoderFromArtifacts(m.toArtifacts()), /draws 2 channels/);
    m.dispose();
    one.dispose();
  });
});
