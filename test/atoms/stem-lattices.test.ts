import { strict as assert } from "assert";
import { basisCell, stemBasisLattice } from "../../src/data/stem";
import { IvaeInputError } from "../../src/util/errors";

/** Nearest truth column to (x, y) other than index `self`: index and distance. */
function nearest(x: Float32Array, y: Float32Array, px: number, py: number, self = -1): [number, number] {
  let best = -1,
    bd = Infinity;
  for (let j = 0; j < x.length; j++) {
    if (j === self) continue;
    const d = Math.hypot(x[j] - px, y[j] - py);
    if (d < bd) ((bd = d), (best = j));
  }
  return [best, bd];
}

describe("stem: basis lattices (dumbbells, honeycomb, centred) for the DCNN's training set", () => {
  const clean = { noise: false, vacancyFraction: 0, height: 128, width: 128 } as const;

  it("dumbbells: every column has its partner exactly pair·spacing away along the turned long edge", () => {
    const a = 20,
      pair = 0.35,
      th = 0.4;
    const s = stemBasisLattice({ ...clean, structure: "dumbbell", spacing: a, pair, rotation: th, sigma: 1.5 });
    const { x, y, species } = s.truth;
    assert.ok(x.length > 80, `${x.length} columns`);
    // the pair vector in (column, row) coordinates: (d cos θ, −d sin θ) from column 1 to column 2
    const d = pair * a,
      ux = d * Math.cos(th),
      uy = -d * Math.sin(th);
    let paired = 0,
      interior = 0;
    for (let i = 0; i < x.length; i++) {
      if (species[i] !== 0 || x[i] < 10 || y[i] < 10 || x[i] > 118 || y[i] > 118) continue;
      interior++;
      const [j, dist] = nearest(x, y, x[i] + ux, y[i] + uy, i);
      if (dist < 1e-3 && species[j] === 1) paired++;
    }
    assert.ok(interior > 30);
    assert.equal(paired, interior, "a column 1 without its column 2");
    assert.ok(Math.abs(s.minSpacing - d) < 1e-9, `minSpacing ${s.minSpacing}, pair ${d}`);
    // both columns of a dumbbell are drawn: the image at each column exceeds the pair's midpoint (a dip)
    const { data, width: W } = s.image;
    const at = (px: number, py: number) => data[Math.round(py) * W + Math.round(px)];
    let dips = 0,
      tested = 0;
    for (let i = 0; i < x.length; i++) {
      if (species[i] !== 0 || x[i] < 8 || y[i] < 8 || x[i] > 120 || y[i] > 120) continue;
      tested++;
      const mid = at(x[i] + ux / 2, y[i] + uy / 2);
      if (at(x[i], y[i]) > 1.1 * mid && at(x[i] + ux, y[i] + uy) > 1.1 * mid) dips++;
    }
    assert.ok(tested > 20 && dips === tested, `${dips} of ${tested} dumbbells show two peaks`);
  });

  it("dumbbells: the positions are the cell's sites, turned (no distortion when noise is off)", () => {
    const a = 16,
      th = -0.7;
    const s = stemBasisLattice({ ...clean, structure: "dumbbell", spacing: a, rotation: th, seed: 3 });
    const { a1, a2, sites } = basisCell("dumbbell", a, 0.354, Math.SQRT2);
    // every column, rotated back by −θ about column 0, lands on the unrotated lattice (up to a shared origin)
    const { x, y } = s.truth;
    const c = Math.cos(-th),
      sn = Math.sin(-th);
    const back = (i: number) => [c * (x[i] - x[0]) + sn * (y[i] - y[0]), -sn * (x[i] - x[0]) + c * (y[i] - y[0])];
    // column 0 sits on some basis site k0 (the same for every column): the offsets must be site differences
    // plus whole cells
    let worst = Infinity;
    for (const [u0, v0] of sites) {
      let w = 0;
      for (let i = 0; i < x.length; i++) {
        const [u, v] = back(i);
        let best = Infinity;
        for (const [sx, sy] of sites) {
          const du = u + u0 - sx,
            dv = v + v0 - sy;
          const ii = Math.round(du / a1[0]),
            jj = Math.round(dv / a2[1]);
          best = Math.min(best, Math.hypot(du - ii * a1[0], dv - jj * a2[1]));
        }
        w = Math.max(w, best);
      }
      worst = Math.min(worst, w);
    }
    assert.ok(worst < 1e-3, `largest distance from a lattice site ${worst} px`);
  });

  it("honeycomb: three S2-like neighbours per metal column, a/√3 away, 120° apart, at `ratio` brightness", () => {
    const a = 18,
      ratio = 0.3;
    const s = stemBasisLattice({ ...clean, structure: "honeycomb", spacing: a, ratio, sigma: 1.6, tail: 0 });
    const { x, y, species } = s.truth;
    const { data, width: W } = s.image;
    let checked = 0;
    const peak: number[][] = [[], []];
    for (let i = 0; i < x.length; i++) {
      if (x[i] < 12 || y[i] < 12 || x[i] > 116 || y[i] > 116) continue;
      peak[species[i]].push(data[Math.round(y[i]) * W + Math.round(x[i])]);
      if (species[i] !== 0) continue;
      const nb = Array.from(x.keys())
        .filter((j) => species[j] === 1)
        .map((j) => ({ j, d: Math.hypot(x[j] - x[i], y[j] - y[i]) }))
        .sort((p, q) => p.d - q.d)
        .slice(0, 3);
      for (const { d } of nb) assert.ok(Math.abs(d - a / Math.sqrt(3)) < 1e-3, `Mo–S distance ${d}`);
      const ang = nb.map(({ j }) => Math.atan2(y[j] - y[i], x[j] - x[i])).sort((p, q) => p - q);
      const gaps = [ang[1] - ang[0], ang[2] - ang[1], 2 * Math.PI + ang[0] - ang[2]];
      for (const g of gaps) assert.ok(Math.abs(g - (2 * Math.PI) / 3) < 1e-3, `angle gap ${g}`);
      checked++;
    }
    assert.ok(checked > 10);
    const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
    // the background (0.06) and the neighbours' tails add to both peaks; the ratio of the peaks above it is `ratio`
    const bg = 0.06;
    const r = (mean(peak[1]) - bg) / (mean(peak[0]) - bg);
    assert.ok(Math.abs(r - ratio) < 0.05, `measured ratio ${r}`);
  });

  it("centred: corner and centre columns a/√2 apart; seeds differ; bad options throw IvaeInputError", () => {
    const s = stemBasisLattice({ ...clean, structure: "centred", spacing: 16 });
    assert.ok(Math.abs(s.minSpacing - 16 / Math.SQRT2) < 1e-9);
    const { x, y } = s.truth;
    const [, d] = nearest(x, y, x[0], y[0], 0);
    assert.ok(Math.abs(d - 16 / Math.SQRT2) < 1e-3, `nearest neighbour ${d}`);
    const p = stemBasisLattice({ structure: "centred", seed: 1, height: 64, width: 64 });
    const q = stemBasisLattice({ structure: "centred", seed: 2, height: 64, width: 64 });
    assert.notDeepEqual(Array.from(p.truth.x.slice(0, 5)), Array.from(q.truth.x.slice(0, 5)));
    for (const bad of [
      { structure: "kagome" as never },
      { spacing: 2 },
      { pair: 0.9 },
      { ratio: 0 },
      { aspect: 3 },
      { rotation: NaN },
    ])
      assert.throws(() => stemBasisLattice({ height: 64, width: 64, ...bad }), IvaeInputError);
  });
});
