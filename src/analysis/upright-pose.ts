/**
 * The pose each image holds relative to the pose its kind is spread about, learned without labels by rotation
 * prediction (RotNet, Gidaris et al. 2018): an MLP sees every image turned by a random known angle α and is
 * trained to tell α (a softmax over `bins` angles). An image as given is itself its upright form turned by its
 * unknown pose t, so the net's best guess of "α" for the turned image is t + α minus the pose its kind is usually
 * seen in: when the poses of a kind are spread about one direction (digits turned within ±120°, particles with a
 * preferred orientation), the circular mean of the net's distribution for the untouched image estimates t from
 * that direction. The labels α are noisy by the spread of t but unbiased, which a net averages out; what it
 * learns is the appearance of each kind in its usual pose, including the small marks (the corner of a 5) that
 * tell a pose from its half-turn, which a comparison of two images' pixels misses.
 *
 * A net that has seen an image learns that image's own t; so the training images' angles are cross-fitted: the
 * images are split into `folds`, and each image's angle comes from the net of the fold that did not see it. New
 * images are scored by all the fold nets together. When the poses are spread uniformly over the circle there is no
 * usual pose and the distributions are flat: `strength` (their resultant length) says how much each angle is worth.
 */
import * as tf from "@tensorflow/tfjs";
import { ImageStack, selectImages } from "../data/image-stack";
import { rotateImages } from "../data/rotate";
import { formatDuration, ProgressSink, progressSink } from "../training/progress";
import { check, checkFinitePixels, checkInt } from "../util/errors";
import { Random } from "../util/random";

/** Options of {@link learnUprightPose}. */
export interface UprightPoseOptions {
  /** hidden layer widths of the MLP (default [256, 256]) */
  hidden?: number[];
  /** angles the net tells apart over the circle (default 36: 10° apart) */
  bins?: number;
  /** passes over the images, each with new random turns (default 30) */
  epochs?: number;
  /** images per step (default 64) */
  batchSize?: number;
  /** Adam learning rate (default 1e-3) */
  learningRate?: number;
  /** cross-fitting folds: each training image's angle comes from the net that did not see it (default 4; ≥ 2) */
  folds?: number;
  /** copies of each image, turned by j·2π/turns, whose predictions are averaged (default 4); divides `bins` */
  turns?: number;
  /** seed of the weights, the turns and the batch order (default 0) */
  seed?: number;
  /** progress line: true (default) on the terminal, false for none, or a custom sink */
  progress?: boolean | ProgressSink;
}

/** Poses of images: an angle per image and how sure the net is of it. */
export interface UprightAngles {
  /** per image, its rotation (radians, CCW as displayed, as `rotateImages` applies it) from its kind's usual pose */
  angle: Float32Array;
  /**
   * per image, the resultant length of the distribution over angles: 0 (flat) … 1 (one angle); one net's for the
   * training images, the fold nets' average for `predict` (so the two are not on one scale)
   */
  strength: Float32Array;
}

/** What {@link learnUprightPose} returns: the training images' cross-fitted poses and the nets for new images. */
export interface UprightPose extends UprightAngles {
  /** the nets' shape: image size, angles told apart, turned copies averaged, hidden widths */
  readonly geometry: UprightGeometry;
  /** poses of other images of the same size, from all the fold nets (their distributions averaged) */
  predict(images: ImageStack): UprightAngles;
  /** the fold nets' weights, per net in layer order (kernel, bias, …), as plain arrays */
  weights(): Float32Array[][];
  /** frees the nets' weights */
  dispose(): void;
}

/** The shape of a set of pose nets (enough to rebuild them). */
export interface UprightGeometry {
  /** image height, px */
  height: number;
  /** image width, px */
  width: number;
  /** angles the nets tell apart over the circle */
  bins: number;
  /** turned copies of an image whose predictions are averaged */
  turns: number;
  /** hidden layer widths of each net */
  hidden: number[];
}

/**
 * The pose object around trained nets (or nets rebuilt from saved weights: upright-pose-io.ts), with the training
 * images' angles and strengths.
 */
export function uprightPose(
  nets: tf.Sequential[],
  geometry: UprightGeometry,
  angle: Float32Array,
  strength: Float32Array,
): UprightPose {
  const { height: H, width: W, bins, turns } = geometry;
  let disposed = false;
  const live = (what: string) => check(!disposed, `${WHERE}.${what}`, "the nets were disposed");
  return {
    angle,
    strength,
    geometry,
    predict(other: ImageStack): UprightAngles {
      live("predict");
      check(
        other &&
          other.data instanceof Float32Array &&
          other.height === H &&
          other.width === W &&
          (!other.channels || other.channels === 1),
        `${WHERE}.predict`,
        `expected an ImageStack of ${H}×${W} one-channel images, got ${other?.height}×${other?.width} with ` +
          `${other?.channels ?? 1} channel(s)`,
      );
      return predictWith(nets, other, bins, turns);
    },
    weights() {
      live("weights");
      return nets.map((net) =>
        net
          .getWeights()
          .map((w) => w.dataSync() as Float32Array)
          .map((v) => v.slice()),
      );
    },
    dispose() {
      if (!disposed) nets.forEach((net) => net.dispose());
      disposed = true;
    },
  };
}

