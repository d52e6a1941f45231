import * as tf from "@tensorflow/tfjs";
import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { randomCrop, TrainingImage, trainingImage } from "./augment";
import { atomNetLogits, AtomNetParams, initAtomNet } from "./net";

/** Options of {@link trainAtomNet}. */
export interface TrainAtomNetOptions {
  /** seed of the weights, the training images and the crops; default 1 */
  seed?: number;
  /** Adam steps; default 1500 */
  steps?: number;
  /** crops per step; default 16 */
  batchSize?: number;
  /** crop side, px at the canonical spacing (a multiple of 4); default 64 */
  crop?: number;
  /** training images generated (a new one replaces a random old one every `refresh` steps); default 160 */
  images?: number;
  refresh?: number;
  /** peak learning rate (cosine decay to 5 % of it); default 3e-3 */
  learningRate?: number;
  /** called every `every` steps with the step, the mean loss since the last call and the seconds left (estimate) */
  onProgress?: (r: { step: number; steps: number; loss: number; seconds: number; etaSeconds: number }) => void;
  every?: number;
}

/**
 * Trains the atom net from scratch on synthetic images made by the library ({@link trainingImage}; seeds
 * 100000 + k, so the generators' small seeds stay held out for evaluation), binary cross-entropy against
 * the Gaussian target maps, Adam with cosine decay. Returns the weights (the caller owns the tensors).
 */
export async function trainAtomNet(opts: TrainAtomNetOptions = {}): Promise<{ params: AtomNetParams; loss: number[] }> {
  const where = "trainAtomNet";
  const seed = opts.seed ?? 1,
    steps = opts.steps ?? 1500,
    bs = opts.batchSize ?? 16,
    side = opts.crop ?? 64,
    nImg = opts.images ?? 160,
    refresh = opts.refresh ?? 6,
    lr = opts.learningRate ?? 3e-3,
    every = opts.every ?? 50;
  for (const [v, n] of [
    [steps, "steps"],
    [bs, "batchSize"],
    [nImg, "images"],
    [refresh, "refresh"],
    [every, "every"],
  ] as const)
    checkInt(v, where, n, 1);
  checkInt(side, where, "crop", 16);
  check(side % 4 === 0, where, `crop must be a multiple of 4, got ${side}`);
  check(Number.isFinite(lr) && lr > 0, where, `learningRate must be > 0, got ${lr}`);
  const rng = new Random(seed);
  let next = 100000 + seed * 1000003;
  const pool: TrainingImage[] = Array.from({ length: nImg }, () => trainingImage(next++));
  const params = initAtomNet(seed);
  const opt = tf.train.adam(lr);
  const x = new Float32Array(bs * side * side),
    y = new Float32Array(bs * side * side);
  const losses: number[] = [];
  const t0 = Date.now();
  let acc = 0,
    cnt = 0;
  for (let s = 0; s < steps; s++) {
    if (s > 0 && s % refresh === 0) pool[rng.int(nImg)] = trainingImage(next++);
    for (let b = 0; b < bs; b++) randomCrop(pool[rng.int(nImg)], side, rng, x, y, b * side * side);
    (opt as unknown as { learningRate: number }).learningRate =
      lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * s) / steps)));
    const loss = opt.minimize(
      () => {
        const xt = tf.tensor4d(x, [bs, side, side, 1]),
          yt = tf.tensor4d(y, [bs, side, side, 1]);
        return tf.losses.sigmoidCrossEntropy(yt, atomNetLogits(params, xt, true)) as tf.Scalar;
      },
      true,
      Object.values(params),
    )!;
    const v = loss.dataSync()[0];
    loss.dispose();
    check(Number.isFinite(v), where, `the loss became ${v} at step ${s}; lower the learning rate`);
    losses.push(v);
    acc += v;
    cnt++;
    if ((s + 1) % every === 0 || s === steps - 1) {
      const sec = (Date.now() - t0) / 1000;
      opts.onProgress?.({
        step: s + 1,
        steps,
        loss: acc / cnt,
        seconds: sec,
        etaSeconds: (sec / (s + 1)) * (steps - s - 1),
      });
      acc = cnt = 0;
      await new Promise((r) => setImmediate(r));
    }
  }
  opt.dispose();
  const out: AtomNetParams = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = v.clone();
    v.dispose();
  }
  return { params: out, loss: losses };
}
