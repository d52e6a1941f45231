// Session 14 prototype (tf.layers `fit`, unseeded: runs vary by about ±0.02): a rotation-prediction network (RotNet,
// Gidaris et al. 2018) trained on the digits held in their synchronised frames (or, raw=1, on the digits as given),
// turned by random known angles; its prediction on each digit as given, read as the argmax or the circular mean, or
// as an anchor of the synchronisation (lam=λ). The library's version is src/analysis/upright-pose.ts (upright.ts).
// Usage: npx tsx docs/experiments/rvae-decoder/sync-rotnet.ts [seed=1] [n=4000] [epochs=8] [bins=36] [rounds=1]
//   [folds=1] [raw=1] [lam=0] [test=1] [oracle=1] [hidden=256] [layers=2] (net=cnn needs a backend with conv gradients)
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import { digits, rotateImages, synchroniseAngles, circularCorrelation } from "../../../src/index";
import { DIGITS_SYNC } from "../../../scripts/results/config";
import { asymmetricRho } from "./angle-score";

const arg = (k: string, d: number) =>
  Number((process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1]);
const str = (k: string, d: string) => (process.argv.find((a) => a.startsWith(k + "=")) ?? `=${d}`).split("=")[1];
const seed = arg("seed", 1),
  epochs = arg("epochs", 8),
  B = arg("bins", 36),
  net = str("net", "mlp");
const TWO_PI = 2 * Math.PI;

/** Per image, the circular mean of its distribution over the B bins (rows of p), times the sign convention sg. */
function meanDirection(p: Float32Array, count: number, sg: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => {
    let c = 0,
      sn = 0;
    for (let b = 0; b < B; b++) {
      c += p[i * B + b] * Math.cos((b * TWO_PI) / B);
      sn += p[i * B + b] * Math.sin((b * TWO_PI) / B);
    }
    return sg * Math.atan2(sn, c);
  });
}

function build(): tf.LayersModel {
  const m = tf.sequential();
  if (net === "cnn") {
    m.add(
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: "relu", padding: "same" }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu", padding: "same" }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 128, activation: "relu" }));
  } else {
    m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
    for (let l = 0; l < arg("layers", 2); l++)
      m.add(tf.layers.dense({ units: arg("hidden", 256), activation: "relu" }));
  }
  m.add(tf.layers.dense({ units: B }));
  m.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p),
  });
  return m;
}