/** An untrained net of the given shape with the given weights (per layer: kernel, bias). */
export function netWithWeights(geometry: UprightGeometry, weights: Float32Array[]): tf.Sequential {
  const net = buildNet(geometry.height * geometry.width, geometry.hidden, geometry.bins, new Random(0));
  const shapes = net.getWeights().map((w) => w.shape);
  check(
    weights.length === shapes.length && weights.every((w, i) => w.length === shapes[i].reduce((a, b) => a * b, 1)),
    WHERE,
    `saved weights do not fit nets of ${JSON.stringify(geometry)}`,
  );
  const values = weights.map((w, i) => tf.tensor(w, shapes[i]));
  net.setWeights(values);
  tf.dispose(values);
  return net;
}

const WHERE = "learnUprightPose";

function buildNet(inputs: number, hidden: number[], bins: number, rng: Random): tf.Sequential {
  const net = tf.sequential();
  hidden.forEach((units, l) =>
    net.add(
      tf.layers.dense({
        units,
        activation: "relu",
        kernelInitializer: tf.initializers.heNormal({ seed: rng.int(2 ** 31) }),
        ...(l === 0 ? { inputShape: [inputs] } : {}),
      }),
    ),
  );
  net.add(
    tf.layers.dense({
      units: bins,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(2 ** 31) }),
      ...(hidden.length === 0 ? { inputShape: [inputs] } : {}),
    }),
  );
  return net;
}

/** Bin of each angle over [0, 2π) (nearest of `bins`). */
function angleBins(angle: Float32Array, bins: number): Int32Array {
  const two = 2 * Math.PI;
  return Int32Array.from(angle, (a) => Math.round(((((a % two) + two) % two) / two) * bins) % bins);
}

/** One pass: every image turned by a new random angle, in a new random order, one Adam step per batch. */
function trainEpoch(
  net: tf.Sequential,
  opt: tf.Optimizer,
  images: ImageStack,
  bins: number,
  batchSize: number,
  rng: Random,
): number {
  const turned = rotateImages(images, { maxAngle: Math.PI, seed: rng.int(2 ** 31) });
  const target = angleBins(turned.angle, bins);
  const order = rng.permutation(images.n);
  const size = images.height * images.width;
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  let sum = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const x = new Float32Array(idx.length * size);
    idx.forEach((i, r) => x.set(turned.images.data.subarray(i * size, (i + 1) * size), r * size));
    const y = Int32Array.from(idx, (i) => target[i]);
    const loss = tf.tidy(() => {
      const xs = tf.tensor2d(x, [idx.length, size]);
      const ys = tf.oneHot(tf.tensor1d(y, "int32"), bins);
      return opt.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, net.apply(xs) as tf.Tensor) as tf.Scalar,
        true,
        vars,
      ) as tf.Scalar;
    });
    sum += loss.dataSync()[0] * idx.length;
    loss.dispose();
  }
  return sum / order.length;
}

/**
 * Per image, the nets' softmax averaged over the nets and over `turns` copies of the image turned by j·2π/turns (each
 * copy's distribution shifted back by its turn), as the circular mean and resultant length.
 */
function predictWith(nets: tf.Sequential[], images: ImageStack, bins: number, turns: number): UprightAngles {
  const { n } = images;
  const size = images.height * images.width;
  const angle = new Float32Array(n),
    strength = new Float32Array(n);
  const sum = new Float64Array(n * bins);
  const shift = bins / turns;
  const chunk = 512;
  for (let j = 0; j < turns; j++) {
    const copy = j === 0 ? images : rotateImages(images, { angle: (2 * Math.PI * j) / turns }).images;
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const p = tf.tidy(() => {
        const xs = tf.tensor2d(copy.data.subarray(start * size, (start + m) * size), [m, size]);
        return tf.addN(nets.map((net) => tf.softmax(net.apply(xs) as tf.Tensor2D)));
      });
      const pv = p.dataSync();
      p.dispose();
      // the copy is the image turned by j·2π/turns: its bin b is the image's bin b − j·shift
      for (let r = 0; r < m; r++)
        for (let b = 0; b < bins; b++) sum[(start + r) * bins + ((b - j * shift + bins) % bins)] += pv[r * bins + b];
    }
  }
  const norm = nets.length * turns;
  const cos = Float64Array.from({ length: bins }, (_, b) => Math.cos((2 * Math.PI * b) / bins)),
    sin = Float64Array.from({ length: bins }, (_, b) => Math.sin((2 * Math.PI * b) / bins));
  for (let i = 0; i < n; i++) {
    let c = 0,
      s = 0;
    for (let b = 0; b < bins; b++) {
      c += sum[i * bins + b] * cos[b];
      s += sum[i * bins + b] * sin[b];
    }
    angle[i] = Math.atan2(s, c);
    strength[i] = Math.hypot(c, s) / norm;
  }
  return { angle, strength };
}

