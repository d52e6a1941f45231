// |ρ| of angles against a rotated-digits set's applied rotations, over its asymmetric digits: the mean and per digit,
// as one line (the sync-*.ts and upright*.ts experiments of sessions 13–14), from the results' own score.
import { asymmetricRho as rhoOf } from "../../../scripts/results/digits";

export function asymmetricRho(angle: ArrayLike<number>, set: { labels: ArrayLike<number>; angle: ArrayLike<number> }) {
  const { mean, perDigit } = rhoOf(angle, set);
  return `${mean.toFixed(3)} (${Object.entries(perDigit)
    .map(([d, r]) => `${d}: ${r.toFixed(2)}`)
    .join(", ")})`;
}
