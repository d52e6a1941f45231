import { strict as assert } from "assert";
import { cards, CardsDataSet } from "../../src/data/cards";
import { fillPolygons, signedArea } from "../../src/data/rasterize";
import { SUIT_NAMES, suitOutline } from "../../src/data/suits";
import { IvaeInputError } from "../../src/util/errors";

/** Zeroth, first and central second moments of image i, in pixel-centre coordinates (x right, y up). */
function moments(d: CardsDataSet, i: number) {
  const { height: h, width: w } = d.images;
  const img = d.images.data.subarray(i * h * w, (i + 1) * h * w);
  let m0 = 0,
    mx = 0,
    my = 0;
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const v = img[r * w + c];
      m0 += v;
      mx += v * (c + 0.5);
      my += v * (r + 0.5);
    }
  const cx = mx / m0,
    cy = my / m0;
  let sxx = 0,
    syy = 0,
    sxy = 0;
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const v = img[r * w + c];
      const X = c + 0.5 - cx,
        Y = -(r + 0.5 - cy); // y up
      sxx += v * X * X;
      syy += v * Y * Y;
      sxy += v * X * Y;
    }
  // orientation of the major axis, counter-clockwise from +x, modulo π
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  return { m0, cx, cy, theta };
}

/** Angle difference folded into (-π/2, π/2] (axes are defined modulo π). */
function axisDiff(a: number, b: number): number {
  let d = (a - b) % Math.PI;
  if (d > Math.PI / 2) d -= Math.PI;
  if (d <= -Math.PI / 2) d += Math.PI;
  return d;
}

