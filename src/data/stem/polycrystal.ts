import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { ColumnList, ImagingOptions, imagingDefaults, SPECIES } from "./render";
import { nearestSeed, singleFrame, sizes, SyntheticStem } from "./frame";

/** Options of {@link stemPolycrystal}. */
export interface PolycrystalOptions extends ImagingOptions {
  height?: number;
  width?: number;
  seed?: number;
  /** number of grains (Voronoi cells); default 12, half of each structure */
  grains?: number;
  /** nearest-neighbour column spacing of the square polymorph, px; default 10.4 (NiO-like at 0.2 Å/px) */
  spacing?: number;
  /** Å per pixel, for the record (the spacing is given in px); default 0.2 */
  pixelSize?: number;
  /** fraction of columns removed; default 0.01 */
  vacancyFraction?: number;
}

/**
 * A polycrystal of two polymorphs that differ only in how their columns are arranged: grains of a
 * square column lattice and grains of a hexagonal one, with the same column species (Z-contrast) and
 * the same number of columns per area (hexagonal spacing = square spacing × (2/√3)^½), each grain turned
 * about the beam axis by its own uniform angle in ±180°. Nothing but the local arrangement, seen at an
 * arbitrary orientation, tells the two apart: the controlled case for rotation-invariant descriptors
 * (a per-pixel method such as PCA sees mostly the orientation). Columns of two grains closer than 0.75
 * spacings at a boundary cannot both exist: the later grain's is dropped. Ground truth `phase` is the
 * polymorph (0 square, 1 hexagonal) and `rotation` the grain angle.
 */
export function stemPolycrystal(opts: PolycrystalOptions = {}): SyntheticStem {
  const where = "stemPolycrystal";
  const { H, W, seed } = sizes(opts, where);
  const nG = opts.grains ?? 12;
  checkInt(nG, where, "grains", 2);
  const aS = opts.spacing ?? 10.4;
  check(
    Number.isFinite(aS) && aS >= 4 && aS < Math.min(H, W) / 4,
    where,
    `spacing must be in [4, ${Math.min(H, W) / 4}) px, got ${aS}`,
  );
  const aH = aS * Math.sqrt(2 / Math.sqrt(3));
  const vf = opts.vacancyFraction ?? 0.01;
  check(vf >= 0 && vf < 0.5, where, `vacancyFraction must be in [0, 0.5), got ${vf}`);
  const rng = new Random(seed);
  const lat = rng.fork(),
    noise = rng.fork();
  const im = imagingDefaults(opts);
  // a jittered grid of seeds gives grains of similar size; structures alternate so both are present
  const gc = Math.max(1, Math.round(Math.sqrt((nG * W) / H))),
    gr = Math.ceil(nG / gc);
  const grains = Array.from({ length: nG }, (_, g) => ({
    x: (((g % gc) + lat.uniform(0.2, 0.8)) / gc) * W,
    y: ((Math.floor(g / gc) + lat.uniform(0.2, 0.8)) / gr) * H,
    th: lat.uniform(-Math.PI, Math.PI),
    hex: (g + Math.floor(g / gc)) % 2,
  }));
  const grainOf = (x: number, y: number) => nearestSeed(grains, x, y);
  const cols = new ColumnList();
  const m = 2 * aH,
    reach = Math.hypot(W, H) + m;
  let vac = 0;
  grains.forEach((g, k) => {
    const a = g.hex ? aH : aS,
      n = Math.ceil(reach / a);
    const c = Math.cos(g.th),
      s = Math.sin(g.th);
    for (let i = -n; i <= n; i++) {
      for (let j = -n; j <= n; j++) {
        // lattice vectors: square (a, 0), (0, a); hexagonal (a, 0), (a/2, a√3/2); display-ccw rotation (rows grow down)
        const u = g.hex ? (i + 0.5 * j) * a : i * a,
          v = g.hex ? (j * a * Math.sqrt(3)) / 2 : j * a;
        const x = g.x + c * u + s * v,
          y = g.y - s * u + c * v;
        if (x < -m || x > W + m || y < -m || y > H + m || grainOf(x, y) !== k) continue;
        if (lat.next() < vf) {
          vac++;
          continue;
        }
        cols.add({ x, y, species: SPECIES.NiO, phase: g.hex, rotation: g.th });
      }
    }
  });
  // boundaries: of two columns of different grains closer than 0.75 spacings keep the earlier grain's
  const gOf = Int32Array.from(cols.x, (x, i) => grainOf(x, cols.y[i]));
  const keep = new Uint8Array(cols.length).fill(1);
  const dmin2 = (0.75 * aS) ** 2;
  for (let i = 0; i < cols.length; i++) {
    if (!keep[i]) continue;
    for (let j = i + 1; j < cols.length; j++) {
      if (keep[j] && gOf[j] !== gOf[i] && (cols.x[i] - cols.x[j]) ** 2 + (cols.y[i] - cols.y[j]) ** 2 < dmin2)
        keep[gOf[j] > gOf[i] ? j : i] = 0;
    }
  }
  const out = new ColumnList();
  for (let i = 0; i < cols.length; i++)
    if (keep[i])
      out.add({
        x: cols.x[i],
        y: cols.y[i],
        species: cols.species[i],
        phase: cols.phase[i],
        rotation: cols.rotation[i],
      });
  return singleFrame(out, H, W, im, noise, {
    phaseNames: ["square", "hexagonal"],
    pixelSize: opts.pixelSize ?? 0.2,
    minSpacing: 0.75 * aS,
    defects: { vacancies: vac, substitutions: 0 },
  });
}
