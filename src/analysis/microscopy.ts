import { ImageStack } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import { PoseEncoder, RVAE, ShiftVAE } from "../models";
import { train } from "../training";
import type { Encoding } from "./encode";
import { gmm, kmeans } from "./cluster";

/**
 * The rVAE route of the microscopy lecture on atom-centred patches, as one call: scale the patches,
 * train an rVAE, encode, build the clustering features, cluster. The scripts and tests use it so that
 * what is scored is exactly what a user runs.
 */

/** Scales patches to [0, 1] by the 0.1 / 99.9 percentiles of all their pixels (the Bernoulli likelihood wants [0, 1]). */
export function unitPatches(p: ImageStack): ImageStack {
  const s = Float32Array.from(p.data).sort();
  const lo = s[Math.floor(0.001 * (s.length - 1))], hi = s[Math.floor(0.999 * (s.length - 1))];
  const span = hi - lo || 1;
  return { ...p, data: p.data.map((v) => Math.min(1, Math.max(0, (v - lo) / span))) };
}

/**
 * What the clustering sees:
 * - "z": the content latents only. Right when the classes are meant to be independent of orientation and
 *   position (phases of a polycrystal: a NiO grain is NiO whatever its rotation).
 * - "z+pose": z, (cos γ, sin γ) and the offsets (dx, dy) in px. Right when the class *is* a direction:
 *   ferroelectric domains. The polar B-site displacement moves the centred column against its
 *   neighbours, which the rVAE reads as an offset of the lattice frame (dx, dy), and domains whose
 *   polarisations differ by 90° are rotated copies of each other, which a rotation-invariant z maps
 *   together. The angle enters as (cos, sin) so that −179° and 179° are neighbours.
 */
export type ClusterFeatures = "z" | "z+pose";

/**
 * Builds n × dim clustering features from an encoding. Not standardised: z is on the N(0, 1) prior's scale,
 * cos/sin in [−1, 1] and offsets in px (±1 for the displacements here) are comparable already, and
 * standardising would blow up a feature that barely varies (an unused angle) into noise of unit variance.
 */
export function clusterFeatures(enc: Encoding, which: ClusterFeatures): { data: Float32Array; dim: number } {
  const d = enc.latentDim, n = enc.n;
  const extra = which === "z" ? 0 : (enc.angle ? 2 : 0) + (enc.dx ? 2 : 0);
  const dim = d + extra;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * dim + j] = enc.zMean[i * d + j];
    let c = d;
    if (which === "z+pose") {
      if (enc.angle) { out[i * dim + c++] = Math.cos(enc.angle[i]); out[i * dim + c++] = Math.sin(enc.angle[i]); }
      if (enc.dx && enc.dy) { out[i * dim + c++] = enc.dx[i]; out[i * dim + c++] = enc.dy[i]; }
    }
  }
  return { data: out, dim };
}

/** Options of {@link rvaePatchClasses}. */
export interface RvaePatchOptions {
  /** number of classes */
  k: number;
  /** default "z" */
  features?: ClusterFeatures;
  /** "gmm" (default, full covariance) or "kmeans" */
  cluster?: "gmm" | "kmeans";
  /** model: "rvae" (default) or "shift" (shift-VAE, no angle) */
  model?: "rvae" | "shift";
  latentDim?: number;
  /**
   * s_γ, rad; default 0.3. Narrower than the library's π/2 on purpose: the lattices here are 4-fold, so
   * any orientation is within ±45° of an upright one, and a tight prior keeps the decoder from learning a
   * rotation-blurred average (the collapse seen on cards, docs/experiments/rvae-angle-collapse.md).
   * Measured on the polycrystalline interface: KL_γ ≈ 1.9 nats (the angle is used) vs 0.03 with π/2.
   */
  rotationPrior?: number;
  /**
   * Pose encoder of the rVAE; default "mlp". The equivariant one (the library default, built for isolated
   * objects under large rotations) centres patches on their intensity centroid and picks one of the
   * lattice's n equivalent orientations per patch, so its angle map would jump by 360°/n between
   * neighbours; lattice patches turn by a few degrees at most, where the one-pass MLP is enough.
   */
  poseEncoder?: PoseEncoder;
  /** s_Δr in grid units; default 0.05 (≈ 0.6 px on a 24 px patch: atom-finding errors and polar displacements) */
  translationPrior?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  encoderHidden?: number[];
  decoderHidden?: number[];
}

