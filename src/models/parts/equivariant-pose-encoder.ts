import * as tf from "@tensorflow/tfjs";
import { fastTanh } from "../ops";
import { frameScores, oppositeFrames, PoseScorer, topFrames, windowedAngle } from "../pose-encoder";
import {
  channelCentroids,
  channelNormalisedImages,
  channelPolarImages,
  firstChannel,
  planePoseGeometry,
} from "../channel-images";
import type { Encoder, MlpEncoder } from "./encoder";
import {
  angleInWindow,
  candidateWeights,
  FrameMixture,
  frameLogPrior,
  frameWindows,
  klFrame,
  klFrameUniform,
  windowLogMass,
} from "./frame-posterior";
import type { Posterior } from "./latents";
import { ScaleSearch, scaledNormalisedImages } from "./scale-search";
import type { FrameSearchConfig } from "../config";
import { halfTurnedPlanes } from "../half-turn-options";
import { klFrameConditional, type LearnedFramePrior, priorInput } from "./learned-frame-prior";

/**
 * The encoder's options: its part of the model config (config.ts `encoderConfig`; the frame options shared by the
 * polar and the group scorer) and the image's channel count.
 */
export type EquivariantPoseOptions = FrameSearchConfig & { channels: number; scaleSearch?: ScaleSearch };

/**
 * What the encoder needs from a frame scorer: the image size, the number K of trial angles α_k = 2πk/K (CCW as
 * displayed) and the scores [B, K] of a batch [B, C·H·W] around its centroids, equivariant (rotating an image by
 * α_1 shifts its scores by one trial). The polar template (`polarFrameScorer`) and the group convolutions
 * (group-pose-scorer.ts, `poseEncoder: "group"`) are the two.
 */
export interface FrameScorer {
  readonly geometry: { height: number; width: number; steps: number };
  scores(xv: Float32Array, B: number, C: number, centre: Float64Array): tf.Tensor2D;
  /** p(k | z) over the trials under `framePrior: "learned"` (frame-scorers.ts makes it) */
  learnedPrior?: LearnedFramePrior;
}

/** The polar scorer of pose-encoder.ts as a {@link FrameScorer}. */
export function polarFrameScorer(s: PoseScorer): FrameScorer {
  return {
    geometry: s.geometry,
    scores: (xv, B, C, centre) =>
      frameScores(channelPolarImages(xv, B, C, planePoseGeometry(s.geometry, C), centre), B, s),
  };
}

/** −log p(x | posterior means) on a pixel subset, per image [B]: how well a candidate frame reconstructs. */
export type CandidateScore = (
  post: Posterior,
  c: tf.Tensor2D | null,
  pixels: Int32Array,
  x: tf.Tensor2D,
) => tf.Tensor1D;

/**
 * The rotation-equivariant pose encoder (`poseEncoder: "equivariant"`, pose-encoder.ts): the angle from the
 * frame scores of a `FrameScorer` (the polar image's; with `poseEncoder: "group"` group convolutions',
 * group-pose-scorer.ts), then z, an angle residual and the offset from the MLP on the image
 * centred and de-rotated by that angle. The offset is the centroid plus the MLP's offset turned by γ.
 * With `frameCandidates > 1` the best frames are decoded and the one reconstructing best is kept; with
 * `framePosterior` they are the support of a categorical posterior instead (frame-posterior.ts): training
 * marginalises over them (`frameMixture`), encoding keeps the most probable one.
 * With `channels` C > 1 (rows [B, C·P]) one pose serves all channels (channel-images.ts says how).
 */
