import { ImageStack } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import { Likelihood, PoseEncoder, RVAE, ShiftVAE } from "../models";
import { train } from "../training";
import type { Encoding } from "./encode";
import { gmm, kmeans } from "./cluster";
import { circularMean, foldAngle } from "./metrics";

/**
 * The rVAE route of the microscopy lecture on atom-centred patches, as one call: scale the patches,
 * train an rVAE, encode, build the clustering features, cluster. The scripts and tests use it so that
 * what is scored is exactly what a user runs.
 */

/** The 0.1 and 99.9 percentiles of all pixels of a stack: the range {@link unitPatches} maps to [0, 1]. */
export function patchRange(p: ImageStack): [number, number] {
  const s = Float32Array.from(p.data).sort();
  return [s[Math.floor(0.001 * (s.length - 1))], s[Math.floor(0.999 * (s.length - 1))]];
}

/**
 * Scales patches to [0, 1] by the 0.1 / 99.9 percentiles of all their pixels, clipped (one scale for all
 * patches keeps the Z contrast between them). Pass `range` (from {@link patchRange} of the training
 * patches) to scale other patches, e.g. probe windows, exactly like the training set.
 */
export function unitPatches(p: ImageStack, opts: { range?: [number, number] } = {}): ImageStack {
  const [lo, hi] = opts.range ?? patchRange(p);
  check(
    Number.isFinite(lo) && Number.isFinite(hi),
    "unitPatches",
    `range must be two finite numbers, got ${lo}, ${hi}`,
  );
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
 * - "pose": (cos γ, sin γ) and (dx, dy) only: the direction alone, when the chemistry in z (a defect, a
 *   neighbouring wall) should not split a domain.
 * - "offsets" / "z+offsets": (dx, dy) alone or with z. Right when the class is a displacement and the
 *   angle only picks one of a lattice's equivalent frames: the Fe off-centring of a BiFeO3-like film is
 *   the offset of the Bi cage around the Fe column, whatever frame the pose encoder chose.
 *
 * The angle of the equivariant pose encoder over a lattice is one of `angleFold` equivalent frames
 * (4 on a square lattice): it enters as (cos fγ, sin fγ) with f = `angleFold`, so equivalent frames
 * coincide and only the lattice's real rotation is left.
 */
export type ClusterFeatures = "z" | "z+pose" | "pose" | "z+offsets" | "offsets";

const FEATURES: ClusterFeatures[] = ["z", "z+pose", "pose", "z+offsets", "offsets"];

/**
 * Builds n × dim clustering features from an encoding. Not standardised: z is on the N(0, 1) prior's scale,
 * cos/sin in [−1, 1] and offsets in px (±1 for the displacements here) are comparable already, and
 * standardising would blow up a feature that barely varies (an unused angle) into noise of unit variance.
 */
export function clusterFeatures(
  enc: Encoding,
  which: ClusterFeatures,
  opts: { angleFold?: number } = {},
): { data: Float32Array; dim: number } {
  const where = "clusterFeatures";
  check(
    FEATURES.includes(which),
    where,
    `features must be one of ${FEATURES.map((f) => `"${f}"`).join(", ")}, got ${String(which)}`,
  );
  const fold = opts.angleFold ?? 1;
  checkInt(fold, where, "angleFold", 1);
  const d = enc.latentDim,
    n = enc.n;
  const useZ = which.startsWith("z");
  const useAngle = which.endsWith("pose") && !!enc.angle;
  const useOffsets = which !== "z" && !!enc.dx && !!enc.dy;
  check(
    which === "z" || useOffsets || useAngle,
    where,
    `features "${which}" need offsets${which.endsWith("pose") ? " or an angle" : ""}, and this model has none (use ` +
      `a model with translation)`,
  );
  const dim = (useZ ? d : 0) + (useAngle ? 2 : 0) + (useOffsets ? 2 : 0);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let c = i * dim;
    if (useZ) for (let j = 0; j < d; j++) out[c++] = enc.zMean[i * d + j];
    if (useAngle) {
      out[c++] = Math.cos(fold * enc.angle![i]);
      out[c++] = Math.sin(fold * enc.angle![i]);
    }
    if (useOffsets) {
      out[c++] = enc.dx![i];
      out[c++] = enc.dy![i];
    }
  }
  return { data: out, dim };
}

