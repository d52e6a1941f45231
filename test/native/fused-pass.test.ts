import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { RVAE } from "../../src/models";
import type { LatentModel } from "../../src/models/model";
import { coordDecoderName, setCoordDecoder } from "../../src/models/coord-decoder";
import { bernoulliNll } from "../../src/models/elbo";
import { nativeAvailable, setNativeThreads } from "../../src/native/addon";
import { coordDecoderNative, nativeOpStats, useFusedTrainingPass } from "../../src/native/coord-decoder";
import { pixelTargetHook, withPixelTarget } from "../../src/native/hooks";
import { useNativePixelLoss } from "../../src/native/pixel-loss";
import { Random } from "../../src/util/random";
import { blobImages } from "./blob-images";
import { useBackend } from "../models/setup";

// The training pass fused with the Bernoulli pixel loss (native/src/addon.cc forwardTrain / backwardFused, issue 15):
// a training step's loss and every gradient against the same step with the three separate native passes (forward
// with the activation cache, the loss op, backward) and against the tfjs reference decoder and loss; the fused
// path must really be taken (nativeOpStats().fusedBackwardCalls), and a loss that uses the logits a second time
// must fall back to the unfused backward with the right gradient. No timing.

type Grads = { loss: number; terms: Float32Array; g: Map<string, Float32Array>; fused: number };

function step(model: LatentModel, x: tf.Tensor2D, mode: "fused" | "native" | "tfjs", pix?: Int32Array): Grads {
  const before = coordDecoderName();
  setCoordDecoder(mode === "tfjs" ? null : coordDecoderNative, "native");
  useNativePixelLoss(mode !== "tfjs");
  useFusedTrainingPass(mode === "fused");
  nativeOpStats(true);
  try {
    let terms = new Float32Array(0);
    const { value, grads } = tf.variableGrads(() => {
      const t = model.lossTerms(x, null, { seed: 4, pixelIndices: pix });
      terms = tf.tidy(() => tf.stack(Object.values(t.terms))).dataSync() as Float32Array;
      return t.loss;
    }, model.params.vars);
    const g = new Map(Object.entries(grads).map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, terms, g, fused: nativeOpStats(true).fusedBackwardCalls };
  } finally {
    setCoordDecoder(before === "native" ? coordDecoderNative : null, "native");
    useNativePixelLoss(true);
    useFusedTrainingPass(true);
  }
}

/** Every gradient within `rel` of its largest entry (and the loss within `rel`). */
function close(a: Grads, b: Grads, rel: number, what: string): void {
  assert.ok(Math.abs(a.loss - b.loss) <= rel * Math.abs(a.loss), `${what}: loss ${b.loss} vs ${a.loss}`);
  for (const [name, ga] of a.g) {
    const gb = b.g.get(name)!;
    let worst = 0,
      scale = 1e-6;
    ga.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - gb[i]));
      scale = Math.max(scale, Math.abs(v));
    });
    assert.ok(worst <= rel * scale, `${what}: ${name} differs by ${worst} (scale ${scale})`);
  }
}

function sameBits(a: Grads, b: Grads): boolean {
  return [...a.g].every(([k, v]) => {
    const w = b.g.get(k)!;
    return v.every((x, i) => Object.is(x, w[i]));
  });
}

const cases: [string, () => LatentModel, number, number][] = [
  [
    "rVAE, MLP encoder",
    () => new RVAE({ imageShape: [16, 16], decoderHidden: [32, 32], poseEncoder: "mlp", seed: 3 }),
    1,
    16,
  ],
  [
    "skip-rVAE, tanh layer 0, 2 channels",
    () =>
      new RVAE({
        imageShape: [12, 12],
        decoderHidden: [24, 24, 24],
        skip: true,
        poseEncoder: "mlp",
        coordinateFeatures: "linear",
        channels: 2,
        seed: 5,
      }),
    2,
    12,
  ],
];