export class EquivariantPoseEncoder implements Encoder {
  /** candidates form a posterior q(frame|x) that training marginalises over (needs frameCandidates ≥ 2) */
  readonly framePosterior: boolean;
  private readonly frameCandidates: number;
  private readonly channels: number;
  /** px: the MLP's offset is bounded to ±offsetBound per axis (0 = unbounded) */
  private readonly offsetBound: number;
  /** candidates come in opposite pairs (p, p + 180°): the decoder, not the scorer, settles a half-turn */
  private readonly oppositeFrames: boolean;
  /** training epochs (1-based) up to which z is held at 0, so that every class is aligned to one drawn image */
  private readonly poseWarmup: number;
  /** `scaleEncoder: "equivariant"`: the coarse scale that also de-scales the MLP's image (scale-search.ts) */
  private readonly scaleSearch?: ScaleSearch;
  /** log p(k) over the K trials under `framePrior` "rotation"; null for the uniform and the learned prior */
  private readonly logPrior: Float32Array | null;
  /** p(k | z) under `framePrior` "learned" (the scorer's); null otherwise */
  private readonly learnedPrior: LearnedFramePrior | null;
  /** the hard choice ranks candidates by −ELBO (`frameChoice: "elbo"`), which then includes −log p(frame) */
  private readonly choiceByElbo: boolean;
  /** z is the mean of the MLP's z on the canonical image and on it turned by 180° (`halfTurnInvariantZ`) */
  private readonly halfTurnZ: boolean;

  constructor(
    private readonly mlp: MlpEncoder,
    private readonly scorer: FrameScorer,
    private readonly candidateScore: CandidateScore,
    opts: EquivariantPoseOptions,
  ) {
    this.framePosterior = opts.framePosterior;
    this.frameCandidates = opts.frameCandidates;
    this.channels = opts.channels;
    this.offsetBound = opts.offsetBound;
    this.oppositeFrames = opts.oppositeFrames;
    this.poseWarmup = opts.poseWarmup;
    this.scaleSearch = opts.scaleSearch;
    const prior = opts.framePrior ?? { kind: "uniform" };
    this.logPrior = prior.kind === "rotation" ? frameLogPrior(scorer.geometry.steps, prior) : null;
    this.learnedPrior = prior.kind === "learned" ? (scorer.learnedPrior ?? null) : null;
    if (prior.kind === "learned" && !this.learnedPrior) throw new Error("EquivariantPoseEncoder: no learned prior");
    this.choiceByElbo = opts.frameChoice === "elbo";
    this.halfTurnZ = opts.halfTurnInvariantZ ?? false;
  }

  /**
   * A candidate's score for the hard choice: its −log p(x|means) or −ELBO [B] (`v`), plus −log p(frame) of its trial
   * `frame[b]` when the ELBO decides under the rotation prior (the KL of a frame posterior sure of that frame, less
   * a constant), so that a half-turned frame that reconstructs as well as the upright one loses.
   */
  private withFramePrior(v: Float32Array, frame: Int32Array): Float32Array {
    const lp = this.logPrior;
    if (!lp || !this.choiceByElbo) return v;
    return v.map((u, b) => u - lp[frame[b]]);
  }

  /** True while training is in the pose warm-up: `epoch` is given (training only) and at most `poseWarmup`. */
  private zHeld(epoch?: number): boolean {
    return epoch !== undefined && epoch <= this.poseWarmup;
  }

  /**
   * Separation of the candidate frames: 45° for up to 4 (two-fold shapes keep a defined frame), 180°/m beyond,
   * so that m candidates always fit on the circle.
   */
  private separation(): number {
    return Math.min(Math.PI / 4, Math.PI / Math.max(1, this.frameCandidates));
  }

  /** Centroids, frame scores and the candidate frames of a batch. */
  private search(x: tf.Tensor2D) {
    const [B] = x.shape;
    const g = this.scorer.geometry;
    const xv = x.dataSync() as Float32Array;
    const C = this.channels;
    const centre = channelCentroids(xv, B, C, g.height, g.width);
    const scores = this.scorer.scores(xv, B, C, centre);
    const m = Math.max(1, this.frameCandidates);
    const frames = this.oppositeFrames
      ? oppositeFrames(scores.dataSync(), B, g.steps, m, this.separation())
      : topFrames(scores.dataSync(), B, g.steps, m, this.separation());
    // up to 4 hard candidates keep the ±45° refinement; more candidates or the posterior use disjoint windows
    const masks = this.framePosterior || frames.length > 4 ? frameWindows(frames, B, g.steps, this.separation()) : null;
    const coarse = (f: Int32Array, i: number) =>
      masks ? angleInWindow(scores, f, masks[i]) : windowedAngle(scores, f);
    return { xv, centre, scores, frames, masks, coarse };
  }

