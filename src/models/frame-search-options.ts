import type { RVAEOptions } from "./options";
import { framePriorOption, framePriorSpec, type FramePriorField, type FramePriorSearch } from "./frame-prior-options";
import { halfTurnOption, type HalfTurnField, type HalfTurnSearch } from "./half-turn-options";

/** The fields these options add to a stored model config. */
export interface FrameFields extends FramePriorField, HalfTurnField {}

/** What the frame search reads of them. */
export interface FrameSearchExtras extends FramePriorSearch, HalfTurnSearch {}

/**
 * The frame-search options that live outside config.ts (which is at its size limit), checked and as stored:
 * `framePrior` (frame-prior-options.ts) and `halfTurnInvariantZ` (half-turn-options.ts), each present only when set.
 * `framed`: rotation with poseEncoder "equivariant" or "group"; `weighed`: frames are weighed against each other.
 */
export function frameSearchOptions(o: RVAEOptions, framed: boolean, weighed: boolean, where: string): FrameFields {
  return { ...framePriorOption(o, framed, weighed, where), ...halfTurnOption(o, framed, where) };
}

/** What the frame search reads of those options in a stored configuration. */
export function frameSearchSpec(c: FrameFields & { rotationPrior: number; latentDim: number }): FrameSearchExtras {
  return { framePrior: framePriorSpec(c), halfTurnInvariantZ: c.halfTurnInvariantZ === true };
}
