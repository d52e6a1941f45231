/** What the lattice generators share: the result type, image sizes, geometry of deformations, one rendered frame. */
import { ImageStack } from "../image-stack";
import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { ColumnList, ImagingOptions, renderFrame, STEM_SPECIES, StemGroundTruth, truthOf } from "./render";

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

/** A deformation map (column, row) -> (column, row). */
export interface Deform {
  (x: number, y: number): [number, number];
}

/** Local rotation (display ccw) of a deformation map from its Jacobian, by central differences. */
export function localRotation(F: Deform, x: number, y: number): number {
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
export function rotateAbout(x: number, y: number, cx: number, cy: number, th: number): [number, number] {
  const c = Math.cos(th),
    s = Math.sin(th),
    dx = x - cx,
    dy = y - cy;
  return [cx + c * dx + s * dy, cy - s * dx + c * dy];
}

/** Index of the seed point nearest to (x, y) (the grain a position belongs to in a Voronoi tiling); ties: the first. */
export function nearestSeed(seeds: readonly { x: number; y: number }[], x: number, y: number): number {
  let best = 0,
    bd = Infinity;
  seeds.forEach((g, k) => {
    const d = (x - g.x) ** 2 + (y - g.y) ** 2;
    if (d < bd) {
      bd = d;
      best = k;
    }
  });
  return best;
}

/** Height, width and seed of a generator's options (defaults 256 × 256, seed 0), checked. */
export function sizes(
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