  /**
   * q(latents | x); `epoch` (training only) holds z at 0 during the pose warm-up. `hint` (an angle per image) replaces
   * the frame search: the image is de-rotated by the hint itself, and the angle is the hint plus the MLP's residual
   * (at most one trial step).
   */
  posterior(x: tf.Tensor2D, c: tf.Tensor2D | null, epoch?: number, hint?: Float32Array): Posterior {
    const [B] = x.shape;
    const g = this.scorer.geometry;
    const held = this.zHeld(epoch);
    // the given angle is the frame itself, so nothing is searched: the scorer does not move it (its single template
    // is what fails on objects that differ within a kind; rotated-digits-pose.md, session 14); the MLP's residual
    // refines it
    if (hint) {
      const xv = x.dataSync() as Float32Array;
      const centre = channelCentroids(xv, B, this.channels, g.height, g.width);
      return this.inFrame(x, xv, c, tf.tensor1d(hint), centre, held);
    }
    const { xv, centre, scores, frames, masks, coarse } = this.search(x);
    if (frames.length === 1) return this.inFrame(x, xv, c, coarse(frames[0], 0), centre, held);
    // per image, the index of the candidate kept
    const pick = new Int32Array(B);
    if (this.framePosterior) {
      const w = candidateWeights(windowLogMass(scores, masks!));
      const wv = w.dataSync();
      for (let b = 0; b < B; b++)
        for (let i = 1; i < frames.length; i++)
          if (wv[b * frames.length + i] > wv[b * frames.length + pick[b]]) pick[b] = i;
    } else {
      const pix = candidatePixels(g.height, g.width);
      let bestNll: Float32Array | null = null;
      frames.forEach((f, i) => {
        const nll = tf.tidy(() => this.candidateScore(this.inFrame(x, xv, c, coarse(f, i), centre, held), c, pix, x));
        const v = this.withFramePrior(nll.dataSync() as Float32Array, f);
        nll.dispose();
        for (let b = 0; b < B; b++) if (!bestNll || v[b] < bestNll[b]) pick[b] = i;
        bestNll = bestNll ? bestNll.map((u, b) => Math.min(u, v[b])) : v.slice();
      });
    }
    const chosen = Int32Array.from(pick, (i, b) => frames[i][b]);
    if (!masks) return this.inFrame(x, xv, c, windowedAngle(scores, chosen), centre, held);
    const mask = new Float32Array(B * g.steps);
    for (let b = 0; b < B; b++) mask.set(masks[pick[b]].subarray(b * g.steps, (b + 1) * g.steps), b * g.steps);
    return this.inFrame(x, xv, c, angleInWindow(scores, chosen, mask), centre, held);
  }

  /**
   * Under `framePosterior`: the posterior of every candidate frame, their weights and the frame KL, for the
   * marginalised ELBO (call inside a tf.tidy); null otherwise.
   */
  frameMixture(x: tf.Tensor2D, c: tf.Tensor2D | null, epoch?: number): FrameMixture | null {
    if (!this.framePosterior) return null;
    const { xv, centre, scores, frames, masks, coarse } = this.search(x);
    const held = this.zHeld(epoch);
    const posts = frames.map((f, i) => this.inFrame(x, xv, c, coarse(f, i), centre, held));
    const weights = candidateWeights(windowLogMass(scores, masks!));
    // the learned prior reads the candidates' weighed z mean as a constant (learned-frame-prior.ts)
    const lp = this.learnedPrior?.logPrior(
      priorInput(
        posts.map((p) => p.z.mean as tf.Tensor2D),
        weights,
      ),
    );
    // the uniform prior keeps its own closed form, so that earlier seeded runs are unchanged to the last float
    const kl = lp
      ? klFrameConditional(scores, lp)
      : this.logPrior
        ? klFrame(scores, this.logPrior)
        : klFrameUniform(scores);
    return { posts, weights, klFrame: kl };
  }