describe("cards data set", () => {
  it("has the lecture's four variants and the suit table", () => {
    assert.deepEqual(Object.keys(cards.variants), ["cards1", "cards2", "cards3", "cards4"]);
    assert.deepEqual(
      Object.values(cards.variants).map((v) => [v.rotationDeg, v.shearDeg]),
      [
        [12, 1],
        [12, 20],
        [120, 1],
        [120, 20],
      ],
    );
    assert.ok(Math.abs(cards.variants.cards3.maxRotation - (120 * Math.PI) / 180) < 1e-12);
    assert.deepEqual(cards.suitNames, ["clubs", "spades", "hearts", "diamonds"]);
    assert.deepEqual(cards.symmetry, { clubs: 1, spades: 1, hearts: 1, diamonds: 2 });
  });

  for (const name of ["cards1", "cards2", "cards3", "cards4"] as const) {
    it(`${name}: factors within and spanning the ranges, images in [0,1]`, () => {
      const d = cards.lecture(name, { n: 800, seed: 3 });
      const v = cards.variants[name];
      assert.equal(d.images.n, 800);
      assert.equal(d.images.height, 48);
      assert.equal(d.images.width, 48);
      assert.equal(d.images.data.length, 800 * 48 * 48);
      const f = d.factors;
      const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      assert.ok(maxAbs(f.angle) <= v.maxRotation * (1 + 1e-6) && maxAbs(f.angle) > 0.95 * v.maxRotation);
      assert.ok(maxAbs(f.shear) <= v.maxShear * (1 + 1e-6) && maxAbs(f.shear) > 0.95 * v.maxShear);
      for (const t of [f.dx, f.dy]) assert.ok(maxAbs(t) <= 4.8 * (1 + 1e-6) && maxAbs(t) > 4.5);
      let lo = Infinity,
        hi = -Infinity;
      for (const x of d.images.data) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      assert.equal(lo, 0);
      assert.equal(hi, 1);
      assert.deepEqual(d.symmetry, [1, 1, 1, 2]);
      assert.ok(Math.abs(d.options.maxShift - 4.8) < 1e-12);
    });
  }

  it("is reproducible: same seed, same images and factors; another seed differs", () => {
    const a = cards.lecture("cards4", { n: 50, seed: 7 });
    const b = cards.lecture("cards4", { n: 50, seed: 7 });
    const c = cards.lecture("cards4", { n: 50, seed: 8 });
    assert.deepEqual(a.images.data, b.images.data);
    assert.deepEqual(a.factors, b.factors);
    assert.notDeepEqual(a.images.data, c.images.data);
    assert.notDeepEqual(a.factors.angle, c.factors.angle);
  });

  it("puts the shape's centroid at the image centre + (dx, dy), for any rotation and shear", () => {
    // An affine map sends the area centroid to the centroid, and the outline's centroid is the origin.
    const d = cards.lecture("cards4", { n: 200, seed: 11 });
    let worst = 0;
    for (let i = 0; i < d.images.n; i++) {
      const m = moments(d, i);
      worst = Math.max(worst, Math.abs(m.cx - (24 + d.factors.dx[i])), Math.abs(m.cy - (24 + d.factors.dy[i])));
    }
    assert.ok(worst < 0.03, `centroid off by up to ${worst} px`);
  });

  it("keeps the area: pixel sum = outline area × (scale·size)² (shear has determinant 1)", () => {
    const d = cards.generate({ n: 100, seed: 2, maxRotation: Math.PI, maxShear: 0.35 });
    for (let i = 0; i < d.images.n; i++) {
      const expected = suitOutline(d.suitNames[d.factors.suit[i]]).area * (0.45 * 48) ** 2;
      const rel = Math.abs(moments(d, i).m0 - expected) / expected;
      assert.ok(rel < 2e-3, `image ${i}: area off by ${rel}`);
    }
  });

  it("rotates the principal axis with the angle (diamonds, counter-clockwise positive)", () => {
    const d = cards.generate({ n: 60, seed: 5, suits: ["diamonds"], maxRotation: 1.5, maxShear: 0, maxShift: 3 });
    for (let i = 0; i < d.images.n; i++) {
      // the unrotated diamond is taller than wide: major axis vertical (π/2)
      const err = axisDiff(moments(d, i).theta, Math.PI / 2 + d.factors.angle[i]);
      assert.ok(Math.abs(err) < 0.01, `image ${i}: axis off by ${err} rad`);
    }
  });

  it("draws the suits upright: spade point and heart notch up, heart point down", () => {
    const d = cards.generate({ n: 4, maxRotation: 0, maxShear: 0, maxShift: 0, shuffle: false, size: 64 });
    // centroid vs bounding-box centre along y: hearts are heavy on top (lobes), spades and clubs heavy... per row mass
    const rowMass = (i: number) => {
      const out: number[] = [];
      for (let r = 0; r < 64; r++) {
        let s = 0;
        for (let c = 0; c < 64; c++) s += d.images.data[i * 4096 + r * 64 + c];
        out.push(s);
      }
      return out;
    };
    const rows = (i: number) =>
      rowMass(i)
        .map((s, r) => [s, r])
        .filter(([s]) => s > 0.5)
        .map(([, r]) => r);
    // the widest row of the heart is in its upper half, of the spade in its lower half
    const widest = (i: number) => {
      const m = rowMass(i);
      return m.indexOf(Math.max(...m));
    };
    const mid = (i: number) => {
      const r = rows(i);
      return (r[0] + r[r.length - 1]) / 2;
    };
    assert.ok(widest(2) < mid(2), "hearts: widest part should be at the top");
    assert.ok(widest(1) > mid(1), "spades: widest part should be at the bottom");
    // a diamond's width is narrowest at top and bottom
    const m3 = rowMass(3),
      r3 = rows(3);
    assert.ok(m3[r3[0]] < 0.3 * Math.max(...m3) && m3[r3[r3.length - 1]] < 0.3 * Math.max(...m3));
  });

  it("anti-aliases the edges (intermediate grey levels along the outline)", () => {
    const d = cards.lecture("cards3", { n: 20, seed: 1 });
    for (let i = 0; i < d.images.n; i++) {
      let grey = 0,
        full = 0;
      for (let p = 0; p < 48 * 48; p++) {
        const v = d.images.data[i * 2304 + p];
        if (v > 0.05 && v < 0.95) grey++;
        if (v === 1) full++;
      }
      assert.ok(grey >= 25 && grey < full, `image ${i}: ${grey} edge pixels, ${full} full`);
    }
  });

  it("has the stated rotational symmetries: diamonds 2-fold, others none", () => {
    const size = 96;
    const render = (suit: (typeof SUIT_NAMES)[number], angle: number) => {
      const o = suitOutline(suit),
        g = 0.45 * size,
        c = Math.cos(angle),
        s = Math.sin(angle);
      const rings = o.rings.map((r) => {
        const q = new Float64Array(r.length);
        for (let k = 0; k < r.length; k += 2) {
          q[k] = size / 2 + g * (c * r[k] - s * r[k + 1]);
          q[k + 1] = size / 2 - g * (s * r[k] + c * r[k + 1]);
        }
        return q;
      });
      const img = new Float32Array(size * size);
      fillPolygons(rings, size, size, img, 0, 8);
      return img;
    };
    for (const suit of SUIT_NAMES) {
      const ref = render(suit, 0);
      let refSum = 0;
      for (const v of ref) refSum += v;
      for (let k = 2; k <= 6; k++) {
        const rot = render(suit, (2 * Math.PI) / k);
        let diff = 0;
        for (let p = 0; p < ref.length; p++) diff += Math.abs(rot[p] - ref[p]);
        const symmetric = diff / refSum < 0.02;
        assert.equal(
          symmetric,
          suit === "diamonds" && k === 2,
          `${suit} under 2π/${k}: relative difference ${diff / refSum}`,
        );
      }
    }
  });

  it("orients all rings alike (nonzero fill = union) with plausible areas", () => {
    for (const suit of SUIT_NAMES) {
      const o = suitOutline(suit);
      for (const r of o.rings) assert.ok(signedArea(r) > 0);
      assert.ok(o.area > 0.2 && o.area < 0.8, `${suit} area ${o.area}`);
    }
  });

  it("balances the suits and honours the suit selection and order options", () => {
    const d = cards.generate({ n: 1001, seed: 1 });
    const counts = [0, 0, 0, 0];
    for (const s of d.factors.suit) counts[s]++;
    assert.deepEqual(counts, [251, 250, 250, 250]);
    const blocked = cards.generate({ n: 12, shuffle: false, suits: ["hearts", "diamonds"] });
    assert.deepEqual(Array.from(blocked.factors.suit), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(blocked.suitNames, ["hearts", "diamonds"]);
    assert.deepEqual(blocked.symmetry, [1, 2]);
    const free = cards.generate({ n: 400, balanced: false, seed: 4 });
    const c2 = [0, 0, 0, 0];
    for (const s of free.factors.suit) c2[s]++;
    assert.ok(c2.every((c) => c > 60) && c2.some((c) => c !== 100));
  });

  it("honours size, scale and shift options", () => {
    // 32 sub-scanlines: at 16 px the thin stems make the default 8 off by ~0.02 px in y
    const d = cards.generate({
      n: 10,
      size: 16,
      maxShift: 0,
      maxRotation: 0,
      maxShear: 0,
      scale: 0.6,
      seed: 1,
      supersample: 32,
    });
    assert.equal(d.images.height, 16);
    for (let i = 0; i < 10; i++) {
      assert.equal(d.factors.dx[i], 0);
      const m = moments(d, i);
      assert.ok(Math.abs(m.cx - 8) < 0.005 && Math.abs(m.cy - 8) < 0.005, `centroid (${m.cx}, ${m.cy})`);
    }
  });

  it("rejects bad options with IvaeInputError and a clear message", () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => cards.generate({ n: 0 }), /n \(number of images\) must be an integer >= 1/],
      [() => cards.generate({ n: 2.5 }), /n \(number of images\)/],
      [() => cards.generate({ size: 7 }), /size .* must be an integer >= 8/],
      [() => cards.generate({ maxRotation: -0.1 }), /maxRotation .* >= 0/],
      [() => cards.generate({ maxShear: -1 }), /maxShear .* >= 0/],
      [() => cards.generate({ maxShift: NaN }), /maxShift .* finite/],
      [() => cards.generate({ suits: ["hearts", "joker" as never] }), /unknown suit "joker"/],
      [() => cards.generate({ suits: [] }), /non-empty/],
      [() => cards.generate({ nn: 3 } as never), /unknown option "nn"/],
      [
        () => cards.lecture("cards5" as never),
        /unknown variant "cards5"; expected one of cards1, cards2, cards3, cards4/,
      ],
      [() => cards.lecture("cards1", { n: -3 }), /n \(number of images\)/],
      [() => cards.lecture("cards1", { size: 4 }), /size/],
    ];
    for (const [f, re] of bad) {
      assert.throws(f, (e: unknown) => e instanceof IvaeInputError && re.test((e as Error).message), String(re));
    }
  });

  it("generates a lecture-sized set (6000 images of 48x48) with balanced suits", () => {
    // speed is reported by the benchmark; a test only checks what it produces
    const d = cards.lecture("cards4", { n: 6000, seed: 1 });
    assert.equal(d.images.n, 6000);
    const counts = [0, 0, 0, 0];
    for (const s of d.factors.suit) counts[s]++;
    assert.deepEqual(counts, [1500, 1500, 1500, 1500]);
  });
});
