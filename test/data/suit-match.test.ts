import { strict as assert } from "assert";
import { cards } from "../../src/data/cards";
import { ImageStack } from "../../src/data/image-stack";
import { rotateImages } from "../../src/data/rotate";
import { SUIT_NAMES, suitOutline } from "../../src/data/suits";
import { IvaeInputError } from "../../src/util/errors";

/** Angle error folded by the suit's symmetry order, radians in [0, π/sym]. */
function angleError(a: number, b: number, sym: number): number {
  const e = (a - b) * sym;
  return Math.abs(Math.atan2(Math.sin(e), Math.cos(e))) / sym;
}

/** Soft-edged ellipse (a blob, what a weak decoder draws): radius r px, edge width `soft`, y stretched by `ecc`. */
function blob(r: number, soft: number, ecc: number, invert = false): Float32Array {
  const out = new Float32Array(48 * 48);
  for (let i = 0; i < 48; i++)
    for (let j = 0; j < 48; j++) {
      const v = 1 / (1 + Math.exp((Math.hypot((i - 23.5) / ecc, j - 23.5) - r) / soft));
      out[i * 48 + j] = invert ? 1 - v : v;
    }
  return out;
}

describe("cards.glyphs and cards.matchSuits (the nearest-glyph rule)", () => {
  it("glyphs: one upright, centred glyph per suit with the outline's area", () => {
    const g = cards.glyphs({ scale: 0.6 });
    assert.equal(g.n, 4);
    for (let s = 0; s < 4; s++) {
      let m = 0,
        mx = 0,
        my = 0;
      for (let p = 0; p < 48 * 48; p++) {
        const v = g.data[s * 2304 + p];
        m += v;
        mx += v * (p % 48);
        my += v * Math.floor(p / 48);
      }
      const area = suitOutline(SUIT_NAMES[s]).area * (0.6 * 48) ** 2;
      assert.ok(Math.abs(m / area - 1) < 3e-3 && Math.hypot(mx / m - 23.5, my / m - 23.5) < 0.02);
    }
    // angle turns them counter-clockwise, like rotateImages
    const turned = cards.glyphs({ scale: 0.6, angle: 0.7 });
    const rotated = rotateImages(g, { angle: 0.7 }).images;
    let se = 0;
    for (let p = 0; p < turned.data.length; p++) se += (turned.data[p] - rotated.data[p]) ** 2;
    assert.ok(Math.sqrt(se / turned.data.length) < 0.03);
  });

  it("names the suit and angle of drawn cards (both styles): correlation >= 0.98, angle within 1.5°", () => {
    for (const style of ["ivae", "notebook"] as const) {
      const d = cards.lecture("cards3", { n: 120, seed: 4, style });
      const m = cards.matchSuits(d.images, { scale: d.options.scale });
      let worstAngle = 0,
        meanAngle = 0;
      for (let i = 0; i < 120; i++) {
        const s = d.factors.suit[i];
        assert.equal(m.suit[i], s, `${style} image ${i}`);
        const e = angleError(m.angle[i], d.factors.angle[i], d.symmetry[s]);
        worstAngle = Math.max(worstAngle, e);
        meanAngle += e / 120;
        assert.ok(m.correlation[i] >= 0.98 && m.margin[i] > 0.04, `${style} ${i}: ${m.correlation[i]}, ${m.margin[i]}`);
      }
      // 5° trial steps refined by a parabola; cards3's ±1° shear tilts the glyph a little too (measured mean 0.2°)
      assert.ok(worstAngle < (1.5 * Math.PI) / 180, `${style}: angle off by up to ${(worstAngle * 180) / Math.PI}°`);
      assert.ok(meanAngle < (0.4 * Math.PI) / 180, `${style}: mean angle error ${(meanAngle * 180) / Math.PI}°`);
    }
  });

  it("scores blobs and inverted backgrounds below every drawn suit", () => {
    // measured: the best of 300 soft ellipses correlates 0.934 with a glyph (a disc of r 9 px "is" a spade at 0.927),
    // so a rule of correlation >= 0.9 alone accepts blobs; drawn suits score >= 0.986
    const shapes = [blob(9, 0.5, 1.3), blob(9, 1, 1), blob(11, 1, 1.15), blob(6, 2, 1), blob(9, 1, 1, true)];
    const data = new Float32Array(shapes.length * 2304);
    shapes.forEach((s, i) => data.set(s, i * 2304));
    const stack: ImageStack = { data, n: shapes.length, height: 48, width: 48 };
    for (const scale of [0.45, 0.6]) {
      const m = cards.matchSuits(stack, { scale });
      for (let i = 0; i < 4; i++) assert.ok(m.correlation[i] < 0.95, `scale ${scale}, blob ${i}: ${m.correlation[i]}`);
      assert.ok(m.correlation[4] < 0, `inverted background ${m.correlation[4]}`);
    }
    // a constant image has no shape: correlation 0, not NaN
    const flat = cards.matchSuits({ data: new Float32Array(2304).fill(0.3), n: 1, height: 48, width: 48 });
    assert.equal(flat.correlation[0], 0);
  });

  it("rejects bad input", () => {
    const img: ImageStack = { data: new Float32Array(48 * 40), n: 1, height: 48, width: 40 };
    const bad: Array<[() => unknown, RegExp]> = [
      [() => cards.matchSuits(img), /square/],
      [() => cards.matchSuits(cards.glyphs(), { scale: 0 }), /scale must be a number in \(0, 2\]/],
      [() => cards.matchSuits(cards.glyphs(), { steps: 2 }), /steps/],
      [() => cards.matchSuits(cards.glyphs(), { size: 32 }), /size 32 does not match/],
      [() => cards.glyphs({ suits: ["joker" as never] }), /unknown suit "joker"/],
    ];
    for (const [f, re] of bad) {
      assert.throws(f, (e: unknown) => e instanceof IvaeInputError && re.test((e as Error).message), String(re));
    }
  });
});
