// |ρ| of angles against a rotated-digits set's applied rotations, over its asymmetric digits: the mean and per digit,
// as one line (the sync-*.ts experiments of session 13).
import { angleRecovery, digits } from "../../../src/index";

export function asymmetricRho(angle: ArrayLike<number>, set: { labels: ArrayLike<number>; angle: ArrayLike<number> }) {
  const idx = [...Array(set.labels.length).keys()].filter((i) => digits.asymmetric.includes(set.labels[i]));
  const ar = angleRecovery(
    idx.map((i) => angle[i]),
    idx.map((i) => set.angle[i]),
    { groups: idx.map((i) => set.labels[i]) },
  );
  return `${ar.meanAbsRho.toFixed(3)} (${ar.groups.map((g) => `${g.group}: ${g.absRho.toFixed(2)}`).join(", ")})`;
}
