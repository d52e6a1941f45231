import { check } from "../util/errors";
import type { FramePrior, RVAEOptions } from "./options";
import type { FramePriorSpec } from "./parts/frame-posterior";

export type { FramePrior } from "./options";
export type { FramePriorSpec } from "./parts/frame-posterior";

/**
 * The `framePrior` option, checked; stored only when "rotation" or "learned", so that saved models without it load
 * as "uniform" and every other configuration is unchanged. It acts only where frames are weighed against each
 * other: the frame posterior's KL (`framePosterior`) or the candidates' −ELBO (`frameChoice: "elbo"`); elsewhere it
 * is refused. "learned" is trained through the frame posterior's KL only, so it needs `framePosterior`.
 */
export function framePriorOption(
  o: RVAEOptions,
  framed: boolean,
  weighed: boolean,
  where: string,
): { framePrior?: FramePrior } {
  const framePrior = o.framePrior ?? "uniform";
  check(
    framePrior === "uniform" || framePrior === "rotation" || framePrior === "learned",
    where,
    `framePrior must be "uniform", "rotation" or "learned", got ${JSON.stringify(o.framePrior)}`,
  );
  check(
    framePrior === "uniform" || (framed && weighed),
    where,
    'framePrior: "rotation" needs rotation, poseEncoder "equivariant" or "group" and either framePosterior: true ' +
      'or frameChoice: "elbo" (where frames are weighed against each other)',
  );
  check(
    framePrior !== "learned" || o.framePosterior === true,
    where,
    'framePrior: "learned" needs framePosterior: true (the prior p(k|z) is fitted through the frame posterior\'s KL)',
  );
  return framePrior === "uniform" ? {} : { framePrior };
}

/** The field `framePrior` adds to a stored model config. */
export interface FramePriorField {
  /** present only when "rotation" or "learned" (absent: "uniform") */
  framePrior?: FramePrior;
}

/** What the frame search reads: the prior over its trial frames. */
export interface FramePriorSearch {
  framePrior: FramePriorSpec;
}

/**
 * The frame prior of a stored configuration; "rotation" takes the angle prior's s_γ (`rotationPrior`), "learned" the
 * width of z (the input of p(k|z), parts/learned-frame-prior.ts).
 */
export function framePriorSpec(c: FramePriorField & { rotationPrior: number; latentDim: number }): FramePriorSpec {
  if (c.framePrior === "learned") return { kind: "learned", latentDim: c.latentDim };
  return c.framePrior === "rotation" ? { kind: "rotation", std: c.rotationPrior } : { kind: "uniform" };
}
