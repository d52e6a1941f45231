/** The NiO | LSMO interface: its columns (also the frames of the time series) and the single image. */
import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { ColumnList, ImagingOptions, imagingDefaults, SPECIES } from "./render";
import { SyntheticStem, localRotation, nearestSeed, rotateAbout, singleFrame, sizes } from "./frame";

/** Options of {@link stemInterface}. */
export interface InterfaceOptions extends ImagingOptions {
  height?: number;
  width?: number;
  seed?: number;
  /** Å per pixel; default 0.2 (LSMO a = 3.88 Å → 19.4 px, NiO column spacing 2.09 Å → 10.4 px) */
  pixelSize?: number;
  /** interface position as a fraction of the width (NiO on the left); default 0.45 */
  interfaceAt?: number;
  /** interface roughness amplitude, px; default 4 */
  roughness?: number;
  /** rigid tilt of the LSMO lattice relative to NiO, degrees (ccw); default 2 */
  tiltDeg?: number;
  /** peak local lattice rotation of the misfit strain field at the interface, degrees; default 4 */
  interfaceRotationDeg?: number;
  /** decay length of the misfit field away from the interface, px; default 25 */
  decay?: number;
  /** fraction of columns removed (vacancies); default 0.01 */
  vacancyFraction?: number;
  /** fraction of columns replaced by a heavier (B/Ni sites) or lighter (A sites) species; default 0.015 */
  substitutionFraction?: number;
  /**
   * number of NiO grains (Voronoi cells seeded on the NiO side); default 1 = a single epitaxial NiO
   * crystal. More than 1 gives a polycrystalline NiO layer on the epitaxial LSMO, each grain turned
   * about the beam axis by its own angle (drawn uniformly in ±`grainRotationDeg`), as in NiO films
   * grown on a mismatched perovskite. Columns of two grains closer than 0.75 NiO spacings at a grain
   * boundary cannot both exist: the one of the later grain is dropped.
   */
  grains?: number;
  /**
   * largest grain rotation, degrees; default 45 (the NiO column lattice is 4-fold, so ±45° covers every
   * in-plane orientation). Ground-truth `rotation` of a NiO column = its grain's angle + the misfit field's.
   */
  grainRotationDeg?: number;
}

/** Where the LSMO front is and how its lattice is tilted (moves frame by frame in the time series). */
export interface InterfaceState {
  front: number;
  tilt: number;
}

