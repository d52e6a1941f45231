import { checkInt } from "../util/errors";

/**
 * The coordinate grid of an H×W image as a row-major (H·W × 2) Float32Array of (x, y) pairs:
 * `x_j = −1 + 2j/(W−1)` (left to right), `y_i = 1 − 2i/(H−1)` (top row is y = +1), so x points right
 * and y points up on the screen, matching the counter-clockwise angle convention of ivae.
 */
export function coordGrid(height: number, width: number): Float32Array {
  checkInt(height, "coordGrid", "height", 2);
  checkInt(width, "coordGrid", "width", 2);
  const g = new Float32Array(height * width * 2);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const p = i * width + j;
      g[2 * p] = -1 + (2 * j) / (width - 1);
      g[2 * p + 1] = 1 - (2 * i) / (height - 1);
    }
  }
  return g;
}

/** Pixel shift (dx right, dy down, in pixels) to grid units (x right, y up, image spans [−1, 1]). */
export function pixelsToGrid(dx: number, dy: number, height: number, width: number): [number, number] {
  return [(2 * dx) / (width - 1), (-2 * dy) / (height - 1)];
}

/** Grid shift (x right, y up) to pixels (dx right, dy down). */
export function gridToPixels(tx: number, ty: number, height: number, width: number): [number, number] {
  return [(tx * (width - 1)) / 2, (-ty * (height - 1)) / 2];
}