async function main() {
  await selectBackend();
  const { train: tr, test: te } = digits.rotatedSplit({ n: arg("n", 4000), seed, testFraction: 0.25 });
  const n = tr.images.n;
  const t0 = Date.now();
  const sync = synchroniseAngles(tr.images, DIGITS_SYNC);
  let angle = Float32Array.from(process.argv.includes("oracle=1") ? tr.angle : sync.angle);
  // raw=1: the net learns from the digits as given (their poses are spread about upright, not uniform), not from
  // synchronised frames
  const raw = process.argv.includes("raw=1");
  // sign convention: the synchronised angle should follow the applied rotation (+) or its negative (−)
  const sgn = circularCorrelation(
    [...angle].filter((_, i) => tr.labels[i] === 7),
    [...tr.angle].filter((_, i) => tr.labels[i] === 7),
  );
  console.log(`sync ${((Date.now() - t0) / 1000).toFixed(1)} s: ${asymmetricRho(angle, tr)} (sign ${sgn.toFixed(2)})`);
  const s = Math.sign(sgn);
  for (let round = 0; round < arg("rounds", 1); round++) {
    // the digits in the common frame: undo each one's synchronised angle
    const upright =
      raw && round === 0
        ? tr.images
        : rotateImages(tr.images, { angle: Float32Array.from(angle, (a) => -s * a) }).images;
    // cross-fitting: each digit's prediction comes from a net that never saw that digit (its own label may be a
    // half-turn; a net that saw it would memorise it)
    const K = arg("folds", 1);
    const p = new Float32Array(n * B);
    const t1 = Date.now();
    for (let f = 0; f < K + (process.argv.includes("test=1") ? 1 : 0); f++) {
      const inFold = (i: number) => K > 1 && f < K && i % K === f;
      const trainIdx = [...Array(n).keys()].filter((i) => !inFold(i));
      const m = trainIdx.length;
      const model = build();
      for (let ep = 0; ep < epochs; ep++) {
        const turns = rotateImages(upright, { maxAngle: Math.PI, seed: seed * 1000 + round * 100 + ep });
        const x = new Float32Array(m * 784);
        const y = new Float32Array(m * B);
        trainIdx.forEach((i, r) => {
          x.set(turns.images.data.subarray(i * 784, (i + 1) * 784), r * 784);
          const a = (((turns.angle[i] * s) % TWO_PI) + TWO_PI) % TWO_PI;
          y[r * B + (Math.round((a / TWO_PI) * B) % B)] = 1;
        });
        const xs = tf.tensor4d(x, [m, 28, 28, 1]);
        const ys = tf.tensor2d(y, [m, B]);
        const h = await model.fit(xs, ys, { batchSize: 64, epochs: 1, shuffle: true, verbose: 0 });
        xs.dispose();
        ys.dispose();
        if (ep === epochs - 1)
          console.log(`round ${round} fold ${f} epoch ${ep}: loss ${(h.history.loss[0] as number).toFixed(3)}`);
      }
      const testing = f === K;
      const predIdx = testing
        ? [...Array(te.images.n).keys()]
        : K > 1
          ? [...Array(n).keys()].filter(inFold)
          : [...Array(n).keys()];
      const src = testing ? te.images.data : tr.images.data;
      const x = new Float32Array(predIdx.length * 784);
      predIdx.forEach((i, r) => x.set(src.subarray(i * 784, (i + 1) * 784), r * 784));
      const xs = tf.tensor4d(x, [predIdx.length, 28, 28, 1]);
      const q = tf.tidy(() => tf.softmax(model.predict(xs) as tf.Tensor)).dataSync() as Float32Array;
      xs.dispose();
      model.dispose();
      if (testing) {
        const md = meanDirection(q, te.images.n, s);
        console.log(`round ${round}: held-out digits, mean direction ${asymmetricRho(md, te)}`);
      } else predIdx.forEach((i, r) => p.set(q.subarray(r * B, (r + 1) * B), i * B));
    }
    const argmax = new Float32Array(n),
      flip = Float32Array.from(angle);
    let flipped = 0;
    const mass = (i: number, a: number) => {
      // probability within ±30° of angle a
      let m = 0;
      for (let b = 0; b < B; b++) {
        const d = Math.abs((((((b / B) * TWO_PI - a) % TWO_PI) + 3 * Math.PI) % TWO_PI) - Math.PI);
        if (d <= Math.PI / 6 + 1e-6) m += p[i * B + b];
      }
      return m;
    };
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let b = 1; b < B; b++) if (p[i * B + b] > p[i * B + best]) best = b;
      argmax[i] = s * ((best / B) * TWO_PI);
      const a = s * angle[i];
      if (mass(i, a + Math.PI) > mass(i, a)) {
        flip[i] = angle[i] + Math.PI;
        flipped++;
      }
    }
    console.log(`round ${round} (${((Date.now() - t1) / 1000).toFixed(1)} s): argmax ${asymmetricRho(argmax, tr)}`);
    const meanDir = meanDirection(p, n, s);
    console.log(`round ${round}: mean direction ${asymmetricRho(meanDir, tr)}`);
    // the net's prediction as an anchor of every image in the synchronisation: field = Σ pairs + λ·(mean degree)·m_i
    const lam = arg("lam", 0);
    if (lam > 0) {
      const k = sync.neighbours.length / n;
      const mr = new Float64Array(n),
        mi = new Float64Array(n);
      for (let i = 0; i < n; i++)
        for (let b = 0; b < B; b++) {
          mr[i] += p[i * B + b] * Math.cos((s * b * TWO_PI) / B);
          mi[i] += p[i * B + b] * Math.sin((s * b * TWO_PI) / B);
        }
      let tot = 0;
      for (const v of sync.weight) tot += v;
      const pull = (lam * 2 * tot) / n;
      let re = Float64Array.from(angle, Math.cos),
        im = Float64Array.from(angle, Math.sin);
      for (let it = 0; it < 200; it++) {
        const nr = Float64Array.from(mr, (v) => v * pull),
          ni = Float64Array.from(mi, (v) => v * pull);
        for (let u = 0; u < n; u++)
          for (let q = 0; q < k; q++) {
            const v = sync.neighbours[u * k + q],
              w = sync.weight[u * k + q],
              c = Math.cos(sync.rotation[u * k + q]) * w,
              sn = Math.sin(sync.rotation[u * k + q]) * w;
            nr[u] += c * re[v] - sn * im[v];
            ni[u] += c * im[v] + sn * re[v];
            nr[v] += c * re[u] + sn * im[u];
            ni[v] += c * im[u] - sn * re[u];
          }
        for (let b = 0; b < n; b++) {
          const m = Math.hypot(nr[b], ni[b]) || 1;
          nr[b] /= m;
          ni[b] /= m;
        }
        re = nr;
        im = ni;
      }
      const anchored = Float32Array.from({ length: n }, (_, b) => Math.atan2(im[b], re[b]));
      console.log(`round ${round}: anchored λ ${lam} ${asymmetricRho(anchored, tr)}`);
      angle = anchored;
      continue;
    }
    console.log(`round ${round}: half-turn choice (${flipped} flipped) ${asymmetricRho(flip, tr)}`);
    angle = flip;
  }
}
main();
