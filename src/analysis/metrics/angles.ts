/** How well inferred angles follow the true ones, per group, with rotational symmetry and an offset allowed. */
import { IvaeInputError, check } from "../../util/errors";
import { Num, checkLabels, checkPair, isArrayLike } from "./checks";
import { circularCorrelation, circularMean, wrapAngle } from "./correlation";

/** How well one group's inferred angles follow the true ones. */
export interface AngleFit {
  /** group label (−1 for the pooled result) */
  group: number;
  n: number;
  /** rotational symmetry order k used: angles were compared as k·angle */
  symmetry: number;
  /** Jammalamadaka–Sengupta ρ of k·inferred vs k·truth; negative when the encoder's angle runs backwards */
  rho: number;
  absRho: number;
  /** fitted inferred ≈ slope·truth + offset (least squares after removing wraps); slope ≈ ±1 when recovered */
  slope: number;
  /** radians, defined modulo 2π/k */
  offset: number;
  /**
   * root-mean-square of the wrapped residual inferred − (sign·truth + offset), radians (in the k-fold frame, divided by
   * k)
   */
  residualRms: number;
}

/** Result of `angleRecovery`. */
export interface AngleRecovery {
  /** one entry per group, in increasing group order */
  groups: AngleFit[];
  /** all points together (each compared in its own group's k-fold frame); rho is diluted by per-group offsets */
  overall: AngleFit;
  /** group-size-weighted mean of the per-group |ρ|: the headline number (offsets between classes are allowed) */
  meanAbsRho: number;
}

/** Options of `angleRecovery`. */
export interface AngleRecoveryOptions {
  /** integer group (class) per point, e.g. the suit; default one group */
  groups?: ArrayLike<number>;
  /** rotational symmetry order: one number for all, or per group label (index = label), e.g. cards' `symmetry` */
  symmetry?: number | ArrayLike<number>;
}

function fitAngles(inf: Float64Array, tru: Float64Array, k: number, group: number): AngleFit {
  const n = inf.length;
  const ki = new Float64Array(n),
    kt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ki[i] = k * inf[i];
    kt[i] = k * tru[i];
  }
  const rho = circularCorrelation(ki, kt);
  const sign = rho >= 0 ? 1 : -1;
  // Offset: circular mean of the residual in the k-fold frame (defined modulo 2π/k back in radians).
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) res[i] = ki[i] - sign * kt[i];
  const off = circularMean(res);
  // Unwrap the inferred angles around the fitted line, then an ordinary least-squares line.
  let mt = 0,
    mu = 0;
  const unwrapped = new Float64Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = wrapAngle(res[i] - off);
    ss += r * r;
    unwrapped[i] = (sign * kt[i] + off + r) / k;
    mt += tru[i];
    mu += unwrapped[i];
  }
  mt /= n;
  mu /= n;
  let stu = 0,
    stt = 0;
  for (let i = 0; i < n; i++) {
    stu += (tru[i] - mt) * (unwrapped[i] - mu);
    stt += (tru[i] - mt) ** 2;
  }
  const slope = stt > 0 ? stu / stt : sign;
  return {
    group,
    n,
    symmetry: k,
    rho,
    absRho: Math.abs(rho),
    slope,
    offset: mu - slope * mt,
    residualRms: Math.sqrt(ss / n) / k,
  };
}

/**
 * Angle recovery of a rotation-invariant model: per group (e.g. suit) and overall, the circular correlation
 * between the inferred angle (the encoder's posterior mean, radians) and the true rotation, plus the fitted
 * line inferred ≈ slope·truth + offset. The rVAE learns each class's angle only up to a class-specific
 * offset (its own "upright" pose) and possibly with the opposite sense, so the headline is the per-group
 * |ρ| weighted by group size. For a group with k-fold rotational symmetry (diamonds: k = 2) the angle is
 * only defined modulo 2π/k, so k·inferred is compared with k·truth.
 *
 * Also accepts the positional form `angleRecovery(inferred, truth, groups, symmetry)`.
 */
export function angleRecovery(
  inferred: Num,
  truth: Num,
  opts: AngleRecoveryOptions | ArrayLike<number> = {},
  symmetryArg?: number | ArrayLike<number>,
): AngleRecovery {
  const where = "angleRecovery";
  checkPair(where, inferred, truth);
  const o: AngleRecoveryOptions = isArrayLike(opts) ? { groups: opts, symmetry: symmetryArg } : { ...opts };
  if (!isArrayLike(opts) && symmetryArg !== undefined) o.symmetry = symmetryArg;
  const n = inferred.length;
  const groups = o.groups ?? new Int32Array(n);
  check(groups.length === n, where, `groups has ${groups.length} entries but there are ${n} angles`);
  checkLabels(where, "groups", groups);
  const symOf = (g: number): number => {
    const s = o.symmetry;
    const k = s === undefined ? 1 : typeof s === "number" ? s : s[g];
    if (!Number.isInteger(k) || (k as number) < 1) {
      throw new IvaeInputError(
        `${where}: symmetry for group ${g} is ${String(k)}; expected an integer >= 1 (diamonds 2, others 1)`,
      );
    }
    return k as number;
  };
  const labels = [...new Set(Array.from(groups))].sort((x, y) => x - y);
  const fits: AngleFit[] = [];
  for (const g of labels) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (groups[i] === g) idx.push(i);
    if (idx.length < 3) throw new IvaeInputError(`${where}: group ${g} has only ${idx.length} points; need at least 3`);
    fits.push(
      fitAngles(
        Float64Array.from(idx, (i) => inferred[i]),
        Float64Array.from(idx, (i) => truth[i]),
        symOf(g),
        g,
      ),
    );
  }
  // Pooled: each point in its group's k-fold frame, i.e. compare k·angle (then report on that scale with k = 1).
  const ki = new Float64Array(n),
    kt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = symOf(groups[i]);
    ki[i] = k * inferred[i];
    kt[i] = k * truth[i];
  }
  const allSame = fits.every((f) => f.symmetry === fits[0].symmetry);
  const overall = allSame
    ? fitAngles(Float64Array.from(inferred), Float64Array.from(truth), fits[0].symmetry, -1)
    : fitAngles(ki, kt, 1, -1);
  let w = 0;
  for (const f of fits) w += f.n * f.absRho;
  return { groups: fits, overall, meanAbsRho: w / n };
}