/**
 * The local lattice rotation from the rVAE angle: each column kind's decoder learns its own upright frame
 * (over a square lattice the LSMO A and B columns' frames are 45° apart), so the folded angle is measured
 * from the circular mean of its class (`labels`, e.g. the k-means classes): what is left is the rotation of
 * the lattice around each column, in (−π/fold, π/fold]. Map this, not the raw angle.
 */
export function latticeRotation(angle: ArrayLike<number>, labels: ArrayLike<number>, fold: number): Float32Array {
  check(angle.length === labels.length, "latticeRotation", `got ${angle.length} angles for ${labels.length} labels`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < angle.length; i++) {
    check(Number.isFinite(angle[i]), "latticeRotation", `angle ${i} is not finite (${angle[i]})`);
    let a = byClass.get(labels[i]);
    if (!a) byClass.set(labels[i], (a = []));
    a.push(fold * angle[i]);
  }
  const mean = new Map([...byClass].map(([c, a]) => [c, circularMean(a) / fold]));
  return Float32Array.from(angle, (a, i) => foldAngle(a - mean.get(labels[i])!, fold));
}

/**
 * Classes of clustering features, by the rule of {@link rvaePatchClasses}: k-means with 8 restarts (the PCA
 * baseline's clustering) or a full-covariance GMM started from k-means. Use it to re-cluster the same
 * features at another k (e.g. the number of phases rather than of column kinds).
 */
export function clusterLabels(
  features: { data: Float32Array; dim: number },
  k: number,
  opts: { cluster?: "gmm" | "kmeans"; seed?: number } = {},
): Int32Array {
  const seed = opts.seed ?? 0;
  return (opts.cluster ?? "kmeans") === "gmm"
    ? gmm(features.data, features.dim, k, { seed, init: "kmeans", nInit: 1 }).labels
    : kmeans(features.data, features.dim, k, { seed, restarts: 8 }).labels;
}

/** Options of {@link rvaePatchClasses}. */
export interface RvaePatchOptions {
  /** number of classes */
  k: number;
  /** default "z" */
  features?: ClusterFeatures;
  /**
   * "kmeans" (default, 8 restarts: the clustering of the PCA baseline, so that a comparison differs only
   * in the features) or "gmm" (full covariance, started from k-means as scikit-learn does). Measured on
   * the interface (z of 3 seeds, 10-NN phase accuracy 0.99): k-means 0.99, GMM from k-means 0.96, GMM
   * with 4 random starts 0.88 (its best-likelihood start splits the largest phase along its spread).
   */
  cluster?: "gmm" | "kmeans";
  /** lattice symmetry by which the angle is folded in the pose features (see {@link ClusterFeatures}); default 1 */
  angleFold?: number;
  /** model: "rvae" (default) or "shift" (shift-VAE, no angle) */
  model?: "rvae" | "shift";
  latentDim?: number;
  /**
   * s_γ, rad; default 0.3. Chosen for the one-pass MLP encoder, where a tight prior kept the angle from
   * collapsing (KL_γ 1.9 nats vs 0.03 with π/2 on the polycrystalline interface). The equivariant encoder
   * cannot collapse, and its angles over a lattice spread over all n frames, so KL_γ is large (15–20
   * nats) but constant; with π/2 the classes were no better (interface 0.96, domain Fe 0.93 vs 0.96).
   */
  rotationPrior?: number;
  /**
   * Pose encoder of the rVAE; default "equivariant" (the library default). Over a lattice it picks one of
   * the n equivalent orientations per patch, so fold its angle by the lattice symmetry before mapping it
   * (`foldAngle`, `angleFold`); in return z cannot see the orientation at all, which is what separates
   * structures seen at any rotation (square vs hexagonal grains, docs/MICROSCOPY.md). The one-pass MLP
   * ("mlp") reads small displacements at least as well: Fe sublattice of the domain image, offsets as
   * features, s_Δr 0.15, 3 seeds: MLP 0.98, equivariant 0.96.
   */
  poseEncoder?: PoseEncoder;
  /** s_Δr in grid units; default 0.05 (≈ 0.6 px on a 24 px patch: atom-finding errors and polar displacements) */
  translationPrior?: number;
  /**
   * pixel likelihood; default "gaussian". HAADF patches scaled to [0, 1] are mostly dark (0.1–0.3), where
   * a Bernoulli likelihood is as flat as a Gaussian of σ ≈ 0.45: z then carries 1–2 nats and the classes
   * change with the seed (interface 0.92–0.97, square/hexagonal grains 0.63–0.93 over 3 seeds).
   */
  likelihood?: Likelihood;
  /**
   * σ of the Gaussian likelihood on the [0, 1] scale; default 0.1, about twice the pixel noise of the
   * synthetic images at their default dose (z then carries ≈ 10 nats; a 10-NN classifier on z reaches
   * 0.99 of the phases). Set it near the noise of your own patches.
   */
  decoderSigma?: number;
  /** KL weight β (default 1) */
  beta?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  encoderHidden?: number[];
  decoderHidden?: number[];
}

