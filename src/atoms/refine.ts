import { ImageStack } from "../data/image-stack";
import { check, checkFinite, IvaeInputError } from "../util/errors";
import { gaussianBlur } from "./filters";
import { asStack, AtomPositions } from "./find";

/** Options of {@link refinePositions}. */
export interface RefineOptions {
  /**
   * "centroid" (default): iterated Gaussian-weighted centre of mass over the background-subtracted
   * neighbourhood, robust to noise; "quadratic": a paraboloid fit to the log-intensities of the 3×3
   * pixels around the peak (fast, exact for a Gaussian on a flat background)
   */
  method?: "centroid" | "quadratic";
  /** neighbourhood radius, px; default 3 (≈ 1.5× the column σ) */
  radius?: number;
  /** centroid iterations; default 4 */
  iterations?: number;
  /** smoothing before refinement, px; default 0.7 (suppresses shot noise, keeps the peak shape) */
  smooth?: number;
}

/** Refines integer peak positions to sub-pixel precision on the given image; returns new positions. */
export function refinePositions(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  atoms: AtomPositions,
  opts: RefineOptions = {},
): AtomPositions {
  const img = asStack(image, "refinePositions");
  check(
    atoms.x.length === atoms.y.length && atoms.frame.length === atoms.x.length,
    "refinePositions",
    "x, y and frame must have the same length",
  );
  checkFinite(atoms.x, "refinePositions", "the x coordinates");
  checkFinite(atoms.y, "refinePositions", "the y coordinates");
  const method = opts.method ?? "centroid";
  if (method !== "centroid" && method !== "quadratic") {
    throw new IvaeInputError(
      `refinePositions: method must be "centroid" or "quadratic", got ${JSON.stringify(method)}`,
    );
  }
  const R = opts.radius ?? 3,
    iters = opts.iterations ?? 4;
  check(R >= 1, "refinePositions", `radius must be >= 1 px, got ${R}`);
  const { height: H, width: W } = img;
  const n = atoms.x.length;
  const x = new Float32Array(n),
    y = new Float32Array(n);
  const cache = new Map<number, Float32Array>();
  const frameImg = (f: number) => {
    check(f >= 0 && f < img.n, "refinePositions", `frame ${f} out of range [0, ${img.n})`);
    let c = cache.get(f);
    if (!c) {
      c = gaussianBlur(img.data.subarray(f * H * W, (f + 1) * H * W), H, W, opts.smooth ?? 0.7);
      cache.set(f, c);
    }
    return c;
  };
  const at = (g: Float32Array, xx: number, yy: number) =>
    g[Math.min(H - 1, Math.max(0, yy)) * W + Math.min(W - 1, Math.max(0, xx))];
  for (let i = 0; i < n; i++) {
    const g = frameImg(atoms.frame[i]);
    let cx = atoms.x[i],
      cy = atoms.y[i];
    if (method === "quadratic") {
      const px = Math.round(cx),
        py = Math.round(cy);
      const L = (dx: number, dy: number) => Math.log(Math.max(1e-6, at(g, px + dx, py + dy)));
      const c0 = L(0, 0);
      const gx = (L(1, 0) - L(-1, 0)) / 2,
        gy = (L(0, 1) - L(0, -1)) / 2;
      const hxx = L(1, 0) - 2 * c0 + L(-1, 0),
        hyy = L(0, 1) - 2 * c0 + L(0, -1);
      const hxy = (L(1, 1) - L(1, -1) - L(-1, 1) + L(-1, -1)) / 4;
      const det = hxx * hyy - hxy * hxy;
      if (hxx < 0 && det > 0) {
        const ox = -(hyy * gx - hxy * gy) / det,
          oy = -(hxx * gy - hxy * gx) / det;
        if (Math.abs(ox) <= 1 && Math.abs(oy) <= 1) {
          cx = px + ox;
          cy = py + oy;
        }
      }
    } else {
      const ws2 = 2 * (R / 1.5) ** 2;
      for (let it = 0; it < iters; it++) {
        const x0 = Math.round(cx),
          y0 = Math.round(cy);
        // background = the lowest value in the window, so neighbouring columns' tails do not pull the centre
        let bg = Infinity;
        for (let dy = -R; dy <= R; dy++)
          for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= R * R) bg = Math.min(bg, at(g, x0 + dx, y0 + dy));
        let sw = 0,
          sx = 0,
          sy = 0;
        for (let dy = -R; dy <= R; dy++) {
          for (let dx = -R; dx <= R; dx++) {
            const xx = x0 + dx,
              yy = y0 + dy;
            if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
            const d2 = (xx - cx) ** 2 + (yy - cy) ** 2;
            if (d2 > R * R) continue;
            const w = (g[yy * W + xx] - bg) * Math.exp(-d2 / ws2);
            sw += w;
            sx += w * xx;
            sy += w * yy;
          }
        }
        if (!(sw > 0)) break;
        const nx = sx / sw,
          ny = sy / sw;
        // a step larger than the radius means the peak was lost (e.g. merged with a neighbour): keep the old
        if ((nx - atoms.x[i]) ** 2 + (ny - atoms.y[i]) ** 2 > R * R) break;
        const moved = Math.hypot(nx - cx, ny - cy);
        cx = nx;
        cy = ny;
        if (moved < 0.01) break;
      }
    }
    x[i] = cx;
    y[i] = cy;
  }
  return { ...atoms, x, y };
}
