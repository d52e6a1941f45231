import { strict as assert } from "assert";
import { stemDomains, stemInterface } from "../../src/data/stem";
import { columnPolarity, findAtomsLoG, findLocalMaxima, refinePositions, scoreAtoms } from "../../src/atoms";
import { IvaeInputError } from "../../src/util/errors";

describe("atoms: finding without per-image parameters", () => {
  it("defaults from the image's own scale keep precision and recall >= 0.98 on the synthetic images", () => {
    for (const s of [stemInterface({ seed: 1 }), stemDomains({ seed: 1 })]) {
      const region = { x0: 3, y0: 3, x1: 253, y1: 253 };
      for (const f of [findLocalMaxima(s.image), findAtomsLoG(s.image)]) {
        const sc = scoreAtoms(refinePositions(s.image, f), s.truth, { tolerance: s.minSpacing / 2, region });
        assert.ok(sc.precision >= 0.98 && sc.recall >= 0.98, `precision ${sc.precision}, recall ${sc.recall}`);
      }
    }
  });
  it("rejects noise maxima over an amorphous region, where the global threshold does not", () => {
    const s = stemDomains({ seed: 2 });
    const img = Float32Array.from(s.image.data);
    let st = 3;
    const rnd = () => (st = (st * 16807) % 2147483647) / 2147483647;
    // right 40 %: amorphous material (brighter than the crystal's median) with its noise, no columns
    for (let y = 0; y < 256; y++) for (let x = 154; x < 256; x++) img[y * 256 + x] = 0.25 + 0.1 * (rnd() - 0.5);
    const im = { data: img, height: 256, width: 256 };
    const inAmorphous = (f: { x: Float32Array }) => Array.from(f.x).filter((x) => x > 160).length;
    for (const find of [findLocalMaxima, findAtomsLoG]) {
      assert.ok(inAmorphous(find(im)) <= 2, `${find.name}: ${inAmorphous(find(im))} atoms on the amorphous region`);
    }
    // the former rule (median + 8 % of the range) takes the bright amorphous noise for columns
    assert.ok(inAmorphous(findLocalMaxima(im, { background: "global" })) > 20, "the global rule should fail here");
    // and the crystal half is still found
    const truthL = { x: s.truth.x.filter((x) => x < 148), y: s.truth.y.filter((_, i) => s.truth.x[i] < 148) };
    const sc = scoreAtoms(findLocalMaxima(im), truthL, {
      tolerance: s.minSpacing / 2,
      region: { x0: 3, y0: 3, x1: 148, y1: 253 },
    });
    assert.ok(sc.recall >= 0.97, `recall ${sc.recall}`);
  });
  it("optional background subtraction finds the same columns on a strong intensity ramp", () => {
    const s = stemInterface({ seed: 3 });
    const img = Float32Array.from(s.image.data, (v, i) => v + 0.6 * ((i % 256) / 256));
    const sc = scoreAtoms(
      findLocalMaxima({ data: img, height: 256, width: 256 }, { subtractBackground: true }),
      s.truth,
      { tolerance: s.minSpacing / 2, region: { x0: 3, y0: 3, x1: 253, y1: 253 } },
    );
    assert.ok(sc.precision >= 0.97 && sc.recall >= 0.97, `precision ${sc.precision}, recall ${sc.recall}`);
  });
});

describe("atoms: bad input (issue 16)", () => {
  const flat = (v: number) => ({ data: new Float32Array(64 * 64).fill(v), height: 64, width: 64 });
  it("a flat or all-zero image has no atoms", () => {
    for (const v of [0, 3.5]) {
      for (const o of [{}, { background: "global" as const }, { minDistance: 5 }]) {
        assert.equal(findLocalMaxima(flat(v), o).x.length, 0);
        assert.equal(findAtomsLoG(flat(v), o).x.length, 0);
      }
    }
  });
  it("a huge smoothing returns (the blur kernel is capped at the image size)", function () {
    this.timeout(5000);
    const s = stemInterface({ seed: 1, height: 64, width: 64 });
    const f = findLocalMaxima(s.image, { smooth: 1e6, minDistance: 5 });
    assert.ok(f.x.length <= 1, `a blur wider than the image leaves at most one maximum, got ${f.x.length}`);
  });
  it("rejects a negative or fractional border, NaN minDistance and NaN positions with IvaeInputError", () => {
    const s = stemInterface({ seed: 1, height: 64, width: 64 });
    for (const find of [findLocalMaxima, findAtomsLoG]) {
      assert.throws(() => find(s.image, { minDistance: 5, border: -3 }), /border must be an integer >= 0/);
      assert.throws(() => find(s.image, { minDistance: 5, border: 1.5 }), IvaeInputError);
      assert.throws(() => find(s.image, { minDistance: NaN }), /minDistance must be a number >= 1/);
    }
    const atoms = { x: Float32Array.of(10, NaN), y: Float32Array.of(10, 12), frame: Int32Array.of(0, 0) };
    assert.throws(() => refinePositions(s.image, atoms), /x coordinates contains a non-finite value/);
    assert.throws(() => findLocalMaxima(s.image, { background: "none" as never }), /background must be/);
  });
});

describe("atoms: column polarity", () => {
  it("tells bright columns (HAADF) from dark ones (ABF-like, the negative)", () => {
    const s = stemDomains({ seed: 4, height: 128, width: 128 });
    assert.equal(columnPolarity(s.image.data, 128, 128, 14).polarity, "bright");
    assert.equal(
      columnPolarity(
        s.image.data.map((v) => 1 - v),
        128,
        128,
        14,
      ).polarity,
      "dark",
    );
  });
});
