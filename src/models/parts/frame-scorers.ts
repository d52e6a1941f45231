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
 * after the scorer's).
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
  if (p.kind === "learned")
    scorer.learnedPrior = new LearnedFramePrior(params, p.latentDim, scorer.geometry.steps, rng);
  return scorer;
}
