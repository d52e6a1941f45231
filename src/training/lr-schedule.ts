import { check, IvaeInputError } from "../util/errors";

/**
 * Cosine decay: the learning rate stays at its base value up to epoch `start` (default 1) and then falls along a
 * half cosine to `base · final` (default 0.01) at the last epoch.
 */
export interface CosineSchedule {
  kind: "cosine";
  /** the 1-based epoch at which the decay begins (default 1: the whole run) */
  start?: number;
  /** the learning rate at the last epoch as a fraction of the base rate, in [0, 1] (default 0.01) */
  final?: number;
}

/** Step decay: the learning rate is multiplied by `factor` every `every` epochs (after epochs every, 2·every, …). */
export interface StepSchedule {
  kind: "step";
  /** epochs between two drops, an integer ≥ 1 */
  every: number;
  /** the factor of each drop, in (0, 1] (default 0.1) */
  factor?: number;
}

/**
 * Learning rate per epoch of `train`: a typed schedule, or a function of the 1-based epoch and the number of
 * epochs that returns the learning rate itself (a positive number).
 */
export type LearningRateSchedule = CosineSchedule | StepSchedule | ((epoch: number, epochs: number) => number);

/** Refuses a typed schedule with fields out of range (a function is checked at each epoch by `learningRateAt`). */
export function checkLearningRateSchedule(s: LearningRateSchedule | undefined, where: string): void {
  if (s === undefined || typeof s === "function") return;
  check(s !== null && typeof s === "object", where, "learningRateSchedule must be a function or { kind, ... }");
  if (s.kind === "cosine") {
    const start = s.start ?? 1;
    const final = s.final ?? 0.01;
    check(
      Number.isInteger(start) && start >= 1,
      where,
      `learningRateSchedule.start must be an epoch >= 1, got ${start}`,
    );
    check(
      Number.isFinite(final) && final >= 0 && final <= 1,
      where,
      `learningRateSchedule.final must be a fraction in [0, 1], got ${final}`,
    );
  } else if (s.kind === "step") {
    const factor = s.factor ?? 0.1;
    check(
      Number.isInteger(s.every) && s.every >= 1,
      where,
      `learningRateSchedule.every must be an integer >= 1, got ${s.every}`,
    );
    check(
      Number.isFinite(factor) && factor > 0 && factor <= 1,
      where,
      `learningRateSchedule.factor must be in (0, 1], got ${factor}`,
    );
  } else {
    throw new IvaeInputError(
      `${where}: learningRateSchedule.kind must be "cosine" or "step", got ${String((s as { kind: unknown }).kind)}`,
    );
  }
}

/** The learning rate of 1-based `epoch` out of `epochs` for base rate `base` (the base rate without a schedule). */
export function learningRateAt(
  epoch: number,
  epochs: number,
  base: number,
  s: LearningRateSchedule | undefined,
  where = "train",
): number {
  let lr = base;
  if (typeof s === "function") lr = s(epoch, epochs);
  else if (s?.kind === "cosine") {
    const start = s.start ?? 1;
    const final = s.final ?? 0.01;
    // fraction of the decay done: 0 at epoch `start`, 1 at the last epoch
    const t = epochs > start ? Math.min(1, Math.max(0, (epoch - start) / (epochs - start))) : epoch >= start ? 1 : 0;
    lr = base * (final + (1 - final) * 0.5 * (1 + Math.cos(Math.PI * t)));
  } else if (s?.kind === "step") lr = base * Math.pow(s.factor ?? 0.1, Math.floor((epoch - 1) / s.every));
  check(
    Number.isFinite(lr) && lr > 0,
    where,
    `learningRateSchedule gave ${lr} at epoch ${epoch}; expected a positive number`,
  );
  return lr;
}
