// Rotated digits (issue 13): VAE upright, VAE rotated, rVAE rotated (rvae: tanh layer 0; sin: Fourier layer 0).
// Usage: npx tsx docs/experiments/rvae-decoder/digits.ts n=4000 epochs=20 models=vaeUp,vaeRot,rvae,sin fc=1
// Pose options of the "sin" model (docs/experiments/rotated-digits-pose.md): fc = frameCandidates, fp=1 framePosterior,
// rp = rotationPrior (rad), steps = rotationSteps; ps = pixelSubsample of the training; wz = poseWarmup, flip=1
// oppositeFrames, choice=elbo frameChoice, harm = poseKernelHarmonics (the scorer's initial kernel);
// pose=group: the group-convolution pose encoder (session 9), with gr = groupRotations, gc = groupChannels.
// fprior=rot: framePrior "rotation" (session 10: the angle prior N(0, rp²) over the trial frames; needs fp=1 or
// choice=elbo); fprior=learned: framePrior "learned" (session 12: p(k|z), needs fp=1). hz=1: halfTurnInvariantZ
// (session 11: z averaged over the canonical image and its half-turn).
// zd = latentDim of the "sin" model (default 2). bw=B:E: β = B for the first E epochs, then 1 (train's
// betaSchedule; session 11: a coarse z while frames settle). wc=k (with wz): in the warm-up z is held at a code per
// cluster of rotation-invariant features (k clusters, cluster-warmup.ts) instead of 0 (session 11 prototype).
// sync=1 (with wz): the warm-up's frames from the angular synchronisation of the training digits (train's
// initialAngles = synchroniseAngles(images).angle; session 13); synck = its neighbours (default 10), synce = the
// epochs the synchronised frames hold (initialAngleEpochs; default wz).
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { digits } from "../../../src/data/digits";
import { RVAE } from "../../../src/models/rvae";
import { VAE } from "../../../src/models/vae";
import { train } from "../../../src/training/train";
import { angleRecovery, nearestCentroidAccuracy, adjustedRandIndex } from "../../../src/analysis/metrics";
import { kmeans } from "../../../src/analysis/cluster";
import { clusterWarmup } from "./cluster-warmup";
import { synchroniseAngles } from "../../../src/analysis/angle-sync";
import type { LearnedFramePrior } from "../../../src/models/parts/learned-frame-prior";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const [k, v] = a.split("=");
  args[k] = v;
}
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const n = num("n", 4000),
  epochs = num("epochs", 20),
  seed = num("seed", 1),
  lr = num("lr", 1e-3),
  batch = num("batch", 64),
  zd = num("zd", 2);
const hidden = num("hidden", 128),
  edges = num("edges", 0),
  which = (args.models ?? "vaeUp,vaeRot,rvae").split(",");

function r2(z: Float32Array, d: number, y: Float64Array): number {
  // R^2 of a linear fit of y on z (with intercept), by normal equations for d <= 3
  const n = y.length,
    X: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = [1];
    for (let k = 0; k < d; k++) row.push(z[i * d + k]);
    X.push(row);
  }
  const p = d + 1,
    A = Array.from({ length: p }, () => new Array(p).fill(0)),
    b = new Array(p).fill(0);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < p; a++) {
      b[a] += X[i][a] * y[i];
      for (let c = 0; c < p; c++) A[a][c] += X[i][a] * X[i][c];
    }
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    [b[c], b[piv]] = [b[piv], b[c]];
    for (let r = 0; r < p; r++)
      if (r !== c) {
        const f = A[r][c] / A[c][c];
        for (let k = c; k < p; k++) A[r][k] -= f * A[c][k];
        b[r] -= f * b[c];
      }
  }
  const w = b.map((v, i) => v / A[i][i]);
  let my = 0;
  for (const v of y) my += v;
  my /= n;
  let ssr = 0,
    sst = 0;
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let a = 0; a < p; a++) f += w[a] * X[i][a];
    ssr += (y[i] - f) ** 2;
    sst += (y[i] - my) ** 2;
  }
  return 1 - ssr / sst;
}

/**
 * Per digit: the share of its members on the minority end of the class's axis (offsets d = inferred − true angle;
 * axis φ = arg mean e^{2id}/2; side = sign cos(d − φ)), and how well z tells the two ends apart (leave-one-out
 * nearest of the two side means in z, balanced accuracy). Near 0.5: the two ends share z (the variant is not in z).
 */
