import { Random } from "../../util/random";
import { channelPoseGeometry } from "../channel-images";
import type { EncoderConfig } from "../config";
import { ParamStore } from "../params";
import { createPoseScorer, poseGeometry } from "../pose-encoder";
import { type FrameScorer, polarFrameScorer } from "./equivariant-pose-encoder";
import { GroupPoseScorer } from "./group-pose-scorer";
import { LearnedFramePrior } from "./learned-frame-prior";

/**
 * The frame scorer of an equivariant pose encoder, with its weights created in `params` from `rng`: the polar
 * template (`poseEncoder: "equivariant"`, weights `pose.*`) or the group convolutions (`"group"`, weights `group.*`).
 * With `framePrior: "learned"` the scorer carries the prior p(k|z) over its trials (weights `framePrior.*`, made
 * after the scorer's, from their own generator).
 */
export function makeFrameScorer(
  params: ParamStore,
  enc: Extract<EncoderConfig, { kind: "equivariant-pose" | "group-pose" }>,
  h: number,
  w: number,
  channels: number,
  rng: Random,
): FrameScorer {
  const scorer: FrameScorer =
    enc.kind === "group-pose"
      ? new GroupPoseScorer(params, h, w, enc.groupRotations, enc.groupChannels, channels, rng)
      : polarFrameScorer(
          createPoseScorer(params, channelPoseGeometry(poseGeometry(h, w, enc.rotationSteps), channels), rng, enc),
        );
  const p = enc.framePrior;
  // the prior draws from its own generator (derived from rng's state, which it leaves as it was), so that every other
  // weight starts as without it; with its zero output layer the run starts as the uniform prior's
  if (p.kind === "learned") {
    const own = new Random((rng.getState().state ^ 0x9e3779b9) >>> 0);
    scorer.learnedPrior = new LearnedFramePrior(params, p.latentDim, scorer.geometry.steps, own);
  }
  return scorer;
}
