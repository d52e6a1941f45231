import { check, checkInt } from "../util/errors";
import type { RVAEOptions } from "./options";

/** The saved configuration's z network of the coordinate decoder: present only when set. */
export interface LatentNetField {
  /** widths of the tanh layers that read z alone before it joins the coordinates (absent: none) */
  latentHidden?: number[];
  /** gain of the first of them at initialisation (present only when latentHidden is and the gain is not 1) */
  latentGain?: number;
}

/**
 * The `latentHidden` and `latentGain` options, checked; stored only when set, so that saved models without them load
 * with z entering the decoder linearly, as before. They need the coordinate decoder without `skip` (the skip
 * layers read z directly; one z pathway is enough to say what z does).
 */
export function latentNetOption(o: RVAEOptions, coordinate: boolean, where: string): LatentNetField {
  const hidden = o.latentHidden ?? [];
  check(Array.isArray(hidden), where, `latentHidden must be an array of layer widths, got ${JSON.stringify(hidden)}`);
  for (const w of hidden) checkInt(w, where, "latentHidden's widths", 1);
  check(
    hidden.length === 0 || (coordinate && !o.skip),
    where,
    "latentHidden (tanh layers on z before the coordinate decoder) needs the coordinate decoder (RVAE or " +
      "ShiftVAE) without skip",
  );
  check(hidden.length <= 4, where, `latentHidden takes at most 4 layers, got ${hidden.length}`);
  const gain = o.latentGain ?? 1;
  check(
    Number.isFinite(gain) && gain > 0 && (gain === 1 || hidden.length > 0),
    where,
    `latentGain must be a positive number and needs latentHidden, got ${JSON.stringify(o.latentGain)}`,
  );
  if (hidden.length === 0) return {};
  return { latentHidden: [...hidden], ...(gain !== 1 ? { latentGain: gain } : {}) };
}

/** The z network of a stored configuration (none when absent). */
export function latentNetSpec(c: LatentNetField): { hidden: number[]; gain: number } {
  return { hidden: c.latentHidden ?? [], gain: c.latentGain ?? 1 };
}