function frameSides(
  idx: number[],
  ang: Float32Array,
  truth: Float32Array,
  labels: ArrayLike<number>,
  z: Float32Array,
  zd: number,
) {
  const out: string[] = [];
  for (const digit of new Set(idx.map((i) => labels[i]))) {
    const mem = idx.filter((i) => labels[i] === digit);
    let c = 0,
      s = 0;
    for (const i of mem) {
      c += Math.cos(2 * (ang[i] - truth[i]));
      s += Math.sin(2 * (ang[i] - truth[i]));
    }
    const phi = Math.atan2(s, c) / 2;
    const side = mem.map((i) => (Math.cos(ang[i] - truth[i] - phi) >= 0 ? 1 : 0));
    const n1 = side.reduce((a: number, v) => a + v, 0),
      n0 = mem.length - n1;
    if (Math.min(n0, n1) < 2) {
      out.push(`${digit}:${(Math.min(n0, n1) / mem.length).toFixed(2)}/-`);
      continue;
    }
    const sum = [new Float64Array(zd), new Float64Array(zd)];
    mem.forEach((i, k) => {
      for (let a = 0; a < zd; a++) sum[side[k]][a] += z[zd * i + a];
    });
    const right = [0, 0];
    mem.forEach((i, k) => {
      const d = [0, 1].map((g) => {
        const own = g === side[k],
          n = (g ? n1 : n0) - (own ? 1 : 0);
        let e = 0;
        for (let a = 0; a < zd; a++) e += (z[zd * i + a] - (sum[g][a] - (own ? z[zd * i + a] : 0)) / n) ** 2;
        return e;
      });
      if ((d[1] < d[0] ? 1 : 0) === side[k]) right[side[k]]++;
    });
    const balanced = (right[0] / n0 + right[1] / n1) / 2;
    out.push(`${digit}:${(Math.min(n0, n1) / mem.length).toFixed(2)}/${balanced.toFixed(2)}`);
  }
  return out.join(" ");
}