describe("native decoder: the training pass fused with the pixel loss", function () {
  before(async function () {
    if (!nativeAvailable() || !useFusedTrainingPass(true)) this.skip();
    await useBackend();
  });
  after(() => setNativeThreads(0));

  for (const [title, make, C, size] of cases) {
    for (const pix of [undefined, Int32Array.from([0, 3, 7, 8, 20, 31, 50, 77, 100, 101, 140])]) {
      it(`${title}${pix ? ", pixel subset" : ""}: the loss and every gradient as the unfused and tfjs paths`, () => {
        const model = make();
        const imgs = blobImages(6 * C, size);
        const x = tf.tensor2d(imgs.data, [6, C * size * size]);
        try {
          const fused = step(model, x, "fused", pix);
          const native = step(model, x, "native", pix);
          const ref = step(model, x, "tfjs", pix);
          assert.equal(fused.fused, 1, "the fused pass was used");
          assert.equal(native.fused, 0, "the unfused run did not use it");
          fused.terms.forEach((v, i) => assert.ok(Math.abs(v - native.terms[i]) <= 1e-5 * Math.abs(v) + 1e-6));
          close(native, fused, 1e-5, "fused vs unfused native");
          close(ref, fused, 2e-4, "fused vs tfjs");
        } finally {
          x.dispose();
          model.dispose();
        }
      });
    }
  }

  it("gives the same bits on 1, 2 and 3 threads", () => {
    const model = cases[0][1]();
    const x = tf.tensor2d(blobImages(7, 16).data, [7, 256]);
    try {
      const runs = [1, 2, 3].map((t) => {
        setNativeThreads(t);
        return step(model, x, "fused");
      });
      assert.ok(runs.every((r) => r.fused === 1));
      assert.ok(sameBits(runs[0], runs[1]) && sameBits(runs[0], runs[2]), "gradients differ between thread counts");
    } finally {
      setNativeThreads(0);
      x.dispose();
      model.dispose();
    }
  });

  it("falls back to the unfused backward when the logits feed another term too", () => {
    const rng = new Random(2);
    const B = 5,
      h = 16,
      P = 100;
    const coords = tf.tensor2d(
      Float32Array.from({ length: 2 * P }, () => rng.uniform(-1, 1)),
      [P, 2],
    );
    const v = (shape: number[], s: number) =>
      tf.variable(
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => s * rng.normal()),
          shape,
        ),
      );
    const A = v([B, 2, h], 2),
      o = v([B, h], 1),
      W = v([h, h], 0.4),
      b = v([h], 0.1),
      wOut = v([h, 1], 0.4),
      bOut = v([1], 0.1);
    const x = tf.tensor2d(
      Float32Array.from({ length: B * P }, () => rng.uniform(0, 1)),
      [B, P],
    );
    const inputs = () => ({
      coords,
      A: A as unknown as tf.Tensor3D,
      o: o as unknown as tf.Tensor2D,
      layers: [{ W: W as unknown as tf.Tensor2D, b: b as unknown as tf.Tensor1D }],
      wOut: wOut as unknown as tf.Tensor2D,
      bOut: bOut as unknown as tf.Tensor1D,
      firstActivation: "sin" as const,
    });
    const vars = [A, o, W, b, wOut, bOut];
    const run = (announce: boolean) => {
      nativeOpStats(true);
      const { value, grads } = tf.variableGrads(() => {
        const logits = withPixelTarget(x, { config: { kind: announce ? "bernoulli" : "gaussian" } }, () =>
          coordDecoderNative(inputs()),
        );
        // the logits also enter a second term: their gradient is no longer the loss op's alone
        return tf.add(tf.sum(bernoulliNll(logits, x)), tf.mul(0.3, tf.sum(tf.square(logits)))) as tf.Scalar;
      }, vars);
      const out = vars.map((t) => grads[t.name].dataSync().slice() as Float32Array);
      const st = nativeOpStats(true);
      tf.dispose([value, ...Object.values(grads)]);
      return { out, st };
    };
    try {
      const announced = run(true);
      const plain = run(false);
      assert.equal(pixelTargetHook.target, null, "withPixelTarget restores the hook");
      assert.equal(announced.st.fusedBackwardCalls, 0, "the fused gradient must not be used");
      assert.equal(announced.st.backwardCalls, 1);
      plain.out.forEach((g, k) => {
        let worst = 0,
          scale = 1e-6;
        g.forEach((val, i) => {
          worst = Math.max(worst, Math.abs(val - announced.out[k][i]));
          scale = Math.max(scale, Math.abs(val));
        });
        assert.ok(worst <= 1e-5 * scale, `variable ${k}: ${worst} (scale ${scale})`);
      });
    } finally {
      tf.dispose([coords, x, ...vars]);
    }
  });
});