/**
 * Learns, without labels, each image's pose from the pose its kind is usually seen in (module comment): MLPs trained
 * to tell the random angle by which an image was turned, cross-fitted over `folds`. Returns the training images'
 * angles and strengths (each from the net of the fold that did not see it), the nets' `geometry`, `predict` for new
 * images (all fold nets), `weights()` (for `saveUprightPose`) and `dispose`. Deterministic for a seed. Needs at least
 * 2 × folds images.
 * Cost: folds × epochs passes over (folds − 1)/folds of the images.
 */
export function learnUprightPose(images: ImageStack, opts: UprightPoseOptions = {}): UprightPose {
  check(
    images !== null && typeof images === "object" && images.data instanceof Float32Array,
    WHERE,
    "expected an ImageStack {data: Float32Array, n, height, width} as the first argument",
  );
  check(!images.channels || images.channels === 1, WHERE, `expected one channel, got ${images.channels}`);
  const { n, height: H, width: W, data } = images;
  const hidden = opts.hidden ?? [256, 256];
  const bins = opts.bins ?? 36;
  const epochs = opts.epochs ?? 30;
  const batchSize = opts.batchSize ?? 64;
  const lr = opts.learningRate ?? 1e-3;
  const folds = opts.folds ?? 4;
  const turns = opts.turns ?? 4;
  check(Array.isArray(hidden), WHERE, `hidden must be an array of layer widths, got ${String(hidden)}`);
  hidden.forEach((u, l) => checkInt(u, WHERE, `hidden[${l}]`, 1));
  checkInt(bins, WHERE, "bins", 4);
  checkInt(epochs, WHERE, "epochs", 1);
  checkInt(batchSize, WHERE, "batchSize", 1);
  checkInt(folds, WHERE, "folds", 2);
  checkInt(turns, WHERE, "turns", 1);
  check(bins % turns === 0, WHERE, `bins (${bins}) must be a multiple of turns (${turns})`);
  check(Number.isFinite(lr) && lr > 0, WHERE, `learningRate must be a positive number, got ${lr}`);
  check(n >= 2 * folds, WHERE, `expected at least ${2 * folds} images for ${folds} folds, got ${n}`);
  checkFinitePixels(data, H * W, WHERE);
  const rng = new Random(opts.seed ?? 0);
  const out = progressSink(opts.progress);
  const nets: tf.Sequential[] = [];
  const angle = new Float32Array(n),
    strength = new Float32Array(n);
  const t0 = Date.now();
  try {
    for (let f = 0; f < folds; f++) {
      const held = Array.from({ length: n }, (_, i) => i).filter((i) => i % folds === f);
      const seen = Array.from({ length: n }, (_, i) => i).filter((i) => i % folds !== f);
      const net = buildNet(H * W, hidden, bins, rng);
      nets.push(net);
      const opt = tf.train.adam(lr);
      try {
        const subset = selectImages(images, seen);
        for (let e = 0; e < epochs; e++) {
          const loss = trainEpoch(net, opt, subset, bins, batchSize, rng);
          const done = f * epochs + e + 1;
          const secs = (Date.now() - t0) / 1000;
          out?.update(
            `upright pose: fold ${f + 1}/${folds}  epoch ${e + 1}/${epochs}  loss ${loss.toFixed(3)} ` +
              `(flat: ${Math.log(bins).toFixed(3)})  left ${formatDuration((secs / done) * (folds * epochs - done))}`,
            e === epochs - 1,
          );
        }
      } finally {
        opt.dispose(); // Adam's moments, also when a step throws
      }
      const own = predictWith([net], selectImages(images, held), bins, turns);
      held.forEach((i, r) => {
        angle[i] = own.angle[r];
        strength[i] = own.strength[r];
      });
    }
  } catch (err) {
    nets.forEach((net) => net.dispose());
    throw err;
  } finally {
    out?.close?.();
  }
  return uprightPose(nets, { height: H, width: W, bins, turns, hidden }, angle, strength);
}
