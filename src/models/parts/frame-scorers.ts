import { Random } from "../../util/random";
import { channelPoseGeometry } from "../channel-images";
import type { EncoderConfig } from "../config";
import { ParamStore } from "../params";
import { createPoseScorer, poseGeometry } from "../pose-encoder";
import { type FrameScorer, polarFrameScorer } from "./equivariant-pose-encoder";
import { GroupPoseScorer } from "./group-pose-scorer";

/**
 * The frame scorer of an equivariant pose encoder, with its weights created in `params` from `rng`: the polar
 * template (`poseEncoder: "equivariant"`, weights `pose.*`) or the group convolutions (`"group"`, weights `group.*`).
 */
export function makeFrameScorer(
  params: ParamStore,
  enc: Extract<EncoderConfig, { kind: "equivariant-pose" | "group-pose" }>,
  h: number,
  w: number,
  channels: number,
  rng: Random,
): FrameScorer {
  if (enc.kind === "group-pose")
    return new GroupPoseScorer(params, h, w, enc.groupRotations, enc.groupChannels, channels, rng);
  const geometry = channelPoseGeometry(poseGeometry(h, w, enc.rotationSteps), channels);
  return polarFrameScorer(createPoseScorer(params, geometry, rng, enc));
}
