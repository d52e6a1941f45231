/**
 * Anti-aliased filling of polygons (area coverage) into a single-channel image.
 *
 * Coverage is computed exactly along x (each span adds the covered length of every pixel it touches) and by
 * `subRows` evenly spaced scanlines along y, so a pixel's value is its covered area to within 1/(2·subRows)
 * of a pixel row. Several rings are filled together with the nonzero winding rule, which makes overlapping
 * rings of the same orientation a union (clubs = three circles + a stem) without a polygon-union step.
 *
 * Coordinates are continuous pixel coordinates: x to the right, y downward, pixel (row i, column j) covers
 * [j, j+1) × [i, i+1), so the image centre is (width/2, height/2). Parts outside the frame are clipped.
 */

// Scratch buffers reused across calls: generating thousands of images must not allocate per image.
let rowStart = new Int32Array(0);
let rowFill = new Int32Array(0);
let crossX = new Float64Array(0);
let crossDir = new Int8Array(0);

/**
 * Adds the coverage (in [0, 1]) of the union of `rings` to `out[offset + row*width + col]`.
 * Each ring is a flat array [x0, y0, x1, y1, ...] of a closed polygon (the last vertex joins the first).
 * The target region is expected to be zero beforehand if the result should be a pure coverage map;
 * values are clamped to at most 1.
 */
export function fillPolygons(
  rings: ReadonlyArray<ArrayLike<number>>,
  width: number,
  height: number,
  out: Float32Array,
  offset = 0,
  subRows = 8,
): void {
  const nRows = height * subRows;
  if (rowStart.length < nRows + 1) {
    rowStart = new Int32Array(nRows + 1);
    rowFill = new Int32Array(nRows + 1);
  } else {
    rowStart.fill(0, 0, nRows + 1);
  }
  // Pass 1: count the crossings per sub-scanline. Sub-scanline k samples y = (k + 0.5) / subRows; an edge
  // crosses it when min(y0, y1) <= y < max(y0, y1) (half-open, so shared vertices are counted once).
  let total = 0;
  for (const ring of rings) {
    const m = ring.length >> 1;
    for (let e = 0; e < m; e++) {
      const y0 = ring[2 * e + 1];
      const y1 = ring[2 * ((e + 1) % m) + 1];
      if (y0 === y1) continue;
      const lo = Math.min(y0, y1),
        hi = Math.max(y0, y1);
      let k0 = Math.ceil(lo * subRows - 0.5);
      let k1 = Math.ceil(hi * subRows - 0.5) - 1; // last k with (k+0.5)/S < hi
      if (k0 < 0) k0 = 0;
      if (k1 > nRows - 1) k1 = nRows - 1;
      for (let k = k0; k <= k1; k++) rowStart[k + 1]++;
      if (k1 >= k0) total += k1 - k0 + 1;
    }
  }
  if (total === 0) return;
  for (let k = 0; k < nRows; k++) rowStart[k + 1] += rowStart[k];
  if (crossX.length < total) {
    crossX = new Float64Array(total * 2);
    crossDir = new Int8Array(total * 2);
  }
  rowFill.set(rowStart.subarray(0, nRows), 0);
  // Pass 2: the x of each crossing and the edge direction (+1 downward, -1 upward) for the winding count.
  for (const ring of rings) {
    const m = ring.length >> 1;
    for (let e = 0; e < m; e++) {
      const a = 2 * e,
        b = 2 * ((e + 1) % m);
      const x0 = ring[a],
        y0 = ring[a + 1],
        x1 = ring[b],
        y1 = ring[b + 1];
      if (y0 === y1) continue;
      const dir = y1 > y0 ? 1 : -1;
      const lo = Math.min(y0, y1),
        hi = Math.max(y0, y1);
      let k0 = Math.ceil(lo * subRows - 0.5);
      let k1 = Math.ceil(hi * subRows - 0.5) - 1;
      if (k0 < 0) k0 = 0;
      if (k1 > nRows - 1) k1 = nRows - 1;
      const slope = (x1 - x0) / (y1 - y0);
      for (let k = k0; k <= k1; k++) {
        const y = (k + 0.5) / subRows;
        const p = rowFill[k]++;
        crossX[p] = x0 + (y - y0) * slope;
        crossDir[p] = dir;
      }
    }
  }
  // Pass 3: per sub-scanline, sort crossings by x and add the spans where the winding number is nonzero.
  const wt = 1 / subRows;
  for (let k = 0; k < nRows; k++) {
    const s = rowStart[k],
      e = rowStart[k + 1];
    if (e - s < 2) continue;
    for (let i = s + 1; i < e; i++) {
      // insertion sort: a scanline crosses only a handful of edges
      const xv = crossX[i],
        dv = crossDir[i];
      let j = i - 1;
      while (j >= s && crossX[j] > xv) {
        crossX[j + 1] = crossX[j];
        crossDir[j + 1] = crossDir[j];
        j--;
      }
      crossX[j + 1] = xv;
      crossDir[j + 1] = dv;
    }
    const rowOff = offset + Math.floor(k / subRows) * width;
    let winding = 0,
      start = 0;
    for (let i = s; i < e; i++) {
      const prev = winding;
      winding += crossDir[i];
      if (prev === 0 && winding !== 0) start = crossX[i];
      else if (prev !== 0 && winding === 0) addSpan(out, rowOff, width, start, crossX[i], wt);
    }
  }
  // Float rounding can push a fully covered pixel a hair above 1.
  const end = offset + width * height;
  for (let i = offset; i < end; i++) if (out[i] > 1) out[i] = 1;
}

/** Adds `wt` × (covered length) to each pixel of one row that the span [xa, xb) touches. */
function addSpan(out: Float32Array, rowOff: number, width: number, xa: number, xb: number, wt: number): void {
  if (xa < 0) xa = 0;
  if (xb > width) xb = width;
  if (xb <= xa) return;
  const ia = Math.floor(xa),
    ib = Math.floor(xb);
  if (ia === ib) {
    out[rowOff + ia] += (xb - xa) * wt;
    return;
  }
  out[rowOff + ia] += (ia + 1 - xa) * wt;
  for (let j = ia + 1; j < ib; j++) out[rowOff + j] += wt;
  if (ib < width) out[rowOff + ib] += (xb - ib) * wt;
}

/** Signed area of a closed polygon (positive when counter-clockwise in a y-up frame). */
export function signedArea(ring: ArrayLike<number>): number {
  const m = ring.length >> 1;
  let a = 0;
  for (let i = 0; i < m; i++) {
    const j = (i + 1) % m;
    a += ring[2 * i] * ring[2 * j + 1] - ring[2 * j] * ring[2 * i + 1];
  }
  return a / 2;
}
