import { strict as assert } from "assert";
import { cards, CardsDataSet } from "../../src/data/cards";
import { suitOutline } from "../../src/data/suits";
import { IvaeInputError } from "../../src/util/errors";

/** Pixel sum and centroid (pixel-centre coordinates, rows down) of image i. */
function mass(d: CardsDataSet, i: number): { m0: number; cx: number; cy: number } {
  const { height: h, width: w } = d.images;
  let m0 = 0,
    mx = 0,
    my = 0;
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const v = d.images.data[(i * h + r) * w + c];
      m0 += v;
      mx += v * (c + 0.5);
      my += v * (r + 0.5);
    }
  return { m0, cx: mx / m0, cy: my / m0 };
}

/** Rows and columns of image i holding a pixel covered more than half (the glyph's bounding box). */
function bbox(d: CardsDataSet, i: number): { rows: number; cols: number } {
  const { height: h, width: w } = d.images;
  let r0 = h,
    r1 = -1,
    c0 = w,
    c1 = -1;
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      if (d.images.data[(i * h + r) * w + c] > 0.5) {
        r0 = Math.min(r0, r);
        r1 = Math.max(r1, r);
        c0 = Math.min(c0, c);
        c1 = Math.max(c1, c);
      }
    }
  return { rows: r1 - r0 + 1, cols: c1 - c0 + 1 };
}

const maxAbs = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe("cards: the lecture notebook's style and random scale", () => {
  it('style "ivae" is the default and keeps the small glyphs with ±10 % shifts', () => {
    const a = cards.lecture("cards3", { n: 40, seed: 2 });
    const b = cards.lecture("cards3", { n: 40, seed: 2, style: "ivae" });
    assert.deepEqual(a.images.data, b.images.data);
    assert.equal(a.options.scale, 0.45);
    assert.ok(Math.abs(a.options.maxShift - 4.8) < 1e-12);
    assert.ok(a.factors.scale.every((s) => s === 1));
  });

  it('style "notebook": glyphs as large as the notebook\'s, shifts within ±0.1 px', () => {
    const o = cards.lectureOptions("cards1", { n: 4, style: "notebook" });
    assert.equal(o.scale, 0.6);
    assert.ok(Math.abs((o.maxShift as number) - 0.1) < 1e-12);
    // upright, unsheared: the bounding box the notebook's own glyphs have after resize 64 and crop 48
    const up = cards.generate({ ...o, maxRotation: 0, maxShear: 0, shuffle: false });
    // The notebook's JPEGs through its recipe: glyphs 30, 30, 27, 29 rows tall (coverage > 0.5), ink 497, 417,
    // 453, 324 (sum 1691). Ours differ in shape (a pointy diamond loses rows to the threshold) but match in size.
    let ink = 0;
    for (let i = 0; i < 4; i++) {
      const { rows } = bbox(up, i);
      assert.ok(rows >= 26 && rows <= 30, `${up.suitNames[up.factors.suit[i]]}: ${rows} rows`);
      ink += mass(up, i).m0;
    }
    assert.ok(Math.abs(ink / 1691 - 1) < 0.03, `ink of the four glyphs ${ink}, notebook's 1691`);
    const ivaeOpts = cards.lectureOptions("cards1", { n: 4 });
    const ivae = cards.generate({ ...ivaeOpts, maxRotation: 0, maxShear: 0, shuffle: false });
    for (let i = 0; i < 4; i++) assert.ok(bbox(ivae, i).rows <= 23);

    const nb = cards.lecture("cards4", { n: 300, seed: 5, style: "notebook" });
    assert.ok(maxAbs(nb.factors.dx) <= 0.1 && maxAbs(nb.factors.dy) <= 0.1 && maxAbs(nb.factors.dx) > 0.09);
    assert.ok(maxAbs(nb.factors.angle) > 0.95 * cards.variants.cards4.maxRotation);
    // same seed, same angles and shears in both styles: the glyph's area grows by (0.60 / 0.45)²
    const small = cards.lecture("cards4", { n: 300, seed: 5 });
    assert.deepEqual(nb.factors.angle, small.factors.angle);
    let worst = 0;
    for (let i = 0; i < 300; i++) {
      const ratio = mass(nb, i).m0 / mass(small, i).m0;
      worst = Math.max(worst, Math.abs(ratio / (0.6 / 0.45) ** 2 - 1));
      const c = mass(nb, i);
      assert.ok(Math.hypot(c.cx - 24 - nb.factors.dx[i], c.cy - 24 - nb.factors.dy[i]) < 0.05);
    }
    assert.ok(worst < 5e-3, `area ratio off by ${worst}`);
    // at another size the look is the same: shifts scale with the frame
    const big = cards.lectureOptions("cards3", { size: 96, style: "notebook" });
    assert.ok(Math.abs((big.maxShift as number) - 0.2) < 1e-12);
  });

  it("scaleJitter draws a scale factor per image, kept as factors.scale, and the area follows it", () => {
    const d = cards.generate({ n: 400, seed: 3, maxRotation: Math.PI, maxShear: 0.2, scaleJitter: 0.2 });
    const s = d.factors.scale;
    assert.ok(s.every((v) => v >= 0.8 && v <= 1.2));
    assert.ok(Math.min(...s) < 0.82 && Math.max(...s) > 1.18);
    for (let i = 0; i < d.images.n; i++) {
      const expected = suitOutline(d.suitNames[d.factors.suit[i]]).area * (0.45 * 48 * s[i]) ** 2;
      const m = mass(d, i);
      assert.ok(Math.abs(m.m0 - expected) / expected < 3e-3, `image ${i}: area ${m.m0} vs ${expected}`);
      // scaled about the centroid: the centre of mass stays at the centre + (dx, dy)
      assert.ok(Math.hypot(m.cx - 24 - d.factors.dx[i], m.cy - 24 - d.factors.dy[i]) < 0.05);
    }
    assert.equal(d.options.scaleJitter, 0.2);
    const nb = cards.lecture("cards3", { n: 20, style: "notebook", scaleJitter: 0.2 });
    assert.ok(nb.factors.scale.some((v) => v !== 1) && nb.options.scale === 0.6);
  });

  it("rejects bad style and scale options", () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => cards.lecture("cards1", { style: "pyro" as never }), /unknown style "pyro"; expected "ivae"/],
      [() => cards.lecture("cards1", { shift: 1 } as never), /unknown option "shift"/],
      [() => cards.generate({ scaleJitter: 1 }), /scaleJitter must be below 1/],
      [() => cards.generate({ scaleJitter: -0.1 }), /scaleJitter .* >= 0/],
      [() => cards.lecture("cards2", { scaleJitter: NaN }), /scaleJitter/],
    ];
    for (const [f, re] of bad) {
      assert.throws(f, (e: unknown) => e instanceof IvaeInputError && re.test((e as Error).message), String(re));
    }
  });
});
