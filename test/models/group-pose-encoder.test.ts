import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError, loadModel, RVAE, train } from "../../src/index";
import { rotateImages } from "../../src/data/rotate";
import { basisSize, filterBasis, groupTable } from "../../src/models/group-conv";
import { GroupPoseScorer } from "../../src/models/parts/group-pose-scorer";
import { channelCentroids } from "../../src/models/channel-images";
import { ParamStore } from "../../src/models/params";
import { Random } from "../../src/util/random";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

/** Each H×H image turned by a quarter turn counter-clockwise as displayed (an exact permutation of pixels). */
function quarterTurn(data: Float32Array, n: number, H: number): Float32Array {
  const out = new Float32Array(data.length);
  // output (i, j) shows input (j, H − 1 − i): the point at display angle φ moves to φ + 90°
  for (let b = 0; b < n; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) out[b * H * H + i * H + j] = data[b * H * H + j * H + (H - 1 - i)];
  return out;
}

function scoresOf(s: GroupPoseScorer, data: Float32Array, n: number, H: number): Float32Array {
  const t = s.scores(data, n, 1, channelCentroids(data, n, 1, H, H));
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v.slice();
}

const wrap = (a: number) => Math.atan2(Math.sin(a), Math.cos(a));

describe("models: group-convolution pose encoder (poseEncoder: group)", () => {
  before(useBackend);

  it("turns the steerable filter basis: a quarter turn permutes taps, every angle keeps each function's norm", () => {
    for (const k of [3, 5]) {
      const nb = basisSize(k);
      const b0 = filterBasis(k, 0),
        b90 = filterBasis(k, Math.PI / 2);
      // tap (i, j) of the basis turned CCW by 90° reads the unturned basis at (j, k − 1 − i): R(−90°)(x, y) = (y, −x)
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          for (let f = 0; f < nb; f++) {
            const want = b0[(j * k + (k - 1 - i)) * nb + f];
            assert.ok(Math.abs(b90[(i * k + j) * nb + f] - want) < 1e-6, `k ${k}, tap (${i}, ${j}), function ${f}`);
          }
      for (const alpha of [Math.PI / 8, Math.PI / 4, 1]) {
        const b = filterBasis(k, alpha);
        for (let f = 0; f < nb; f++) {
          let n2 = 0;
          for (let p = 0; p < k * k; p++) n2 += b[p * nb + f] ** 2;
          // a filter turned by pixel interpolation loses ~20–50 % of its energy at 45°; the sampled basis keeps it
          assert.ok(Math.abs(Math.sqrt(n2) - 1) < 0.05, `k ${k}, α ${alpha}, function ${f}: norm ${Math.sqrt(n2)}`);
        }
      }
    }
  });

  it("group table: row (q, r, s) reads the input rotation r − s", () => {
    const k = 3,
      R = 4;
    const t = groupTable(k, R);
    const nb = basisSize(k);
    assert.deepEqual(t.shape, [k * k * R * R, nb * R]);
    // tap q = 1 (above the centre), input rotation r = 1, output rotation s = 3: only columns of rotation
    // (1 − 3) mod 4 = 2, holding the basis turned by 3 quarter turns at that tap
    const row = (1 * R + 1) * R + 3;
    const cols = t.shape[1];
    const turned = filterBasis(k, (3 * Math.PI) / 2);
    for (let c = 0; c < cols; c++) {
      const v = t.values[row * cols + c];
      if (c % R !== 2) assert.equal(v, 0, `column ${c}`);
      else assert.ok(Math.abs(v - turned[1 * nb + Math.floor(c / R)]) < 1e-7);
    }
  });

  it("is equivariant: a quarter turn shifts the scores by R/4 bins; 45° moves the posterior one bin", () => {
    const H = 28,
      R = 8;
    const params = new ParamStore();
    const s = new GroupPoseScorer(params, H, H, R, 8, 1, new Random(3));
    const { images } = renderShapes(4, H, { maxAngle: Math.PI, seed: 5, sizes: [0.8] });
    const n = images.n;
    const a = scoresOf(s, images.data, n, H);
    const b = scoresOf(s, quarterTurn(images.data, n, H), n, H);
    let spread = 0;
    for (let i = 0; i < n; i++)
      for (let r = 0; r < R; r++) {
        const shifted = b[i * R + ((r + R / 4) % R)];
        assert.ok(Math.abs(shifted - a[i * R + r]) < 1e-4 * (1 + Math.abs(a[i * R + r])), `image ${i}, bin ${r}`);
        spread = Math.max(spread, Math.abs(a[i * R + r] - a[i * R]));
      }
    assert.ok(spread > 1e-3, `the scores differ between rotations (spread ${spread})`);
    // ±45° (one bin) by bicubic resampling: of all cyclic shifts, ±1 bin matches best
    for (const [angle, want] of [
      [Math.PI / 4, 1],
      [-Math.PI / 4, R - 1],
    ]) {
      const c = scoresOf(s, rotateImages(images, { angle }).images.data, n, H);
      for (let i = 0; i < n; i++) {
        const err = (sh: number) => {
          let e = 0;
          for (let r = 0; r < R; r++) e += (c[i * R + ((r + sh) % R)] - a[i * R + r]) ** 2;
          return e;
        };
        for (let sh = 0; sh < R; sh++)
          if (sh !== want) assert.ok(err(want) < err(sh), `image ${i}, ${angle} rad: shift ${want} vs ${sh}`);
      }
    }
    params.dispose();
  });

  it("encodes turned images with the angle turned and the same z; gradients are finite and reach the scorer", () => {
    const H = 28;
    const m = new RVAE({ imageShape: [H, H], poseEncoder: "group", translation: true, seed: 2, groupRotations: 8 });
    const { images } = renderShapes(6, H, { maxAngle: Math.PI, seed: 9, sizes: [0.8] });
    const e0 = m.encode(images);
    const e1 = m.encode({ ...images, data: quarterTurn(images.data, images.n, H) });
    for (let i = 0; i < images.n; i++) {
      assert.ok(Math.abs(wrap(e1.angle[i] - e0.angle[i] - Math.PI / 2)) < 1e-3, `angle of image ${i}`);
      for (let d = 0; d < 2; d++) assert.ok(Math.abs(e1.zMean[2 * i + d] - e0.zMean[2 * i + d]) < 1e-3, "z");
    }
    const x = tf.tensor2d(images.data, [images.n, H * H]);
    const { value, grads } = tf.variableGrads(() => m.lossTerms(x, null, { seed: 1 }).loss);
    assert.ok(Number.isFinite(value.dataSync()[0]));
    const names = m.params.names;
    for (const [k, g] of Object.entries(grads)) assert.ok(g.dataSync().every(Number.isFinite), `gradient of ${k}`);
    const scorerGrad = Object.entries(grads)
      .filter(([k]) => names[m.params.vars.findIndex((v) => v.name === k)]?.startsWith("group."))
      .map(([, g]) => g.abs().max().dataSync()[0]);
    assert.equal(scorerGrad.length, 5, "group.0.W, group.0.b, group.1.W, group.1.b, group.2.W");
    assert.ok(Math.max(...scorerGrad) > 0, "the scorer learns through the windowed angle");
    tf.dispose([x, value, ...Object.values(grads)]);
    m.dispose();
  });

  it("stores its options only when set, saves and loads, and refuses bad values", async () => {
    const plain = new RVAE({ imageShape: [16, 16] });
    assert.equal(plain.config.groupRotations, undefined);
    assert.equal(plain.config.groupChannels, undefined);
    assert.ok(!plain.params.names.some((k) => k.startsWith("group.")));
    plain.dispose();
    const m = new RVAE({ imageShape: [16, 16], poseEncoder: "group", groupChannels: 4, frameCandidates: 2 });
    assert.equal(m.config.poseEncoder, "group");
    assert.equal(m.config.groupRotations, 8);
    assert.equal(m.config.groupChannels, 4);
    assert.equal(m.config.rotationSteps, undefined, "the polar scorer's steps are not stored");
    const { images } = renderShapes(3, 16, { seed: 4, sizes: [0.8] });
    const back = await loadModel(m.toArtifacts());
    assert.deepEqual(back.config, m.config);
    const a = m.encode(images),
      b = back.encode(images);
    assert.deepEqual(Array.from(b.zMean), Array.from(a.zMean));
    assert.deepEqual(Array.from(b.angle!), Array.from(a.angle!));
    back.dispose();
    m.dispose();
    for (const bad of [
      { poseEncoder: "group" as const, groupRotations: 6 },
      { poseEncoder: "group" as const, groupRotations: 64 },
      { poseEncoder: "group" as const, groupChannels: 0 },
      { groupRotations: 8 },
      { poseEncoder: "group" as const, poseKernelHarmonics: 2 },
      { poseEncoder: "group" as const, rotationSteps: 32 },
    ]) {
      assert.throws(() => new RVAE({ imageShape: [16, 16], ...bad }), IvaeInputError, JSON.stringify(bad));
    }
  });

  it("trains with the frame posterior over its bins, reporting the discrete pose KL (klFrame ≤ log R)", async () => {
    const H = 16;
    const m = new RVAE({
      imageShape: [H, H],
      poseEncoder: "group",
      groupChannels: 4,
      frameCandidates: 2,
      framePosterior: true,
      decoderHidden: [16, 16],
      encoderHidden: [16],
      seed: 1,
    });
    const { images } = renderShapes(32, H, { maxAngle: Math.PI, seed: 2, sizes: [0.8] });
    const before = tf.memory().numTensors;
    const h = await train(m, images, { epochs: 2, batchSize: 16, seed: 1, progress: false });
    assert.equal(tf.memory().numTensors, before, "no tensor left behind by training");
    const kl = h.terms.klFrame;
    assert.ok(kl && kl.length === 2, "klFrame reported per epoch");
    for (const v of kl) assert.ok(v >= 0 && v <= Math.log(8) + 1e-4, `klFrame ${v}`);
    assert.ok(h.loss.every(Number.isFinite));
    m.dispose();
  });
});
