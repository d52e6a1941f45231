/**
 * Figures of merit of issue 13, shared by the cards and digits sections: the held-out −ELBO with all pixels,
 * the decoded-suit checks (`cards.matchSuits`, the nearest-glyph rule) and the inverted-background count of
 * a manifold. The rules are those of docs/experiments/rvae-decoder.md, moved here from its scripts.
 */
import * as tf from "@tensorflow/tfjs";
import { cards, imageStack } from "../../src/index";
import type { ImageStack, LatentModel, Encoding } from "../../src/index";

/**
 * −ELBO in nats per image on held-out images: all pixels, β = 1, one reparameterised sample per image
 * (seeded), in batches so that the coordinate decoder's per-pixel activations stay small.
 */
export function heldOutNegElbo(model: LatentModel, images: ImageStack, seed = 5, batch = 100): number {
  const px = images.height * images.width;
  let total = 0;
  for (let s = 0; s < images.n; s += batch) {
    const m = Math.min(batch, images.n - s);
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(images.data.subarray(s * px, (s + m) * px), [m, px]);
      return model.lossTerms(x, null, { seed: seed + s }).loss as tf.Scalar;
    });
    total += loss.dataSync()[0] * m;
    loss.dispose();
  }
  return total / images.n;
}

/** Per-class mean of the encoded means (k × d, row-major): each class's cluster centre in z. */
export function classCentres(enc: Encoding, labels: ArrayLike<number>, k: number): Float32Array {
  const d = enc.latentDim;
  const c = new Float32Array(k * d),
    cnt = new Float64Array(k);
  for (let i = 0; i < enc.n; i++) {
    cnt[labels[i]]++;
    for (let j = 0; j < d; j++) c[labels[i] * d + j] += enc.zMean[i * d + j];
  }
  for (let s = 0; s < k; s++) for (let j = 0; j < d; j++) c[s * d + j] /= Math.max(1, cnt[s]);
  return c;
}

/** Decodes z in the canonical pose: angle 0 for a model with an angle latent, the plain decoder otherwise. */
function decodeCanonical(model: LatentModel, z: Float32Array, rotates: boolean): ImageStack {
  return rotates ? model.decode(z, { angle: 0 }) : model.decode(z);
}

/** Result of `suitScores`. */
export interface SuitScores {
  /** per suit: correlation of the decoded cluster centre with its own suit's glyph (best rotation) */
  ownCorrelation: number[];
  /** per suit: is the decoded cluster centre nearest to its own suit's glyph? */
  nearestRight: boolean[];
  /** fraction of held-out reconstructions (their z, canonical pose) nearest to their true suit's glyph */
  reconToSuit: number;
}

/**
 * Does the decoder draw the suits? Each suit's cluster centre (mean z of its held-out cards) is decoded in
 * the canonical pose and matched against the exact glyphs (`cards.matchSuits` at the data's glyph scale);
 * so are the reconstructions of up to `maxRecon` held-out cards.
 */
export function suitScores(
  model: LatentModel,
  enc: Encoding,
  suit: Int32Array,
  scale: number,
  rotates: boolean,
  maxRecon = 400,
): SuitScores {
  const k = 4;
  const drawn = cards.matchSuits(decodeCanonical(model, classCentres(enc, suit, k), rotates), { scale });
  const ownCorrelation = Array.from({ length: k }, (_, s) => drawn.perSuit[s * k + s]);
  const nearestRight = Array.from({ length: k }, (_, s) => drawn.suit[s] === s);
  const m = Math.min(maxRecon, enc.n);
  const recon = cards.matchSuits(decodeCanonical(model, enc.zMean.slice(0, m * enc.latentDim), rotates), {
    scale,
  });
  let ok = 0;
  for (let i = 0; i < m; i++) if (recon.suit[i] === suit[i]) ok++;
  return { ownCorrelation, nearestRight, reconToSuit: ok / m };
}

/**
 * Cells of the manifold over the prior's central ±`half` (steps × steps grid, canonical pose) whose 3-px
 * border has a mean intensity above 0.5: an inverted (white) background where the data are dark.
 */
export function invertedCells(model: LatentModel, half = 1.5, steps = 7): number {
  const man = model.manifold({ range: [-half, half], steps });
  const { height: h, width: w } = man;
  let inverted = 0;
  for (let k = 0; k < man.n; k++) {
    let sum = 0,
      count = 0;
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        if (i < 3 || j < 3 || i >= h - 3 || j >= w - 3) {
          sum += man.data[k * h * w + i * w + j];
          count++;
        }
    if (sum / count > 0.5) inverted++;
  }
  return inverted;
}

/** The first m images of a stack (a view, no copy). */
export function headImages(images: ImageStack, m: number): ImageStack {
  const px = images.height * images.width;
  return imageStack(
    images.data.subarray(0, Math.min(m, images.n) * px),
    Math.min(m, images.n),
    images.height,
    images.width,
  );
}
