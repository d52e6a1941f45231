/** The synthetic images the atom net is trained on: which generators, with which imaging conditions. */
import { stemBasisLattice, stemDomains, stemInterface, stemPolycrystal } from "../../data/stem";
import type { BasisStructure } from "../../data/stem";
import type { SyntheticStem } from "../../data/stem/frame";
import { Random } from "../../util/random";

/** A training source and how its training scale may be drawn. */
export interface TrainingSource {
  s: SyntheticStem;
  /**
   * true for the basis lattices: scale them only as the finder will (its estimate), since their smallest
   * spacing (a dumbbell's pair, Mo–S) is not what the finder resizes to on real images
   */
  estimatedScaleOnly: boolean;
}

/**
 * Generator kinds and their shares. The first four are the original training set (perovskite interface at
 * any tilt, polycrystalline NiO, BiFeO3-like domains, square/hexagonal polycrystal); the last three the
 * issue-14 additions: Si/GaAs [110] dumbbells, MoS2-like honeycomb with a dim second sublattice, a square
 * lattice with a dim centre column (intensity ratio down to 0.1). The single-species polycrystal keeps a
 * large share because it teaches that an empty square-cell centre is not a dim column.
 */
const SHARES: [string, number][] = [
  ["interfaceTilt", 0.14],
  ["interfaceGrains", 0.14],
  ["domains", 0.15],
  ["polycrystal", 0.22],
  ["dumbbell", 0.17],
  ["honeycomb", 0.11],
  ["centred", 0.07],
];

function pick(rng: Random): string {
  let u = rng.next();
  for (const [k, p] of SHARES) if ((u -= p) < 0) return k;
  return SHARES[SHARES.length - 1][0];
}

/**
 * The smallest dose (counts at intensity 1) at which a column of relative intensity r over a background b
 * reaches a per-pixel peak signal-to-noise of `snr` with read noise rn: r·D / √((r + b)·D + rn²) ≥ snr.
 * Dimmer sublattices are drawn only where they can be seen: a column drowned in noise is not a target the
 * net can learn, only one it can hallucinate (at empty cell centres).
 */
export function visibleDose(r: number, b: number, rn: number, snr = 3): number {
  const A = r * r,
    B = snr * snr * (r + b),
    C = snr * snr * rn * rn;
  return (B + Math.sqrt(B * B + 4 * A * C)) / (2 * A);
}

/** A synthetic HAADF image from one of the library's generators with widely drawn imaging conditions. */
export function drawSource(rng: Random, seed: number): TrainingSource {
  const im = {
    sigma: rng.uniform(1.4, 3.2),
    tail: rng.uniform(0, 0.2),
    dose: Math.exp(rng.uniform(Math.log(15), Math.log(2000))),
    readNoise: rng.uniform(0, 6),
    background: rng.uniform(0, 0.4),
    intensityJitter: rng.uniform(0, 0.2),
    lineJitter: rng.uniform(0, 0.8),
    drift: rng.uniform(-0.03, 0.03),
    yScale: rng.uniform(-0.05, 0.05),
  };
  const kind = pick(rng);
  const size = { height: 192, width: 192, seed };
  const old = (s: SyntheticStem) => ({ s, estimatedScaleOnly: false });
  if (kind === "interfaceTilt")
    return old(stemInterface({ ...size, ...im, pixelSize: rng.uniform(0.16, 0.3), tiltDeg: rng.uniform(-45, 45) }));
  if (kind === "interfaceGrains")
    return old(stemInterface({ ...size, ...im, pixelSize: rng.uniform(0.16, 0.3), grains: 1 + rng.int(4) }));
  if (kind === "domains") return old(stemDomains({ ...size, ...im, pixelSize: rng.uniform(0.14, 0.26) }));
  if (kind === "polycrystal")
    return old(stemPolycrystal({ ...size, ...im, spacing: rng.uniform(7, 14), grains: 2 + rng.int(8) }));
  const structure = kind as BasisStructure;
  const sg = im.sigma;
  let spacing: number, ratio: number, pair: number | undefined, aspect: number | undefined;
  if (structure === "dumbbell") {
    // the pair 2.3–4 probe σ apart (resolved, as on the Si [110] image, not a blob the net must split by guess),
    // at 0.25–0.45 of the short cell edge; GaAs-like unequal pairs half the time
    pair = rng.uniform(0.25, 0.45);
    spacing = (rng.uniform(2.3, 4) * sg) / pair;
    aspect = rng.next() < 0.5 ? Math.SQRT2 : rng.uniform(1.1, 1.8);
    ratio = rng.next() < 0.5 ? 1 : rng.uniform(0.6, 1);
  } else if (structure === "honeycomb") {
    spacing = rng.uniform(Math.max(9, 4 * sg), Math.max(10, 7 * sg));
    ratio = Math.exp(rng.uniform(Math.log(0.1), Math.log(1)));
  } else {
    spacing = rng.uniform(Math.max(9, 3.6 * sg), Math.max(10, 6 * sg));
    ratio = Math.exp(rng.uniform(Math.log(0.1), Math.log(0.6)));
  }
  const dose = Math.max(im.dose, visibleDose(ratio, im.background + 0.05, im.readNoise));
  // ~9 spacings across, so that the image at the canonical scale is larger than a training crop
  const side = Math.min(448, Math.max(192, 4 * Math.ceil(2.5 * spacing)));
  const s = stemBasisLattice({
    ...im,
    dose,
    height: side,
    width: side,
    seed,
    structure,
    spacing,
    pair,
    aspect,
    ratio,
    rotation: rng.uniform(-Math.PI, Math.PI),
  });
  return { s, estimatedScaleOnly: true };
}