  /**
   * The posterior when the coarse angle `coarse[b]` is taken for image b (a frame refined in its window): z, angle
   * residual and offset from the MLP on the image centred and de-rotated by it. With `zHeld` z is 0 (posterior
   * N(0, e⁻²⁰): its sample is 0 to float precision, its KL a constant 9.5 nats per column with no gradient).
   */
  private inFrame(
    x: tf.Tensor2D,
    xv: Float32Array,
    c: tf.Tensor2D | null,
    coarse: tf.Tensor1D,
    centre: Float64Array,
    zHeld = false,
  ): Posterior {
    const [B, P] = x.shape;
    const { height: H, width: W, steps } = this.scorer.geometry;
    const angles = coarse.dataSync() as Float32Array;
    const C = this.channels,
      ss = this.scaleSearch;
    const sc = ss?.coarse(ss.logGyration(firstChannel(xv, B, C, H * W), B, centre));
    const xa = sc
      ? scaledNormalisedImages(xv, B, C, H, W, centre, angles, sc.scale)
      : channelNormalisedImages(xv, B, C, H, W, centre, angles);
    const xn = tf.tensor2d(xa, [B, P]);
    // the canonical image turned by 180°: exactly the image de-rotated by the opposite frame (half-turn-options.ts)
    const xr = this.halfTurnZ ? tf.tensor2d(halfTurnedPlanes(xa, B, C, H * W), [B, P]) : null;
    // coarse and xn stay alive until the caller's tidy ends: the backward pass still reads xn
    return tf.tidy((): tf.TensorContainer => {
      // the MLP's angle column is a residual of at most one trial step; its offset column an offset in the de-rotated
      // frame
      const out = this.mlp.posterior(xn, c);
      if (sc) ss!.attach(out, sc);
      if (xr) {
        // z averaged over the frame and its half-turn: the same z whichever of the two frames is chosen
        const zr = this.mlp.posterior(xr, c).z;
        out.z = {
          mean: tf.mul(0.5, tf.add(out.z.mean, zr.mean)),
          logVar: tf.mul(0.5, tf.add(out.z.logVar, zr.logVar)),
        };
      }
      if (zHeld) out.z = { mean: tf.zerosLike(out.z.mean), logVar: tf.fill(out.z.mean.shape, -20) as tf.Tensor2D };
      const a = out.angle;
      const gamma = tf.add(coarse, tf.mul((2 * Math.PI) / steps, fastTanh(a.mean.reshape([-1]))));
      out.angle = { mean: tf.atan2(tf.sin(gamma), tf.cos(gamma)).reshape([-1, 1]) as tf.Tensor2D, logVar: a.logVar };
      if (out.offset) {
        const cg = new Float32Array(2 * B);
        for (let b = 0; b < B; b++) {
          cg[2 * b] = (2 * centre[2 * b + 1]) / (W - 1) - 1;
          cg[2 * b + 1] = 1 - (2 * centre[2 * b]) / (H - 1);
        }
        // bounded, the MLP cannot hold a per-class offset that lets the decoder draw off-centre
        const b = (2 * this.offsetBound) / (W - 1);
        const t = this.offsetBound > 0 ? tf.mul(b, tf.tanh(out.offset.mean)) : out.offset.mean;
        const ux = t.slice([0, 0], [-1, 1]).reshape([-1]),
          uy = t.slice([0, 1], [-1, 1]).reshape([-1]);
        const cos = tf.cos(gamma),
          sin = tf.sin(gamma);
        const turned = tf.stack(
          [tf.sub(tf.mul(ux, cos), tf.mul(uy, sin)), tf.add(tf.mul(ux, sin), tf.mul(uy, cos))],
          1,
        );
        out.offset = { mean: tf.add(tf.tensor2d(cg, [B, 2]), turned) as tf.Tensor2D, logVar: out.offset.logVar };
      }
      return out as unknown as tf.TensorContainer;
    }) as unknown as Posterior;
  }
}

/** Pixels on which candidate frames are compared: a regular grid of at most ~600 (all pixels of small images). */
function candidatePixels(H: number, W: number): Int32Array {
  const stride = Math.max(1, Math.round(Math.sqrt((H * W) / 600)));
  const out: number[] = [];
  for (let i = Math.floor(stride / 2); i < H; i += stride)
    for (let j = Math.floor(stride / 2); j < W; j += stride) out.push(i * W + j);
  return Int32Array.from(out);
}
