import { check } from "../util/errors";
import type { FramePrior, RVAEOptions } from "./options";
import type { FramePriorSpec } from "./parts/frame-posterior";

export type { FramePrior } from "./options";
export type { FramePriorSpec } from "./parts/frame-posterior";

/**
 * The `framePrior` option, checked; stored only when "rotation", so that saved models without it load as "uniform"
 * and every other configuration is unchanged. It acts only where frames are weighed against each other: the frame
 * posterior's KL (`framePosterior`) or the candidates' −ELBO (`frameChoice: "elbo"`); elsewhere it is refused.
 */
export function framePriorOption(
  o: RVAEOptions,
  framed: boolean,
  weighed: boolean,
  where: string,
): { framePrior?: FramePrior } {
  const framePrior = o.framePrior ?? "uniform";
  check(
    framePrior === "uniform" || framePrior === "rotation",
    where,
    `framePrior must be "uniform" or "rotation", got ${JSON.stringify(o.framePrior)}`,
  );
  check(
    framePrior === "uniform" || (framed && weighed),
    where,
    'framePrior: "rotation" needs rotation, poseEncoder "equivariant" or "group" and either framePosterior: true ' +
      'or frameChoice: "elbo" (where frames are weighed against each other)',
  );
  return framePrior === "rotation" ? { framePrior } : {};
}

/** The field `framePrior` adds to a stored model config. */
export interface FramePriorField {
  /** present only when "rotation" (absent: "uniform") */
  framePrior?: FramePrior;
}

/** What the frame search reads: the prior over its trial frames. */
export interface FramePriorSearch {
  framePrior: FramePriorSpec;
}

/** The frame prior of a stored configuration; "rotation" takes the angle prior's s_γ (`rotationPrior`). */
export function framePriorSpec(c: FramePriorField & { rotationPrior: number }): FramePriorSpec {
  return c.framePrior === "rotation" ? { kind: "rotation", std: c.rotationPrior } : { kind: "uniform" };
}
