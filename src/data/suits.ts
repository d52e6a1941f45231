/**
 * Vector outlines of the four playing-card suits, flattened to polygons.
 *
 * The outlines are drawn like SVG paths on a 100 × 100 design canvas (y downward) from cubic/quadratic
 * Bézier segments and circles, then flattened finely (the flattening error is below 0.05 % of the glyph
 * height, far below a pixel at any sensible image size) and normalised to a canonical frame:
 * x to the right, y **up**, glyph height 1 (bounding box), and the origin at the **area centroid** of the
 * filled shape. Putting the centroid at the origin makes the data set's translation factors (dx, dy) equal to
 * the displacement of the shape's centre of mass, independent of the random rotation and shear.
 *
 * A suit is a list of rings, all counter-clockwise, filled with the nonzero rule (their union).
 */
import { fillPolygons, signedArea } from "./rasterize";

/** Suit names in the lecture's label order (0 = clubs, 1 = spades, 2 = hearts, 3 = diamonds). */
export const SUIT_NAMES = ["clubs", "spades", "hearts", "diamonds"] as const;
export type SuitName = (typeof SUIT_NAMES)[number];

/**
 * Order of rotational symmetry of each outline: the smallest k > 0 with the shape invariant under a
 * rotation by 2π/k. Diamonds (a rhombus with concave sides) look the same after 180°; the others have a
 * stem or a point and are only symmetric under the full turn. Checked numerically in the tests.
 */
export const SUIT_SYMMETRY: Record<SuitName, number> = { clubs: 1, spades: 1, hearts: 1, diamonds: 2 };

/** A flattened suit in the canonical frame. */
export interface SuitOutline {
  name: SuitName;
  /** closed rings [x0, y0, x1, y1, ...], counter-clockwise, y up, height 1, area centroid at the origin */
  rings: Float64Array[];
  /** width / height of the bounding box */
  aspect: number;
  /** area of the filled shape in units of height² */
  area: number;
}

type Pt = [number, number];

/** Builds one closed ring from a start point and segments on the design canvas. */
class PathBuilder {
  private pts: number[] = [];
  private cur: Pt;
  constructor(start: Pt) {
    this.cur = start;
    this.pts.push(start[0], start[1]);
  }
  /** Cubic Bézier to `p` with control points c1, c2. */
  cubic(c1: Pt, c2: Pt, p: Pt, steps = 32): this {
    const [x0, y0] = this.cur;
    for (let i = 1; i <= steps; i++) {
      const t = i / steps,
        s = 1 - t;
      const a = s * s * s,
        b = 3 * s * s * t,
        c = 3 * s * t * t,
        d = t * t * t;
      this.pts.push(a * x0 + b * c1[0] + c * c2[0] + d * p[0], a * y0 + b * c1[1] + c * c2[1] + d * p[1]);
    }
    this.cur = p;
    return this;
  }
  /** Quadratic Bézier to `p` with control point c. */
  quad(c: Pt, p: Pt, steps = 24): this {
    const [x0, y0] = this.cur;
    for (let i = 1; i <= steps; i++) {
      const t = i / steps,
        s = 1 - t;
      this.pts.push(s * s * x0 + 2 * s * t * c[0] + t * t * p[0], s * s * y0 + 2 * s * t * c[1] + t * t * p[1]);
    }
    this.cur = p;
    return this;
  }
  line(p: Pt): this {
    this.pts.push(p[0], p[1]);
    this.cur = p;
    return this;
  }
  /** The ring; drops the closing point when it repeats the start. */
  close(): number[] {
    const n = this.pts.length;
    if (n >= 4 && Math.abs(this.pts[n - 2] - this.pts[0]) < 1e-9 && Math.abs(this.pts[n - 1] - this.pts[1]) < 1e-9) {
      return this.pts.slice(0, n - 2);
    }
    return this.pts.slice();
  }
}

function circle(cx: number, cy: number, r: number, steps = 96): number[] {
  const pts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = (2 * Math.PI * i) / steps;
    pts.push(cx + r * Math.cos(t), cy + r * Math.sin(t));
  }
  return pts;
}

/**
 * The design outlines (100 × 100 canvas, y downward), in the shapes of the usual card pips:
 * - hearts: two round lobes meeting in a notch, convex sides running to a point at the bottom;
 * - spades: the inverted heart body with a point on top, plus a flared stem;
 * - diamonds: a rhombus (7:10) with slightly concave sides;
 * - clubs: three circular lobes (top, left, right), a filler at the junction, plus a flared stem.
 */
