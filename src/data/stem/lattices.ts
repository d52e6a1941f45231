import { ImageStack } from "../image-stack";
import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import {
  ColumnList,
  concatTruth,
  ImagingOptions,
  imagingDefaults,
  renderFrame,
  SPECIES,
  STEM_SPECIES,
  StemGroundTruth,
  truthOf,
} from "./render";

/** A synthetic STEM image (or movie) with its ground truth. */
export interface SyntheticStem {
  /** intensities in units of a Bi column peak (≈ 0..1.2), frames × height × width */
  image: ImageStack;
  truth: StemGroundTruth;
  /** names of the species codes in `truth.species` */
  speciesNames: string[];
  /** names of the labels in `truth.phase` */
  phaseNames: string[];
  /** Å per pixel */
  pixelSize: number;
  /** nearest-neighbour column distance, px (smallest in the image), for atom finding and scoring */
  minSpacing: number;
  /** counts of the point defects put in */
  defects: { vacancies: number; substitutions: number };
}

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

/** Options of {@link stemDomains}. */
export interface DomainOptions extends ImagingOptions {
  height?: number;
  width?: number;
  seed?: number;
  /** Å per pixel; default 0.2 (BFO a = 3.96 Å → 19.8 px) */
  pixelSize?: number;
  /** width of a domain stripe measured across the walls, px; default 110 */
  domainWidth?: number;
  /** Fe (B-site) off-centre displacement, px; default 1.2 (0.24 Å at 0.2 Å/px) */
  displacement?: number;
  /**
   * projected polarisation directions (display coordinates, y up), cycled over the stripes; default
   * [(1, 1), (1, −1)]: a 71°-type pair whose in-plane projections differ by 90°
   */
  polarisations?: [number, number][];
  /** wall half-width over which the displacement turns, px; default 6 */
  wallWidth?: number;
  /** ferroelastic lattice rotation between neighbouring domains, degrees; default 0.6 */
  domainTiltDeg?: number;
  vacancyFraction?: number;
  substitutionFraction?: number;
}

/** Options of {@link stemTimeSeries}. */
export interface TimeSeriesOptions extends InterfaceOptions {
  /** number of frames; default 6 */
  frames?: number;
  /** interface motion per frame, px (LSMO grows into NiO); default 6 */
  frontSpeed?: number;
  /** extra rotation of the LSMO lattice per frame, degrees; default 1 */
  rotationRate?: number;
  /** rms stage drift between frames, px; default 1 */
  stageDrift?: number;
}

interface Deform {
  (x: number, y: number): [number, number];
}

/** Local rotation (display ccw) of a deformation map from its Jacobian, by central differences. */
function localRotation(F: Deform, x: number, y: number): number {
  const h = 0.5;
  const [xa] = F(x + h, y),
    [xb] = F(x - h, y);
  const [, ya] = F(x + h, y),
    [, yb] = F(x - h, y);
  const [xc, yc] = F(x, y + h),
    [xd, yd] = F(x, y - h);
  const dxdx = (xa - xb) / (2 * h),
    drdx = (ya - yb) / (2 * h),
    dxdr = (xc - xd) / (2 * h),
    drdr = (yc - yd) / (2 * h);
  // rows grow downwards, so a display-ccw rotation θ maps (x, r) by [[cos, sin], [−sin, cos]]
  return Math.atan2(dxdr - drdx, dxdx + drdr);
}

/** Rotation about (cx, cy) by θ, display-ccw, in (column, row) coordinates. */
function rotateAbout(x: number, y: number, cx: number, cy: number, th: number): [number, number] {
  const c = Math.cos(th),
    s = Math.sin(th),
    dx = x - cx,
    dy = y - cy;
  return [cx + c * dx + s * dy, cy - s * dx + c * dy];
}

function sizes(
  o: { height?: number; width?: number; seed?: number },
  where: string,
): { H: number; W: number; seed: number } {
  const H = o.height ?? 256,
    W = o.width ?? 256,
    seed = o.seed ?? 0;
  checkInt(H, where, "height", 32);
  checkInt(W, where, "width", 32);
  check(Number.isFinite(seed), where, `seed must be a number, got ${seed}`);
  return { H, W, seed };
}

interface InterfaceState {
  front: number;
  tilt: number;
}

