import { check, checkInt } from "../util/errors";
import type { RVAEOptions } from "./options";

/** Defaults of `poseEncoder: "group"` (group-pose-scorer.ts): R = 8 rotation bins, 8 channels per rotation. */
export const GROUP_DEFAULTS = { rotations: 8, channels: 8 } as const;

/**
 * The group scorer's options, checked; stored only when the group encoder is used (`on`), so that no other
 * configuration changes. R must be a multiple of 4 (quarter turns are then exact shifts of q(r|x)).
 */
export function groupOptions(
  o: RVAEOptions,
  on: boolean,
  where: string,
): { groupRotations?: number; groupChannels?: number } {
  check(
    on || (o.groupRotations === undefined && o.groupChannels === undefined),
    where,
    'groupRotations and groupChannels need rotation and poseEncoder: "group"',
  );
  if (!on) return {};
  check(
    o.rotationSteps === undefined,
    where,
    `rotationSteps (${o.rotationSteps}) sets the polar encoder's trial angles; the group encoder's are groupRotations`,
  );
  const groupRotations = o.groupRotations ?? GROUP_DEFAULTS.rotations;
  checkInt(groupRotations, where, "groupRotations (rotation bins of the group encoder)", 4);
  check(
    groupRotations % 4 === 0 && groupRotations <= 32,
    where,
    `groupRotations must be a multiple of 4 up to 32, got ${groupRotations}`,
  );
  const groupChannels = o.groupChannels ?? GROUP_DEFAULTS.channels;
  checkInt(groupChannels, where, "groupChannels (channels per rotation of the group encoder)", 1);
  check(groupChannels <= 64, where, `groupChannels must be at most 64, got ${groupChannels}`);
  return { groupRotations, groupChannels };
}