function designRings(name: SuitName): number[][] {
  switch (name) {
    case "hearts":
      return [
        new PathBuilder([50, 96])
          .cubic([40, 80], [5, 64], [5, 40])
          .cubic([5, 24], [17, 14], [29, 14])
          .cubic([39, 14], [46, 19], [50, 27])
          .cubic([54, 19], [61, 14], [71, 14])
          .cubic([83, 14], [95, 24], [95, 40])
          .cubic([95, 64], [60, 80], [50, 96])
          .close(),
      ];
    case "spades":
      return [
        new PathBuilder([50, 2])
          .cubic([40, 18], [6, 36], [6, 58])
          .cubic([6, 73], [17, 81], [29, 81])
          .cubic([39, 81], [46, 76], [50, 69])
          .cubic([54, 76], [61, 81], [71, 81])
          .cubic([83, 81], [94, 73], [94, 58])
          .cubic([94, 36], [60, 18], [50, 2])
          .close(),
        // stem: thin where it meets the body, flaring to a straight foot
        new PathBuilder([48, 66]).quad([47, 88], [35, 98]).line([65, 98]).quad([53, 88], [52, 66]).close(),
      ];
    case "diamonds":
      return [
        new PathBuilder([50, 0])
          .quad([61, 31], [85, 50])
          .quad([61, 69], [50, 100])
          .quad([39, 69], [15, 50])
          .quad([39, 31], [50, 0])
          .close(),
      ];
    case "clubs":
      return [
        circle(50, 24, 19.5),
        circle(28.5, 56, 19.5),
        circle(71.5, 56, 19.5),
        circle(50, 48, 12),
        new PathBuilder([48, 52]).quad([47, 86], [35, 98]).line([65, 98]).quad([53, 86], [52, 52]).close(),
      ];
  }
}

const cache = new Map<SuitName, SuitOutline>();

/** The canonical outline of a suit (computed once, then cached). */
export function suitOutline(name: SuitName): SuitOutline {
  const hit = cache.get(name);
  if (hit) return hit;
  const design = designRings(name);
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const r of design) {
    for (let i = 0; i < r.length; i += 2) {
      minX = Math.min(minX, r[i]);
      maxX = Math.max(maxX, r[i]);
      minY = Math.min(minY, r[i + 1]);
      maxY = Math.max(maxY, r[i + 1]);
    }
  }
  const h = maxY - minY;
  // To the canonical frame: height 1, y up, bounding-box centre at the origin (centroid shift follows).
  const rings = design.map((r) => {
    const out = new Float64Array(r.length);
    for (let i = 0; i < r.length; i += 2) {
      out[i] = (r[i] - (minX + maxX) / 2) / h;
      out[i + 1] = -(r[i + 1] - (minY + maxY) / 2) / h;
    }
    // Same orientation for every ring, so that the nonzero rule gives their union.
    if (signedArea(out) < 0) reverseRing(out);
    return out;
  });
  // The union's centroid and area, measured on a fine raster (rings overlap, so ring-wise formulas would
  // double count). 1024² pixels with 16 sub-scanlines: error ~1e-5 of the height.
  const { cx, cy, area } = rasterMoments(rings, 1024);
  for (const r of rings) {
    for (let i = 0; i < r.length; i += 2) {
      r[i] -= cx;
      r[i + 1] -= cy;
    }
  }
  const outline: SuitOutline = { name, rings, aspect: (maxX - minX) / h, area };
  cache.set(name, outline);
  return outline;
}

function reverseRing(r: Float64Array): void {
  const m = r.length >> 1;
  for (let i = 0, j = m - 1; i < j; i++, j--) {
    const x = r[2 * i],
      y = r[2 * i + 1];
    r[2 * i] = r[2 * j];
    r[2 * i + 1] = r[2 * j + 1];
    r[2 * j] = x;
    r[2 * j + 1] = y;
  }
}

/** Area and centroid (canonical units, y up) of the union of rings that fit in [-0.75, 0.75]². */
function rasterMoments(rings: Float64Array[], res: number): { cx: number; cy: number; area: number } {
  const span = 1.5,
    s = res / span;
  const px = rings.map((r) => {
    const o = new Float64Array(r.length);
    for (let i = 0; i < r.length; i += 2) {
      o[i] = (r[i] + span / 2) * s;
      o[i + 1] = (span / 2 - r[i + 1]) * s;
    }
    return o;
  });
  const img = new Float32Array(res * res);
  fillPolygons(px, res, res, img, 0, 16);
  let m0 = 0,
    mx = 0,
    my = 0;
  for (let i = 0; i < res; i++) {
    for (let j = 0; j < res; j++) {
      const v = img[i * res + j];
      m0 += v;
      mx += v * (j + 0.5);
      my += v * (i + 0.5);
    }
  }
  return { cx: mx / m0 / s - span / 2, cy: span / 2 - my / m0 / s, area: m0 / (s * s) };
}
