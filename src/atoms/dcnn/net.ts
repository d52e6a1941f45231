import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";

/**
 * The atom net: a small U-Net (2 down / 2 up levels, 8–16–32 channels, 3×3 convolutions, ReLU, skip
 * connections by concatenation, sigmoid output) that maps an image at the canonical column spacing to the
 * probability map of "column centre here" (a Gaussian of {@link TARGET_SIGMA} px on every column).
 * The layout follows AtomAI's Segmentor/UNet (pycroscopy/atomai `nets/fcnn.py`: conv blocks, max-pool down,
 * upsample + concatenate up, 1×1 output), shrunk so that the weights stay small and it trains on 2 cores.
 */

/** One 3×3 (or 1×1) convolution: name, input and output channels. */
export interface ConvSpec {
  name: string;
  cin: number;
  cout: number;
  k: number;
}

/** The layers of the net in order; the weights are `<name>.W` [k, k, cin, cout] and `<name>.b` [cout]. */
export const ATOM_NET_LAYERS: ConvSpec[] = [
  { name: "enc1a", cin: 1, cout: 8, k: 3 },
  { name: "enc1b", cin: 8, cout: 8, k: 3 },
  { name: "enc2a", cin: 8, cout: 16, k: 3 },
  { name: "enc2b", cin: 16, cout: 16, k: 3 },
  { name: "mida", cin: 16, cout: 32, k: 3 },
  { name: "midb", cin: 32, cout: 16, k: 3 },
  { name: "dec2", cin: 32, cout: 16, k: 3 },
  { name: "dec1a", cin: 24, cout: 8, k: 3 },
  { name: "dec1b", cin: 8, cout: 8, k: 3 },
  { name: "out", cin: 8, cout: 1, k: 1 },
];

/** The input side must be a multiple of this (two 2×2 poolings). */
export const ATOM_NET_STRIDE = 4;

/** Gaussian σ of the target map, px at the canonical spacing. */
export const TARGET_SIGMA = 1.2;

/** Named weight tensors of the net. */
export type AtomNetParams = Record<string, tf.Tensor>;

/** The expected shape of every weight, by name. */
export function atomNetShapes(): Record<string, number[]> {
  const s: Record<string, number[]> = {};
  for (const l of ATOM_NET_LAYERS) {
    s[`${l.name}.W`] = [l.k, l.k, l.cin, l.cout];
    s[`${l.name}.b`] = [l.cout];
  }
  return s;
}

/** Fresh weights (He-normal, zero bias), seeded; as variables so they can be trained. */
export function initAtomNet(seed: number): Record<string, tf.Variable> {
  const rng = new Random(seed);
  const out: Record<string, tf.Variable> = {};
  for (const l of ATOM_NET_LAYERS) {
    const n = l.k * l.k * l.cin,
      sd = Math.sqrt(2 / n);
    const w = Float32Array.from({ length: n * l.cout }, () => rng.normal(0, sd));
    out[`${l.name}.W`] = tf.variable(tf.tensor4d(w, [l.k, l.k, l.cin, l.cout]), true, `${l.name}.W`);
    out[`${l.name}.b`] = tf.variable(tf.zeros([l.cout]), true, `${l.name}.b`);
  }
  return out;
}

/**
 * "same" convolution with stride 1 whose gradients run on tfjs-wasm, which has Conv2D and
 * Conv2DBackpropInput but no Conv2DBackpropFilter: the input gradient is the transposed convolution, the
 * filter gradient a "valid" convolution of the padded input (batch and channels swapped) with the output
 * gradient as the filter: dW[i, j, c, o] = Σ_{n,y,x} xp[n, y + i, x + j, c] · dy[n, y, x, o].
 */
export function convSame(x: tf.Tensor4D, W: tf.Tensor4D): tf.Tensor4D {
  const f = tf.customGrad((xx, ww, save) => {
    const a = xx as tf.Tensor4D,
      k = ww as tf.Tensor4D;
    (save as unknown as (t: tf.Tensor[]) => void)([a, k]);
    return {
      value: tf.conv2d(a, k, 1, "same"),
      gradFunc: (dy, saved) => {
        const [a0, k0] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        const kk = k0.shape[0],
          p = (kk - 1) / 2;
        // the input gradient as a plain convolution with the kernel turned by 180° and in/out swapped
        // (wasm's Conv2DBackpropInput is ~6x slower than its Conv2D)
        const dx = tf.conv2d(g, tf.reverse(k0, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D, 1, "same");
        const xp = p
          ? tf.pad(a0, [
              [0, 0],
              [p, p],
              [p, p],
              [0, 0],
            ])
          : a0;
        const dw = tf
          .conv2d(tf.transpose(xp, [3, 1, 2, 0]), tf.transpose(g, [1, 2, 0, 3]), 1, "valid")
          .transpose([1, 2, 0, 3]);
        return [dx, dw];
      },
    };
  });
  return f(x, W) as tf.Tensor4D;
}

function conv(x: tf.Tensor4D, p: AtomNetParams, name: string, train: boolean, act = true): tf.Tensor4D {
  const W = p[`${name}.W`],
    b = p[`${name}.b`];
  const y = train ? convSame(x, W as tf.Tensor4D).add(b) : tf.conv2d(x, W as tf.Tensor4D, 1, "same").add(b);
  return (act ? tf.relu(y) : y) as tf.Tensor4D;
}

const pool = (x: tf.Tensor4D) => tf.maxPool(x, 2, 2, "valid");
const up = (x: tf.Tensor4D) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);

/**
 * Forward pass: x [n, h, w, 1] (h, w multiples of {@link ATOM_NET_STRIDE}) → logits [n, h, w, 1].
 * `train` uses the convolution with its own gradient (runs on tfjs-wasm), otherwise plain tf.conv2d.
 */
export function atomNetLogits(p: AtomNetParams, x: tf.Tensor4D, train = false): tf.Tensor4D {
  const e1 = conv(conv(x, p, "enc1a", train), p, "enc1b", train);
  const e2 = conv(conv(pool(e1), p, "enc2a", train), p, "enc2b", train);
  const m = conv(conv(pool(e2), p, "mida", train), p, "midb", train);
  const d2 = conv(tf.concat([up(m), e2], 3), p, "dec2", train);
  const d1 = conv(conv(tf.concat([up(d2), e1], 3), p, "dec1a", train), p, "dec1b", train);
  return conv(d1, p, "out", train, false);
}
