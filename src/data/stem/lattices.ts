/**
 * Lattices with a two-site basis, for the DCNN atom finder's training set and its tests: the projections on
 * which a finder tuned to one column per lattice site fails (issue 14's Si [110] and MoS2 images).
 * - "dumbbell": Si / GaAs [110]: pairs of columns `pair`·spacing apart along the cell's long edge, on a centred
 *   rectangular lattice (short edge = spacing, long edge = aspect·spacing; Si: a/√2 × a, pair 1.36 Å / 3.84 Å
 *   = 0.354 of the short edge, aspect √2);
 * - "honeycomb": MoS2 [001] (2H): the metal on a hexagonal lattice of side `spacing` and the S2 columns at
 *   a/√3 from it (HAADF ∝ Z^1.7: 2·16^1.7 / 42^1.7 = 0.39 of the Mo column); ratio 1 is graphene-like;
 * - "centred": a perovskite-like [001] square lattice with a column at each cell centre (DyScO3's dim Sc).
 */
import { check, checkFinite } from "../../util/errors";
import { Random } from "../../util/random";
import { ColumnList, ImagingOptions, imagingDefaults } from "./render";
import { singleFrame, sizes, SyntheticStem } from "./frame";

/** The basis lattices of {@link stemBasisLattice}. */
export type BasisStructure = "dumbbell" | "honeycomb" | "centred";

/** Options of {@link stemBasisLattice}. */
export interface BasisLatticeOptions extends ImagingOptions {
  height?: number;
  width?: number;
  seed?: number;
  /** default "dumbbell" */
  structure?: BasisStructure;
  /** short lattice edge (dumbbell), hexagonal side (honeycomb) or square edge (centred), px; default 16 */
  spacing?: number;
  /** dumbbell: distance between the pair's two columns as a fraction of `spacing`; default 0.354 (Si [110]) */
  pair?: number;
  /** dumbbell: long cell edge / short edge; default √2 (the [110] projection of a cubic cell) */
  aspect?: number;
  /** intensity of the second site relative to the first; default 1 (dumbbell), 0.39 (honeycomb), 0.3 (centred) */
  ratio?: number;
  /** intensity of the first site, in units of a Bi column; default 1 */
  intensity?: number;
  /** lattice rotation about the image centre, rad, display counter-clockwise; default 0 */
  rotation?: number;
  /** fraction of columns removed; default 0.01 */
  vacancyFraction?: number;
  /** Å per pixel, for the record; default 0.1 */
  pixelSize?: number;
}

const NAMES: Record<BasisStructure, [string, string]> = {
  dumbbell: ["dumbbell column 1", "dumbbell column 2"],
  honeycomb: ["metal column (Mo-like)", "chalcogen column (S2-like)"],
  centred: ["corner column (A site)", "centre column (B site)"],
};

/**
 * The cell of a basis lattice in lattice coordinates before rotation: two lattice vectors and the sites of
 * the basis (site 0 at the origin), px. Exported so that tests can rebuild the exact positions.
 */
export function basisCell(
  structure: BasisStructure,
  spacing: number,
  pair: number,
  aspect: number,
): { a1: [number, number]; a2: [number, number]; sites: [number, number, number][] } {
  const a = spacing;
  if (structure === "dumbbell") {
    // centred rectangular: the second dumbbell at the cell centre; the pair lies along the long edge (x)
    const L = aspect * a,
      d = pair * a;
    return {
      a1: [L, 0],
      a2: [0, a],
      sites: [
        [-d / 2, 0, 0],
        [d / 2, 0, 1],
        [L / 2 - d / 2, a / 2, 0],
        [L / 2 + d / 2, a / 2, 1],
      ],
    };
  }
  if (structure === "honeycomb")
    return {
      a1: [a, 0],
      a2: [a / 2, (a * Math.sqrt(3)) / 2],
      sites: [
        [0, 0, 0],
        [a / 2, (a * Math.sqrt(3)) / 6, 1],
      ],
    };
  return {
    a1: [a, 0],
    a2: [0, a],
    sites: [
      [0, 0, 0],
      [a / 2, a / 2, 1],
    ],
  };
}

