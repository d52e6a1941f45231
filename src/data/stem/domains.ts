/** A ferroelectric film with stripe domains and Fe displacements. */
import { check } from "../../util/errors";
import { Random } from "../../util/random";
import { ColumnList, ImagingOptions, imagingDefaults, SPECIES } from "./render";
import { SyntheticStem, rotateAbout, singleFrame, sizes } from "./frame";

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