(async () => {
  await selectBackend();
  const { train: tr, test: te } = digits.rotatedSplit({ n, seed, testFraction: 0.25 });
  const out: Record<string, unknown> = { args };
  for (const m of which) {
    const fc = num("fc", 1);
    const model =
      m === "sin"
        ? new RVAE({
            imageShape: [28, 28],
            latentDim: zd,
            translation: true,
            seed,
            decoderHidden: [hidden, hidden, hidden],
            coordinateFeatures: "fourier",
            fourierScale: num("freq", 10),
            frameCandidates: fc,
            framePosterior: args.fp === "1",
            rotationPrior: num("rp", Math.PI / 2),
            oppositeFrames: args.flip === "1",
            poseWarmup: num("wz", 0),
            ...(args.pose === "group"
              ? { poseEncoder: "group" as const, groupRotations: num("gr", 8), groupChannels: num("gc", 8) }
              : { poseKernelHarmonics: num("harm", 1), rotationSteps: num("steps", 64) }),
            frameChoice: args.choice === "elbo" ? "elbo" : "reconstruction",
            ...(args.fprior === "rot" ? { framePrior: "rotation" as const } : {}),
            ...(args.fprior === "learned" ? { framePrior: "learned" as const } : {}),
            ...(args.hz === "1" ? { halfTurnInvariantZ: true } : {}),
          })
        : m === "rvae"
          ? new RVAE({
              imageShape: [28, 28],
              latentDim: 2,
              translation: true,
              seed,
              decoderHidden: [hidden, hidden],
              poseEncoder: (args.pose as "mlp") ?? "equivariant",
              frameCandidates: fc,
              coordinateFeatures: "linear",
            })
          : new VAE({ imageShape: [28, 28], latentDim: 2, seed });
    if (edges > 0 && m === "rvae") {
      const i = model.params.names.indexOf("decoder.0.Wc"),
        j = model.params.names.indexOf("decoder.0.b");
      const h = model.params.vars[j].size,
        W = new Float32Array(2 * h),
        b = new Float32Array(h);
      let st = seed * 7919 + 1;
      const rnd = () => {
        st = (st * 16807) % 2147483647;
        return st / 2147483647;
      };
      for (let k = 0; k < h; k++) {
        const th = 2 * Math.PI * rnd(),
          mm = 2 + (edges - 2) * rnd(),
          d = 2 * rnd() - 1;
        W[k] = mm * Math.cos(th);
        W[h + k] = mm * Math.sin(th);
        b[k] = -mm * d;
      }
      model.params.vars[i].assign(tf.tensor2d(W, [2, h]));
      model.params.vars[j].assign(tf.tensor1d(b));
    }
    const wc = m === "sin" && args.wc ? clusterWarmup(model, Number(args.wc), 28, 28) : null;
    const onEpoch = (r: { epoch: number; loss: number; seconds: number }) => {
      if (args.log === "1") console.log(`epoch ${r.epoch} loss ${r.loss.toFixed(1)} (${r.seconds.toFixed(1)} s)`);
    };
    const trainImgs = m === "vaeUp" ? tr.upright : tr.images,
      testImgs = m === "vaeUp" ? te.upright : te.images;
    const t0 = Date.now();
    const ps = args.ps ? { pixelSubsample: Number(args.ps) } : {};
    const [bw, bwEpochs] = (args.bw ?? "1:0").split(":").map(Number);
    const beta = args.bw ? { betaSchedule: (e: number) => (e <= bwEpochs ? bw : 1) } : {};
    const sync =
      m === "sin" && args.sync === "1"
        ? {
            initialAngles: synchroniseAngles(trainImgs, { neighbours: num("synck", 10) }).angle,
            ...(args.synce ? { initialAngleEpochs: num("synce", 1) } : {}),
          }
        : {};
    const h = await train(model, trainImgs, {
      epochs,
      batchSize: batch,
      learningRate: lr,
      seed,
      progress: false,
      onEpoch,
      ...ps,
      ...beta,
      ...sync,
    });
    const enc = model.encode(testImgs);
    const zdim = m === "sin" ? zd : 2;
    const nca = nearestCentroidAccuracy(enc.zMean, zdim, te.labels, { seed });
    const km = kmeans(enc.zMean, zdim, 10, { seed, restarts: 8 });
    const res: Record<string, unknown> = {
      secs: (Date.now() - t0) / 1000,
      loss: +h.loss[h.loss.length - 1].toFixed(1),
      nca: +(nca as unknown as { accuracy: number }).accuracy.toFixed(3),
      ari: +adjustedRandIndex(km.labels, te.labels).toFixed(3),
    };
    const truth = Float64Array.from(te.angle);
    if (m !== "vaeUp") {
      // R^2 of the rotation (as cos, sin) from z
      res.r2rot = +((r2(enc.zMean, zdim, truth.map(Math.cos)) + r2(enc.zMean, zdim, truth.map(Math.sin))) / 2).toFixed(
        3,
      );
    }
    if (m === "rvae" || m === "sin") {
      const asym = digits.asymmetric as readonly number[];
      const idx: number[] = [];
      for (let i = 0; i < te.labels.length; i++) if (asym.includes(te.labels[i])) idx.push(i);
      const ar = angleRecovery(
        idx.map((i) => enc.angle![i]),
        idx.map((i) => te.angle[i]),
        { groups: idx.map((i) => te.labels[i]) },
      );
      res.rhoAsym = +ar.meanAbsRho.toFixed(3);
      res.rhoPerDigit = ar.groups.map((g) => `${g.group}:${g.absRho.toFixed(2)}`).join(" ");
      // per digit, the histogram of (inferred − true) angle in 8 bins of 45°: one peak = one canonical frame
      // per class; several peaks = the class split into frames the decoder learned separately
      const hist: Record<number, number[]> = {};
      for (const i of idx) {
        const d = enc.angle![i] - te.angle[i];
        const bin = Math.floor((((d / (2 * Math.PI)) % 1) + 1) * 8 + 0.5) % 8;
        (hist[te.labels[i]] ??= new Array(8).fill(0))[bin]++;
      }
      res.offsetHist = Object.entries(hist)
        .map(([k, h]) => `${k}:${h.join(",")}`)
        .join(" ");
      res.sides = frameSides(idx, enc.angle!, te.angle, te.labels, enc.zMean, zd);
      // with the frame posterior: the same model encoded by decoding its candidates (the hard choice) instead
      const encoder = (model as unknown as { encoder: { framePosterior: boolean } }).encoder;
      if (encoder.framePosterior) {
        encoder.framePosterior = false;
        const e2 = model.encode(testImgs);
        encoder.framePosterior = true;
        const a2 = angleRecovery(
          idx.map((i) => e2.angle![i]),
          idx.map((i) => te.angle[i]),
          { groups: idx.map((i) => te.labels[i]) },
        );
        res.rhoAsymDecoded = +a2.meanAbsRho.toFixed(3);
        res.rhoPerDigitDecoded = a2.groups.map((g) => `${g.group}:${g.absRho.toFixed(2)}`).join(" ");
        res.ncaDecoded = +nearestCentroidAccuracy(e2.zMean, zdim, te.labels, { seed }).accuracy.toFixed(3);
      }
    }
    if (wc) res.clusterSizes = Array.from(wc.counts).join(",");
    // framePrior "learned": per digit, the effective arc of p(k|z) at each held-out z (360° · e^H / K, H its entropy;
    // 360° = uniform, 240° = the ±120° of the data in one frame), mean over the digit's images
    const lpNet = (model as unknown as { encoder: { learnedPrior?: LearnedFramePrior | null } }).encoder.learnedPrior;
    if (lpNet) {
      const p = tf.tidy(() => tf.exp(lpNet.logPrior(tf.tensor2d(enc.zMean, [te.labels.length, zdim]))).arraySync());
      const arc: Record<number, number[]> = {};
      p.forEach((row, i) => {
        const H = -row.reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0);
        (arc[te.labels[i]] ??= []).push((360 * Math.exp(H)) / row.length);
      });
      res.priorArc = Object.entries(arc)
        .map(([k, v]) => `${k}:${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(0)}`)
        .join(" ");
    }
    out[m] = res;
    model.dispose();
    console.log(m, JSON.stringify(res));
  }
  console.log(JSON.stringify(out));
})();