/**
 * A single-crystal synthetic HAADF image of a lattice with a two-site basis (see the file comment), turned by
 * `rotation` about the image centre, rendered with the shared imaging model. Ground truth: every column
 * (both columns of each dumbbell); `species` 0/1 = basis site (names in `speciesNames`), `phase` 0,
 * `rotation` the lattice angle; `minSpacing` = the smallest distance between two columns.
 */
export function stemBasisLattice(opts: BasisLatticeOptions = {}): SyntheticStem {
  const where = "stemBasisLattice";
  const { H, W, seed } = sizes(opts, where);
  const st = opts.structure ?? "dumbbell";
  check(st in NAMES, where, `structure must be "dumbbell", "honeycomb" or "centred", got ${JSON.stringify(st)}`);
  const a = opts.spacing ?? 16,
    pair = opts.pair ?? 0.354,
    aspect = opts.aspect ?? Math.SQRT2,
    ratio = opts.ratio ?? (st === "dumbbell" ? 1 : st === "honeycomb" ? 0.39 : 0.3),
    i0 = opts.intensity ?? 1,
    th = opts.rotation ?? 0,
    vf = opts.vacancyFraction ?? 0.01;
  check(
    Number.isFinite(a) && a >= 4 && a < Math.min(H, W) / 3,
    where,
    `spacing must be in [4, ${Math.min(H, W) / 3}) px, got ${a}`,
  );
  check(Number.isFinite(pair) && pair >= 0.1 && pair <= 0.6, where, `pair must be in [0.1, 0.6] spacings, got ${pair}`);
  check(Number.isFinite(aspect) && aspect >= 1 && aspect <= 2, where, `aspect must be in [1, 2], got ${aspect}`);
  check(Number.isFinite(ratio) && ratio > 0 && ratio <= 2, where, `ratio must be in (0, 2], got ${ratio}`);
  check(Number.isFinite(i0) && i0 > 0, where, `intensity must be > 0, got ${i0}`);
  checkFinite([th], where, "rotation");
  check(vf >= 0 && vf < 0.5, where, `vacancyFraction must be in [0, 0.5), got ${vf}`);
  const rng = new Random(seed);
  const lat = rng.fork(),
    noise = rng.fork();
  const im = imagingDefaults(opts);
  const { a1, a2, sites } = basisCell(st, a, pair, aspect);
  // a random origin, so that seeds differ in where the columns fall on the pixel grid
  const ox = W / 2 + lat.uniform(0, a),
    oy = H / 2 + lat.uniform(0, a);
  const c = Math.cos(th),
    s = Math.sin(th);
  const m = 2 * a,
    n = Math.ceil(Math.hypot(W, H) / Math.min(a1[0] || a, a2[1] || a)) + 2;
  const cols = new ColumnList();
  let vac = 0;
  for (let i = -n; i <= n; i++)
    for (let j = -n; j <= n; j++)
      for (const [sx, sy, k] of sites) {
        const u = i * a1[0] + j * a2[0] + sx,
          v = i * a1[1] + j * a2[1] + sy;
        // display-ccw rotation with rows growing down (as in the polycrystal generator)
        const x = ox + c * u + s * v,
          y = oy - s * u + c * v;
        if (x < -m || x > W + m || y < -m || y > H + m) continue;
        if (lat.next() < vf) {
          vac++;
          continue;
        }
        cols.add({ x, y, species: k, phase: 0, rotation: th, intensity: k === 0 ? i0 : i0 * ratio });
      }
  const minSpacing =
    st === "dumbbell"
      ? Math.min(pair * a, Math.hypot((aspect * a) / 2 - pair * a, a / 2))
      : st === "honeycomb"
        ? a / Math.sqrt(3)
        : a / Math.SQRT2;
  return {
    ...singleFrame(cols, H, W, im, noise, {
      phaseNames: [st],
      pixelSize: opts.pixelSize ?? 0.1,
      minSpacing,
      defects: { vacancies: vac, substitutions: 0 },
    }),
    speciesNames: [...NAMES[st]],
  };
}