/** Result of {@link rvaePatchClasses}. */
export interface RvaePatchResult {
  model: RVAE;
  encoding: Encoding;
  labels: Int32Array;
  features: { data: Float32Array; dim: number };
  /** last-epoch loss terms (nats per patch) */
  final: { loss: number; reconstruction: number; klZ: number; klAngle: number; klOffset: number };
  trainSeconds: number;
}

/**
 * Trains an rVAE (or shift-VAE) on patches already scaled to [0, 1] and clusters its latents. The
 * caller owns the returned model (dispose it).
 */
export async function rvaePatchClasses(images: ImageStack, opts: RvaePatchOptions): Promise<RvaePatchResult> {
  checkInt(opts.k, "rvaePatchClasses", "k");
  check(images.n >= opts.k, "rvaePatchClasses", `need at least k = ${opts.k} patches, got ${images.n}`);
  const seed = opts.seed ?? 0;
  const common = {
    imageShape: [images.height, images.width] as [number, number], latentDim: opts.latentDim ?? 2, seed,
    translationPrior: opts.translationPrior ?? 0.05,
    encoderHidden: opts.encoderHidden ?? [128, 128], decoderHidden: opts.decoderHidden ?? [64, 64],
  };
  const model = opts.model === "shift" ? new ShiftVAE(common) : new RVAE({ ...common, rotationPrior: opts.rotationPrior ?? 0.3, poseEncoder: opts.poseEncoder ?? "mlp" });
  const t0 = Date.now();
  const h = await train(model, images, {
    epochs: opts.epochs ?? 150, batchSize: opts.batchSize ?? 32, learningRate: opts.learningRate ?? 2e-3, seed, progress: false,
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  const encoding = model.encode(images);
  const features = clusterFeatures(encoding, opts.features ?? "z");
  const labels = (opts.cluster ?? "gmm") === "gmm"
    ? gmm(features.data, features.dim, opts.k, { seed, nInit: 4 }).labels
    : kmeans(features.data, features.dim, opts.k, { seed, restarts: 8 }).labels;
  const last = (a: number[]) => a[a.length - 1];
  return {
    model, encoding, labels, features, trainSeconds,
    final: { loss: last(h.loss), reconstruction: last(h.reconstruction), klZ: last(h.klZ), klAngle: last(h.klAngle), klOffset: last(h.klOffset) },
  };
}

/**
 * Names every cluster by the majority ground-truth label of its members (what a user does by looking at
 * each class) and returns the named labels and the accuracy. Applied identically to every method compared.
 */
export function nameClustersByMajority(pred: ArrayLike<number>, truth: ArrayLike<number>): { named: Int32Array; accuracy: number; mapping: Map<number, number> } {
  check(pred.length === truth.length, "nameClustersByMajority", `got ${pred.length} labels for ${truth.length} truths`);
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < pred.length; i++) {
    let m = votes.get(pred[i]);
    if (!m) votes.set(pred[i], (m = new Map()));
    m.set(truth[i], (m.get(truth[i]) ?? 0) + 1);
  }
  const mapping = new Map<number, number>();
  let ok = 0;
  for (const [c, m] of votes) {
    let best = 0, bc = -1;
    for (const [t, cnt] of m) if (cnt > bc || (cnt === bc && t < best)) { bc = cnt; best = t; }
    mapping.set(c, best);
    ok += bc;
  }
  return { named: Int32Array.from(pred, (p) => mapping.get(p)!), accuracy: pred.length ? ok / pred.length : 0, mapping };
}

/** Mean and sample standard deviation. */
export function meanSd(xs: number[]): { mean: number; sd: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / (n || 1);
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}
