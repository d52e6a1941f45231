import { strict as assert } from "assert";
import { linearR2, offsetProbes, shiftTracking, translationInvariance } from "../../src/analysis/invariance";
import type { Encoding } from "../../src/analysis/encode";

/** An encoding of n rows of 2 latents given by a function of the row. */
function encoding(n: number, z: (i: number) => [number, number], shift?: (i: number) => [number, number]): Encoding {
  const zMean = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [zMean[2 * i], zMean[2 * i + 1]] = z(i);
  const e: Encoding = { n, latentDim: 2, zMean, zLogVar: new Float32Array(2 * n) };
  if (shift) {
    e.dx = Float32Array.from({ length: n }, (_, i) => shift(i)[0]);
    e.dy = Float32Array.from({ length: n }, (_, i) => shift(i)[1]);
  }
  return e;
}

describe("translation invariance on windows at every offset of a cell", () => {
  // a periodic image: a column every 8 px
  const H = 64,
    W = 64,
    a = 8;
  const img = new Float32Array(H * W);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) img[r * W + c] = Math.cos((2 * Math.PI * c) / a) * Math.cos((2 * Math.PI * r) / a);

  it("cuts one window per whole-pixel offset of the cell, each shifted by its offset", () => {
    const p = offsetProbes({ data: img, height: H, width: W }, { x: 30, y: 30, period: a, size: 16 });
    assert.equal(p.windows.images.n, a * a);
    assert.deepEqual([p.u[0], p.v[0], p.u[a + 3], p.v[a + 3]], [0, 0, 3, 1]);
    // window (u, v) equals window (0, 0) moved by (u, v); windows a full period apart would be equal
    const at = (k: number, i: number, j: number) => p.windows.images.data[k * 256 + i * 16 + j];
    assert.ok(Math.abs(at(a + 3, 2, 2) - at(0, 3, 5)) < 1e-6);
    assert.throws(
      () => offsetProbes({ data: img, height: H, width: W }, { x: 30, y: 30, period: 1, size: 16 }),
      /period must be the lattice period/,
    );
  });

  it("a z ignoring the offset scores 0, one following it scores high; shift latents correlate with it", () => {
    const p = offsetProbes({ data: img, height: H, width: W }, { x: 30, y: 30, period: a, size: 16 });
    const n = p.u.length,
      ph = (t: number) => (2 * Math.PI * t) / a;
    const reference = encoding(200, (i) => [Math.sin(i), Math.cos(3 * i)]);
    const flat = translationInvariance(
      p,
      encoding(
        n,
        () => [0.3, -0.2],
        (i) => [p.u[i] + 0.1, p.v[i] - 0.1],
      ),
      reference,
    );
    assert.ok(flat.varianceRatio < 1e-9);
    assert.ok(flat.dxVsOffset! > 0.99 && flat.dyVsOffset! > 0.99, `shift ρ ${flat.dxVsOffset}, ${flat.dyVsOffset}`);
    const follows = translationInvariance(
      p,
      encoding(n, (i) => [Math.cos(ph(p.u[i])), Math.sin(ph(p.v[i]))]),
      reference,
    );
    assert.ok(follows.varianceRatio > 0.5, `ratio ${follows.varianceRatio}`);
    assert.ok(
      follows.r2FromOffset.every((r) => r > 0.999),
      `R² ${follows.r2FromOffset}`,
    );
    assert.equal(follows.dxVsOffset, undefined);
    assert.throws(
      () =>
        translationInvariance(
          p,
          encoding(3, () => [0, 0]),
          reference,
        ),
      /3 rows for 64 probe windows/,
    );
  });

  it("shiftTracking: +1 / −1 for shifts with / against the offset modulo the period, ≈ 0 when unrelated", () => {
    const off = Array.from({ length: 64 }, (_, i) => i % 8);
    assert.ok(
      Math.abs(
        shiftTracking(
          off.map((u) => u + 8 * (u % 2) + 0.3),
          off,
          8,
        ) - 1,
      ) < 1e-9,
      "a whole period apart is the same shift",
    );
    assert.ok(
      Math.abs(
        shiftTracking(
          off.map((u) => -u + 1),
          off,
          8,
        ) + 1,
      ) < 1e-9,
    );
    assert.ok(
      Math.abs(
        shiftTracking(
          off.map((_, i) => (i * 2.618) % 8),
          off,
          8,
        ),
      ) < 0.3,
    );
    assert.throws(() => shiftTracking([NaN], [0], 8), /shift 0 is not finite/);
  });

  it("linearR2: exact fit 1, unrelated noise near 0", () => {
    const X = Array.from({ length: 50 }, (_, i) => [i, i * i]);
    assert.ok(
      Math.abs(
        linearR2(
          X,
          X.map(([u, v]) => 2 + 3 * u - 0.5 * v),
        ) - 1,
      ) < 1e-9,
    );
    assert.ok(
      linearR2(
        X.map(([u]) => [u]),
        X.map((_, i) => (i % 2 ? 1 : -1)),
      ) < 0.05,
    );
  });
});