/** Builds the NiO | LSMO columns in specimen coordinates. */
export function interfaceColumns(
  o: InterfaceOptions,
  H: number,
  W: number,
  st: InterfaceState,
  lat: Random,
): {
  cols: ColumnList;
  vac: number;
  sub: number;
  minSpacing: number;
} {
  const px = o.pixelSize ?? 0.2;
  check(px > 0.02 && px < 2, "stemInterface", `pixelSize must be in (0.02, 2) Å/px, got ${px}`);
  const aL = 3.88 / px,
    aN = 4.177 / 2 / px; // LSMO cell; NiO projected column spacing (a/2)
  const rough = o.roughness ?? 4;
  const thI = ((o.interfaceRotationDeg ?? 4) * Math.PI) / 180;
  const decay = o.decay ?? 25;
  const period = (2 * decay * Math.PI) / 2; // misfit dislocation spacing ~ π·decay keeps the field harmonic-like
  const k = (2 * Math.PI) / period;
  const amp = thI / k; // displacement amplitude giving a peak rotation ≈ thI
  const phi = lat.uniform(0, 2 * Math.PI),
    phiR = lat.uniform(0, 2 * Math.PI);
  const xInt = (y: number) => st.front + rough * Math.sin((2 * Math.PI * y) / 97 + phiR);
  // misfit field: u = A e^{−k|d|} (cos(ky+φ), −sgn(d) sin(ky+φ)) is harmonic on each side, so it is a
  // pure rotation+strain field that decays away from the interface, like a misfit-dislocation array
  const F = (x: number, y: number, lsmo: boolean): [number, number] => {
    let [X, Y] = lsmo ? rotateAbout(x, y, st.front, H / 2, st.tilt) : [x, y];
    // the side (not the sign of d) picks the branch, so the field is smooth for every column of a phase
    const sg = lsmo ? 1 : -1,
      d = X - xInt(Y),
      e = amp * Math.exp(-k * Math.max(0, sg * d));
    X += e * Math.cos(k * Y + phi);
    Y += -sg * e * Math.sin(k * Y + phi);
    return [X, Y];
  };
  const cols = new ColumnList();
  const vf = o.vacancyFraction ?? 0.01,
    sf = o.substitutionFraction ?? 0.015;
  let vac = 0,
    sub = 0;
  const margin = 3 * aL;
  // NiO grains: seeds spread over the NiO side, each with its own in-plane rotation and lattice origin.
  // Drawn from their own stream so that grains: 1 reproduces the single-crystal image exactly.
  const nG = o.grains ?? 1;
  checkInt(nG, "stemInterface", "grains");
  const gRot = ((o.grainRotationDeg ?? 45) * Math.PI) / 180;
  const grains: { x: number; y: number; th: number; ox: number; oy: number }[] = [];
  if (nG === 1) grains.push({ x: 0, y: 0, th: 0, ox: 2, oy: 3 });
  else {
    const gr = new Random(lat.seed());
    // a jittered grid of seeds over [−margin, front] × [0, H] gives grains of similar size (no slivers)
    const cols_ = Math.max(1, Math.round(Math.sqrt((nG * Math.max(1, st.front)) / H))),
      rows_ = Math.ceil(nG / cols_);
    for (let g = 0; g < nG; g++) {
      const cx = ((g % cols_) + gr.uniform(0.2, 0.8)) / cols_,
        cy = (Math.floor(g / cols_) + gr.uniform(0.2, 0.8)) / rows_;
      grains.push({
        x: cx * st.front,
        y: cy * H,
        th: gr.uniform(-gRot, gRot),
        ox: gr.uniform(0, aN),
        oy: gr.uniform(0, aN),
      });
    }
  }
  const grainOf = (x: number, y: number) => nearestSeed(grains, x, y);
  const nioGrain: number[] = [];
  const add = (x0: number, y0: number, species: number, lsmo: boolean, extraRot = 0, grain = 0) => {
    const [x, y] = F(x0, y0, lsmo);
    if (x < -margin || x > W + margin || y < -margin || y > H + margin) return;
    if (lsmo ? x < xInt(y) : x >= xInt(y)) return;
    if (lat.next() < vf) {
      vac++;
      return;
    }
    let sp = species,
      defect = 0;
    if (lat.next() < sf) {
      sp = species === SPECIES.LSMO_A ? SPECIES.LIGHT_SUB : SPECIES.HEAVY_SUB;
      defect = 1;
      sub++;
    }
    cols.add({
      x,
      y,
      species: sp,
      phase: lsmo ? 1 : 0,
      rotation: extraRot + localRotation((a, b) => F(a, b, lsmo), x0, y0),
      defect,
    });
    nioGrain[cols.length - 1] = lsmo ? -1 : grain;
  };
  // NiO: square lattice of equal Ni–O columns (origin pinned so the interface plane is an atomic plane)
  if (nG === 1) {
    for (let i = -6; i * aN < W + 6 * aN; i++)
      for (let j = -6; j * aN < H + 6 * aN; j++) add(i * aN + 2, j * aN + 3, SPECIES.NiO, false);
  } else {
    const R = Math.hypot(W, H) + 6 * aN,
      n = Math.ceil(R / aN);
    grains.forEach((g, k) => {
      for (let i = -n; i <= n; i++)
        for (let j = -n; j <= n; j++) {
          const [x0, y0] = rotateAbout(g.x + i * aN + g.ox, g.y + j * aN + g.oy, g.x, g.y, g.th);
          if (x0 < -6 * aN || x0 > W + 6 * aN || y0 < -6 * aN || y0 > H + 6 * aN || grainOf(x0, y0) !== k) continue;
          add(x0, y0, SPECIES.NiO, false, g.th, k);
        }
    });
  }
  // LSMO: A columns on the cell corners, B (Mn–O) columns at the centres
  for (let i = -8; i * aL < W + 8 * aL; i++) {
    for (let j = -8; j * aL < H + 8 * aL; j++) {
      add(st.front + i * aL, j * aL + 5, SPECIES.LSMO_A, true);
      add(st.front + (i + 0.5) * aL, (j + 0.5) * aL + 5, SPECIES.LSMO_B, true);
    }
  }
  // where the two lattices meet, columns closer than ~0.75 NiO spacings cannot both exist: drop the NiO one
  const keep = new Uint8Array(cols.length).fill(1);
  const dmin2 = (0.75 * aN) ** 2;
  if (nG > 1) {
    // grain boundaries: of two NiO columns of different grains closer than 0.75 spacings keep the earlier grain's
    const nio = Array.from({ length: cols.length }, (_, i) => i).filter((i) => cols.phase[i] === 0);
    for (const i of nio)
      for (const j of nio) {
        if (nioGrain[j] >= nioGrain[i] || !keep[j]) continue;
        if ((cols.x[i] - cols.x[j]) ** 2 + (cols.y[i] - cols.y[j]) ** 2 < dmin2) {
          keep[i] = 0;
          break;
        }
      }
  }
  const idx = Array.from({ length: cols.length }, (_, i) => i).filter(
    (i) => Math.abs(cols.x[i] - xInt(cols.y[i])) < 2 * aL,
  );
  for (const i of idx) {
    if (cols.phase[i] !== 0 || !keep[i]) continue;
    for (const j of idx) {
      if (cols.phase[j] !== 1) continue;
      if ((cols.x[i] - cols.x[j]) ** 2 + (cols.y[i] - cols.y[j]) ** 2 < dmin2) {
        keep[i] = 0;
        break;
      }
    }
  }
  const out = new ColumnList();
  for (let i = 0; i < cols.length; i++) {
    if (!keep[i]) continue;
    out.add({
      x: cols.x[i],
      y: cols.y[i],
      species: cols.species[i],
      phase: cols.phase[i],
      rotation: cols.rotation[i],
      defect: cols.defect[i],
    });
  }
  return { cols: out, vac, sub, minSpacing: Math.min(aN, aL / Math.SQRT2) * 0.75 };
}

