/** Screen geometry of point views: the zoom/pan viewport, point-in-polygon, a grid for nearest-point hover. */

/** Data-to-screen mapping with zoom (wheel) and pan (drag). */
export class Viewport {
  /** Visible data rectangle. */
  x0 = 0;
  x1 = 1;
  y0 = 0;
  y1 = 1;
  constructor(
    public width: number,
    public height: number,
    public pad = 10,
    /** y grows downward on screen in data units too (images) rather than upward (plots). */
    public yDown = false,
  ) {}
  /** Fits the view to data bounds with a margin, keeping the aspect ratio if `equal`. */
  fit(xs: Float32Array, ys: Float32Array, equal = false, margin = 0.04): void {
    let a = Infinity,
      b = -Infinity,
      c = Infinity,
      d = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] < a) a = xs[i];
      if (xs[i] > b) b = xs[i];
      if (ys[i] < c) c = ys[i];
      if (ys[i] > d) d = ys[i];
    }
    if (!(b > a)) ((a -= 1), (b += 1));
    if (!(d > c)) ((c -= 1), (d += 1));
    this.setRect(a - (b - a) * margin, b + (b - a) * margin, c - (d - c) * margin, d + (d - c) * margin, equal);
  }
  setRect(x0: number, x1: number, y0: number, y1: number, equal = false): void {
    if (equal) {
      const sx = (x1 - x0) / (this.width - 2 * this.pad);
      const sy = (y1 - y0) / (this.height - 2 * this.pad);
      const s = Math.max(sx, sy);
      const cx = (x0 + x1) / 2,
        cy = (y0 + y1) / 2;
      x0 = cx - (s * (this.width - 2 * this.pad)) / 2;
      x1 = cx + (s * (this.width - 2 * this.pad)) / 2;
      y0 = cy - (s * (this.height - 2 * this.pad)) / 2;
      y1 = cy + (s * (this.height - 2 * this.pad)) / 2;
    }
    Object.assign(this, { x0, x1, y0, y1 });
  }
  sx(x: number): number {
    return this.pad + ((x - this.x0) / (this.x1 - this.x0)) * (this.width - 2 * this.pad);
  }
  sy(y: number): number {
    const t = (y - this.y0) / (this.y1 - this.y0);
    return this.pad + (this.yDown ? t : 1 - t) * (this.height - 2 * this.pad);
  }
  dx(px: number): number {
    return this.x0 + ((px - this.pad) / (this.width - 2 * this.pad)) * (this.x1 - this.x0);
  }
  dy(py: number): number {
    const t = (py - this.pad) / (this.height - 2 * this.pad);
    return this.y0 + (this.yDown ? t : 1 - t) * (this.y1 - this.y0);
  }
  /** Zooms by `factor` (< 1 zooms in) around screen point (px, py). */
  zoom(px: number, py: number, factor: number): void {
    const x = this.dx(px),
      y = this.dy(py);
    this.x0 = x + (this.x0 - x) * factor;
    this.x1 = x + (this.x1 - x) * factor;
    this.y0 = y + (this.y0 - y) * factor;
    this.y1 = y + (this.y1 - y) * factor;
  }
  /** Pans by a screen displacement. */
  pan(dpx: number, dpy: number): void {
    const ux = ((this.x1 - this.x0) / (this.width - 2 * this.pad)) * dpx;
    const uy = ((this.y1 - this.y0) / (this.height - 2 * this.pad)) * dpy * (this.yDown ? 1 : -1);
    ((this.x0 -= ux), (this.x1 -= ux), (this.y0 -= uy), (this.y1 -= uy));
  }
}

/** Point-in-polygon (even-odd), screen coordinates. */
export function inPolygon(x: number, y: number, poly: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i],
      [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Screen-space grid index of points for nearest-point hover in O(1) per query. */
export class PointGrid {
  private cells = new Map<number, number[]>();
  constructor(private readonly cell: number) {}
  build(sx: Float32Array, sy: Float32Array, visible: (i: number) => boolean): void {
    this.cells.clear();
    for (let i = 0; i < sx.length; i++) {
      if (!visible(i)) continue;
      const k = Math.floor(sx[i] / this.cell) * 65536 + Math.floor(sy[i] / this.cell);
      const l = this.cells.get(k);
      if (l) l.push(i);
      else this.cells.set(k, [i]);
    }
  }
  nearest(x: number, y: number, sx: Float32Array, sy: Float32Array, maxDist: number): number {
    let best = -1,
      bd = maxDist * maxDist;
    const cx = Math.floor(x / this.cell),
      cy = Math.floor(y / this.cell);
    for (let a = cx - 1; a <= cx + 1; a++) {
      for (let b = cy - 1; b <= cy + 1; b++) {
        for (const i of this.cells.get(a * 65536 + b) ?? []) {
          const d = (sx[i] - x) ** 2 + (sy[i] - y) ** 2;
          if (d <= bd) ((bd = d), (best = i));
        }
      }
    }
    return best;
  }
}
