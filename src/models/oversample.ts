import { concatImages, ImageStack, selectImages } from "../data/image-stack";
import { check, checkInt } from "../util/errors";

/** Training images and labels with the labelled images repeated (see {@link oversampleLabelled}). */
export interface OversampledSet {
  images: ImageStack;
  /** a class or −1 (unlabelled) per image of `images` */
  labels: Int32Array;
}

/**
 * The semi-supervised rVAE's training set with every labelled image (label ≥ 0) appended `times` more times, so
 * that a mini-batch holds labelled images often (1 % labels, batch 32: 0.3 per batch; with `times` 10, 3).
 * Why: with labels this rare the decoder seldom sees a true one-hot class, learns to draw the class from z, and
 * the unlabelled images' q(y|x) stay near uniform (class KL 0.1–0.4 nats), so their argmax flips between
 * clubs and spades from epoch to epoch; repeated labelled images make the decoder draw by class and
 * q(y|x) confident (docs/experiments/jrvae-classes.md). pyroVED's trainer likewise interleaves labelled batches
 * with the unlabelled ones (`auxSVItrainer.train`). Unlabelled images stay once each.
 */
export function oversampleLabelled(
  images: ImageStack,
  labels: ArrayLike<number>,
  times = 10,
  where = "oversampleLabelled",
): OversampledSet {
  const stack = images;
  check(labels.length === stack.n, where, `got ${labels.length} labels for ${stack.n} images; expected one per image`);
  checkInt(times, where, "times", 0);
  const labelled: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    check(Number.isInteger(labels[i]) && labels[i] >= -1, where, `label ${labels[i]} at index ${i}: expected ≥ −1`);
    if (labels[i] >= 0) labelled.push(i);
  }
  const extra = Array.from({ length: times }, () => labelled).flat();
  return {
    images: extra.length ? concatImages([stack, selectImages(stack, extra)]) : stack,
    labels: Int32Array.from([...Array.from(labels), ...extra.map((i) => labels[i])]),
  };
}