/**
 * A NiO (rock salt, left) | La0.7Sr0.3MnO3 (perovskite, right) interface in [001] projection, as a
 * HAADF-STEM image: NiO shows a square lattice of uniform, dim Ni–O columns (10.4 px spacing at the
 * default 0.2 Å/px); LSMO shows bright La/Sr columns on a 19.4 px square lattice with dim Mn–O columns
 * at the cell centres. The LSMO lattice is tilted by `tiltDeg`, the interface is rough and carries a
 * misfit strain field with local lattice rotations of ±`interfaceRotationDeg` that decay into both
 * crystals; a few columns are missing (vacancies) or substituted. Scan distortion and Poisson–Gaussian
 * noise as in {@link ImagingOptions}. With `grains` > 1 the NiO is polycrystalline: Voronoi grains,
 * each rotated about the beam axis. Ground truth: every column's imaged position, species, phase
 * (0 NiO, 1 LSMO), local rotation (grain angle + misfit field + LSMO tilt).
 */
export function stemInterface(opts: InterfaceOptions = {}): SyntheticStem {
  const { H, W, seed } = sizes(opts, "stemInterface");
  const rng = new Random(seed);
  const lat = rng.fork(),
    noise = rng.fork();
  const im = imagingDefaults(opts);
  const st: InterfaceState = { front: W * (opts.interfaceAt ?? 0.45), tilt: ((opts.tiltDeg ?? 2) * Math.PI) / 180 };
  const { cols, vac, sub, minSpacing } = interfaceColumns(opts, H, W, st, lat);
  return singleFrame(cols, H, W, im, noise, {
    phaseNames: ["NiO", "LSMO"],
    pixelSize: opts.pixelSize ?? 0.2,
    minSpacing,
    defects: { vacancies: vac, substitutions: sub },
  });
}