/** Builds the NiO | LSMO columns in specimen coordinates. */
function interfaceColumns(
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
  const grainOf = (x: number, y: number) => {
    let best = 0,
      bd = Infinity;
    grains.forEach((g, k) => {
      const d = (x - g.x) ** 2 + (y - g.y) ** 2;
      if (d < bd) {
        bd = d;
        best = k;
      }
    });
    return best;
  };
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

/** Renders one frame of columns and packs it with its ground truth as a {@link SyntheticStem}. */
export function singleFrame(
  cols: ColumnList,
  H: number,
  W: number,
  im: Required<ImagingOptions>,
  rng: Random,
  meta: Pick<SyntheticStem, "phaseNames" | "pixelSize" | "minSpacing" | "defects">,
): SyntheticStem {
  const r = renderFrame(cols, H, W, im, rng);
  return {
    image: { data: r.image, n: 1, height: H, width: W },
    truth: truthOf(cols, r, 0),
    speciesNames: STEM_SPECIES.map((s) => s.name),
    ...meta,
  };
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

/**
 * A BiFeO3-like ferroelectric film in [001] projection with stripe domains: bright Bi columns on a
 * 19.8 px square lattice, dim Fe–O columns near the cell centres displaced off-centre by
 * `displacement` px along the projected polarisation of their domain. Walls run diagonally; the
 * polarisation turns across each wall over `wallWidth` px (71°-type walls: projected directions at 90°).
 * Neighbouring domains are tilted by ±`domainTiltDeg`/2 (ferroelastic twinning). Ground truth `phase`
 * is the domain label (index into `polarisations`), `dispX/dispY` the Fe displacement in px.
 */
export function stemDomains(opts: DomainOptions = {}): SyntheticStem {
  const { H, W, seed } = sizes(opts, "stemDomains");
  const rng = new Random(seed);
  const lat = rng.fork(),
    noise = rng.fork();
  const im = imagingDefaults(opts);
  const px = opts.pixelSize ?? 0.2;
  const a = 3.96 / px;
  const dw = opts.domainWidth ?? 110,
    ww = opts.wallWidth ?? 6;
  const delta = opts.displacement ?? 1.2;
  const pols = (
    opts.polarisations ?? [
      [1, 1],
      [1, -1],
    ]
  ).map(([p, q]) => {
    const n = Math.hypot(p, q);
    check(n > 0, "stemDomains", "polarisation directions must be non-zero");
    return [p / n, q / n] as [number, number];
  });
  check(dw > a, "stemDomains", `domainWidth must exceed the lattice parameter (${a.toFixed(1)} px), got ${dw}`);
  const tilt = ((opts.domainTiltDeg ?? 0.6) * Math.PI) / 180;
  const off = lat.uniform(0, dw);
  // signed coordinate across the walls (walls along the display direction (1, 1), i.e. x − row = const)
  const across = (x: number, y: number) => (x + y) / Math.SQRT2 + off;
  const domainOf = (x: number, y: number) => Math.floor(across(x, y) / dw);
  const cols = new ColumnList();
  const vf = opts.vacancyFraction ?? 0.005,
    sf = opts.substitutionFraction ?? 0.01;
  let vac = 0,
    sub = 0;
  const cx = W / 2,
    cy = H / 2;
  for (let i = -4; i * a < W + 4 * a; i++) {
    for (let j = -4; j * a < H + 4 * a; j++) {
      for (const site of [0, 1]) {
        const x0 = (i + 0.5 * site) * a + 4,
          y0 = (j + 0.5 * site) * a + 4;
        const s = across(x0, y0),
          d = Math.floor(s / dw),
          lab = ((d % pols.length) + pols.length) % pols.length;
        // the domain rotation (twin tilt) is applied about the image centre; it alternates ± per stripe
        const th = (d % 2 === 0 ? 0.5 : -0.5) * tilt;
        let [x, y] = rotateAbout(x0, y0, cx, cy, th);
        if (x < -2 * a || x > W + 2 * a || y < -2 * a || y > H + 2 * a) continue;
        let dx = 0,
          dy = 0;
        if (site === 1) {
          // the displacement turns smoothly across the wall: blend with the neighbouring domain
          const t = s - d * dw; // distance into this stripe
          const [p, q] = pols[lab];
          let vx = p,
            vy = q;
          const near = t < dw / 2 ? -1 : 1,
            dist = near < 0 ? t : dw - t;
          if (dist < 2 * ww) {
            const nb = pols[(((d + near) % pols.length) + pols.length) % pols.length];
            const w = 0.5 * (1 - Math.tanh(dist / ww)); // weight of the neighbour, 0.5 at the wall
            vx = (1 - w) * p + w * nb[0];
            vy = (1 - w) * q + w * nb[1];
          }
          dx = delta * vx;
          dy = -delta * vy; // display y up → rows down
          x += dx;
          y += dy;
        }
        if (lat.next() < vf) {
          vac++;
          continue;
        }
        let sp: number = site === 0 ? SPECIES.BFO_A : SPECIES.BFO_B,
          defect = 0;
        if (lat.next() < sf) {
          sp = site === 0 ? SPECIES.LIGHT_SUB : SPECIES.HEAVY_SUB;
          defect = 1;
          sub++;
        }
        cols.add({ x, y, species: sp, phase: lab, rotation: th, dispX: dx, dispY: dy, defect });
      }
    }
  }
  void domainOf;
  return singleFrame(cols, H, W, im, noise, {
    phaseNames: pols.map(([p, q]) => `P ∥ (${p.toFixed(2)}, ${q.toFixed(2)})`),
    pixelSize: px,
    minSpacing: (a / Math.SQRT2) * 0.8,
    defects: { vacancies: vac, substitutions: sub },
  });
}

/**
 * A movie of the NiO | LSMO interface: frame by frame the LSMO front advances into the NiO by
 * `frontSpeed` px (a beam-driven phase transformation), the LSMO lattice rotates by `rotationRate`°,
 * the stage drifts, vacancies are re-drawn and each frame has its own noise and scan distortion.
 * Ground truth carries the frame index of every column.
 */
export function stemTimeSeries(opts: TimeSeriesOptions = {}): SyntheticStem {
  const { H, W, seed } = sizes(opts, "stemTimeSeries");
  const nF = opts.frames ?? 6;
  checkInt(nF, "stemTimeSeries", "frames");
  const rng = new Random(seed);
  const im = imagingDefaults(opts);
  const frames: Float32Array[] = [];
  const truths: StemGroundTruth[] = [];
  let vac = 0,
    sub = 0,
    minSpacing = 0;
  let driftX = 0,
    driftY = 0;
  const speed = opts.frontSpeed ?? 6,
    rate = ((opts.rotationRate ?? 1) * Math.PI) / 180,
    sd = opts.stageDrift ?? 1;
  const phiSeed = rng.seed();
  for (let f = 0; f < nF; f++) {
    const st: InterfaceState = {
      front: W * (opts.interfaceAt ?? 0.6) - speed * f, // NiO is on the left: LSMO grows leftwards
      tilt: ((opts.tiltDeg ?? 2) * Math.PI) / 180 + rate * f,
    };
    // the same lattice seed keeps the interface shape; the vacancy draws change from frame to frame
    const lat = new Random(phiSeed);
    const built = interfaceColumns({ ...opts, vacancyFraction: 0 }, H, W, st, lat);
    const fr = new Random(phiSeed + 7919 * (f + 1));
    const cols = new ColumnList();
    for (let i = 0; i < built.cols.length; i++) {
      if (fr.next() < (opts.vacancyFraction ?? 0.01)) {
        vac++;
        continue;
      }
      cols.add({
        x: built.cols.x[i] + driftX,
        y: built.cols.y[i] + driftY,
        species: built.cols.species[i],
        phase: built.cols.phase[i],
        rotation: built.cols.rotation[i],
        defect: built.cols.defect[i],
      });
    }
    sub += built.sub;
    minSpacing = built.minSpacing;
    const r = renderFrame(cols, H, W, im, rng.fork());
    frames.push(r.image);
    truths.push(truthOf(cols, r, f));
    driftX += rng.normal(0, sd);
    driftY += rng.normal(0, sd);
  }
  const data = new Float32Array(nF * H * W);
  frames.forEach((fr, i) => data.set(fr, i * H * W));
  return {
    image: { data, n: nF, height: H, width: W },
    truth: concatTruth(truths),
    speciesNames: STEM_SPECIES.map((s) => s.name),
    phaseNames: ["NiO", "LSMO"],
    pixelSize: opts.pixelSize ?? 0.2,
    minSpacing,
    defects: { vacancies: vac, substitutions: sub },
  };
}