/** Result of {@link rvaePatchClasses}. */
export interface RvaePatchResult {
  model: RVAE | ShiftVAE;
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
    imageShape: [images.height, images.width] as [number, number],
    latentDim: opts.latentDim ?? 2,
    seed,
    translationPrior: opts.translationPrior ?? 0.05,
    encoderHidden: opts.encoderHidden ?? [128, 128],
    decoderHidden: opts.decoderHidden ?? [64, 64],
    likelihood: opts.likelihood ?? "gaussian",
    decoderSigma: opts.decoderSigma ?? 0.1,
  };
  const model =
    opts.model === "shift"
      ? new ShiftVAE(common)
      : new RVAE({
          ...common,
          rotationPrior: opts.rotationPrior ?? 0.3,
          poseEncoder: opts.poseEncoder ?? "equivariant",
        });
  const t0 = Date.now();
  const h = await train(model, images, {
    epochs: opts.epochs ?? 150,
    batchSize: opts.batchSize ?? 32,
    learningRate: opts.learningRate ?? 2e-3,
    seed,
    progress: false,
    beta: opts.beta,
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  const encoding = model.encode(images);
  const features = clusterFeatures(encoding, opts.features ?? "z", { angleFold: opts.angleFold });
  const labels = clusterLabels(features, opts.k, { cluster: opts.cluster, seed });
  const last = (a: number[]) => a[a.length - 1];
  return {
    model,
    encoding,
    labels,
    features,
    trainSeconds,
    final: {
      loss: last(h.loss),
      reconstruction: last(h.reconstruction),
      klZ: last(h.klZ),
      klAngle: last(h.klAngle),
      klOffset: last(h.klOffset),
    },
  };
}

/**
 * Names every cluster by the majority ground-truth label of its members (what a user does by looking at
 * each class) and returns the named labels and the accuracy. Applied identically to every method compared.
 */
export function nameClustersByMajority(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
): { named: Int32Array; accuracy: number; mapping: Map<number, number> } {
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
    let best = 0,
      bc = -1;
    for (const [t, cnt] of m)
      if (cnt > bc || (cnt === bc && t < best)) {
        bc = cnt;
        best = t;
      }
    mapping.set(c, best);
    ok += bc;
  }
  return {
    named: Int32Array.from(pred, (p) => mapping.get(p)!),
    accuracy: pred.length ? ok / pred.length : 0,
    mapping,
  };
}

/** Mean and sample standard deviation. */
export function meanSd(xs: number[]): { mean: number; sd: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / (n || 1);
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}
