import { strict as assert } from "assert";
import { stemDomains, stemInterface, stemPolycrystal, stemTimeSeries } from "../../src/data/stem";
import { estimateLatticeScale, scaleDefaults } from "../../src/atoms";
import { fft1d } from "../../src/atoms/fft";
import { IvaeInputError } from "../../src/util/errors";

const within = (v: number, truth: number, what: string) =>
  assert.ok(
    Math.abs(v / truth - 1) <= 0.05,
    `${what}: ${v.toFixed(2)} px, truth ${truth.toFixed(2)} px (more than 5 % off)`,
  );

// true distances of the generators at their default 0.2 Å/px (src/data/stem/interface.ts, domains.ts, polycrystal.ts)
const NIO = 4.177 / 2 / 0.2,
  LSMO = 3.88 / 0.2,
  BFO = 3.96 / 0.2;

describe("atoms: lattice scale from the image", () => {
  it("the FFT matches a direct DFT and inverts", () => {
    const n = 16,
      re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + (i % 3)),
      im = new Float64Array(n);
    const r0 = Float64Array.from(re);
    fft1d(re, im);
    for (const k of [0, 1, 5, 11]) {
      let a = 0,
        b = 0;
      for (let t = 0; t < n; t++) {
        a += r0[t] * Math.cos((-2 * Math.PI * k * t) / n);
        b += r0[t] * Math.sin((-2 * Math.PI * k * t) / n);
      }
      assert.ok(Math.abs(re[k] - a) < 1e-9 && Math.abs(im[k] - b) < 1e-9, `bin ${k}`);
    }
    fft1d(re, im, true);
    for (let t = 0; t < n; t++) assert.ok(Math.abs(re[t] - r0[t]) < 1e-9);
  });
  it("two phases (NiO | LSMO): spacing = the NiO column distance, period = the LSMO cell, within 5 %", () => {
    for (const seed of [1, 2]) {
      const s = estimateLatticeScale(stemInterface({ seed }).image);
      within(s.spacing, NIO, "spacing");
      within(s.period, LSMO, "period");
    }
  });
  it("BiFeO3-like domains: period within 5 %; two polymorphs at random orientations: spacing within 5 %", () => {
    within(estimateLatticeScale(stemDomains({ seed: 3 }).image).period, BFO, "domains period");
    within(estimateLatticeScale(stemPolycrystal({ seed: 3 }).image).spacing, 10.4, "polycrystal spacing");
  });
  it("holds under strong noise, strong drift, a movie, another pixel size, and a vacuum region", () => {
    within(estimateLatticeScale(stemInterface({ seed: 4, dose: 20 }).image).spacing, NIO, "dose 20");
    within(
      estimateLatticeScale(stemInterface({ seed: 5, drift: 0.03, lineJitter: 0.6 }).image).period,
      LSMO * 1.0,
      "drift",
    );
    within(
      estimateLatticeScale(stemTimeSeries({ seed: 1, height: 160, width: 160, frames: 3 }).image).spacing,
      NIO,
      "movie",
    );
    within(estimateLatticeScale(stemDomains({ seed: 6, pixelSize: 0.12 }).image).period, 3.96 / 0.12, "0.12 Å/px");
    // the right 40 % of the BFO image replaced by vacuum (background counts and their noise only)
    const d = stemDomains({ seed: 7, height: 256, width: 256 });
    const img = Float32Array.from(d.image.data);
    let st = 7;
    const rnd = () => (st = (st * 16807) % 2147483647) / 2147483647;
    for (let y = 0; y < 256; y++) for (let x = 154; x < 256; x++) img[y * 256 + x] = 0.06 + 0.02 * (rnd() - 0.5);
    within(estimateLatticeScale({ data: img, height: 256, width: 256 }).period, BFO, "with vacuum");
  });
  it("reports physical units when given a pixel size, and derives every default from the scale", () => {
    const s = estimateLatticeScale(stemDomains({ seed: 1 }).image, { pixelSize: 0.02, unit: "nm" });
    assert.equal(s.unit, "nm");
    assert.ok(Math.abs(s.periodPhysical! - s.period * 0.02) < 1e-9);
    within(s.periodPhysical! / 0.02, BFO, "period from nm");
    const d = scaleDefaults({ spacing: 10, period: 20, columnSigma: 2 });
    assert.deepEqual(
      [d.minDistance, d.minSigma, d.maxSigma, d.smooth, d.refineRadius, d.patchSize, d.windowSize],
      [6, 1, 4, 1, 3, 26, 50],
    );
  });
  it("says so when there is no lattice or the input is wrong", () => {
    assert.throws(
      () => estimateLatticeScale({ data: new Float32Array(64 * 64), height: 64, width: 64 }),
      /no periodic structure/,
    );
    assert.throws(() => estimateLatticeScale({ data: new Float32Array(8 * 8), height: 8, width: 8 }), IvaeInputError);
    assert.throws(() => estimateLatticeScale(stemDomains({ seed: 1 }).image, { maxLag: 1000 }), /maxLag/);
    assert.throws(() => scaleDefaults({ spacing: NaN, period: 3 }), IvaeInputError);
  });
});
