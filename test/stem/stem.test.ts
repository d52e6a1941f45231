import { strict as assert } from "assert";
import {
  stemDomains,
  stemInterface,
  stemPolycrystal,
  stemSpectral,
  stemTimeSeries,
  SPECIES,
  STEM_SPECIES,
} from "../../src/data/stem";

describe("stem: synthetic images", () => {
  it("interface: same seed same image; two phases with Z-contrast ordering; ground truth inside the image", () => {
    const a = stemInterface({ height: 128, width: 128, seed: 5 });
    const b = stemInterface({ height: 128, width: 128, seed: 5 });
    const c = stemInterface({ height: 128, width: 128, seed: 6 });
    assert.deepEqual(a.image.data, b.image.data);
    assert.notDeepEqual(a.image.data, c.image.data);
    const t = a.truth;
    const n = t.x.length;
    assert.ok(n > 100, `expected > 100 columns, got ${n}`);
    const phases = new Set(t.phase);
    assert.deepEqual([...phases].sort(), [0, 1]);
    // NiO on the left, LSMO on the right
    let mx0 = 0,
      mx1 = 0,
      n0 = 0,
      n1 = 0;
    for (let i = 0; i < n; i++)
      if (t.phase[i] === 0) {
        mx0 += t.x[i];
        n0++;
      } else {
        mx1 += t.x[i];
        n1++;
      }
    assert.ok(mx0 / n0 < mx1 / n1);
    assert.ok(
      STEM_SPECIES[SPECIES.LSMO_A].intensity > 2 * STEM_SPECIES[SPECIES.LSMO_B].intensity,
      "La/Sr columns are brighter than Mn–O",
    );
    // the image is brighter at the A columns than at the B columns (Z-contrast survives the noise)
    const at = (i: number) => a.image.data[Math.round(t.y[i]) * 128 + Math.round(t.x[i])];
    const mean = (sp: number) => {
      let s = 0,
        k = 0;
      for (let i = 0; i < n; i++)
        if (t.species[i] === sp && t.x[i] > 2 && t.x[i] < 125 && t.y[i] > 2 && t.y[i] < 125) {
          s += at(i);
          k++;
        }
      return s / k;
    };
    assert.ok(mean(SPECIES.LSMO_A) > 1.6 * mean(SPECIES.LSMO_B));
    for (let i = 0; i < n; i++) assert.ok(t.x[i] >= -0.5 && t.x[i] <= 127.5 && t.y[i] >= -0.5 && t.y[i] <= 127.5);
    const rotDeg = Array.from(t.rotation, (r) => (r * 180) / Math.PI);
    assert.ok(Math.max(...rotDeg) > 2 && Math.max(...rotDeg) < 12, "LSMO tilt + misfit rotation of a few degrees");
  });
  it("noise-free rendering puts the peak maxima exactly at the ground-truth positions", () => {
    const s = stemInterface({ height: 96, width: 96, seed: 1, noise: false, intensityJitter: 0, vacancyFraction: 0 });
    const W = 96;
    let checked = 0;
    for (let i = 0; i < s.truth.x.length; i++) {
      const x = Math.round(s.truth.x[i]),
        y = Math.round(s.truth.y[i]);
      if (x < 3 || y < 3 || x > 92 || y > 92) continue;
      const v = s.image.data[y * W + x];
      // the pixel nearest the column is at least as bright as the pixel 2 px away on either side
      assert.ok(
        v >= s.image.data[y * W + x + 2] && v >= s.image.data[y * W + x - 2] && v >= s.image.data[(y + 2) * W + x],
      );
      checked++;
    }
    assert.ok(checked > 50);
  });
  it("domains: labels alternate in diagonal stripes and Fe displacements follow the label's polarisation", () => {
    const s = stemDomains({ height: 192, width: 192, seed: 2, domainWidth: 80 });
    const t = s.truth;
    assert.equal(new Set(t.phase).size, 2);
    for (let i = 0; i < t.x.length; i++) {
      if (t.species[i] === SPECIES.BFO_A) {
        assert.equal(t.dispX[i], 0);
        continue;
      }
      if (t.species[i] !== SPECIES.BFO_B) continue;
      const m = Math.hypot(t.dispX[i], t.dispY[i]);
      assert.ok(m > 0.5 && m <= 1.2001, `displacement ${m}`);
      // label 0: P ∥ (1, 1) in display coordinates = (+x, −row); away from walls dx·dy < 0, label 1 dx·dy > 0
      if (m > 1.15) assert.equal(Math.sign(t.dispX[i] * t.dispY[i]), t.phase[i] === 0 ? -1 : 1);
    }
  });
  it("time series: frames differ, the LSMO front advances, truth carries frame indices", () => {
    const s = stemTimeSeries({ height: 96, width: 128, frames: 3, seed: 3 });
    assert.equal(s.image.n, 3);
    const frac = [0, 1, 2].map((f) => {
      let l = 0,
        k = 0;
      for (let i = 0; i < s.truth.x.length; i++)
        if (s.truth.frame[i] === f) {
          k++;
          l += s.truth.phase[i];
        }
      return l / k;
    });
    assert.ok(frac[0] < frac[1] && frac[1] < frac[2], `LSMO fraction must grow: ${frac}`);
  });
  it("polycrystal: square and hexagonal grains, 4 and 6 neighbours at equal column density, any orientation", () => {
    const a = stemPolycrystal({ height: 160, width: 160, seed: 3, grains: 6 });
    assert.deepEqual(a.image.data, stemPolycrystal({ height: 160, width: 160, seed: 3, grains: 6 }).image.data);
    const t = a.truth,
      n = t.x.length;
    assert.deepEqual([...new Set(t.phase)].sort(), [0, 1]);
    assert.ok(new Set(t.species).size === 1, "one column species: only the arrangement differs");
    const aS = 10.4,
      aH = aS * Math.sqrt(2 / Math.sqrt(3));
    // interior columns (away from the edges and from columns of the other phase): count neighbours within 1.2 spacings
    const count = [new Map<number, number>(), new Map<number, number>()];
    for (let i = 0; i < n; i++) {
      if (t.x[i] < 30 || t.x[i] > 130 || t.y[i] < 30 || t.y[i] > 130) continue;
      let nb = 0,
        mixed = false;
      for (let j = 0; j < n; j++) {
        const d = Math.hypot(t.x[i] - t.x[j], t.y[i] - t.y[j]);
        if (j !== i && d < 1.25 * aH) {
          nb++;
          if (t.phase[j] !== t.phase[i]) mixed = true;
        }
      }
      if (!mixed) count[t.phase[i]].set(nb, (count[t.phase[i]].get(nb) ?? 0) + 1);
    }
    const mode = (m: Map<number, number>) => [...m.entries()].sort((p, q) => q[1] - p[1])[0][0];
    assert.equal(mode(count[0]), 4, "square grains: 4 nearest neighbours");
    assert.equal(mode(count[1]), 6, "hexagonal grains: 6 nearest neighbours");
    // grain angles cover the circle (both signs, large magnitudes)
    const rot = [...new Set(t.rotation)];
    assert.ok(rot.length >= 4 && Math.max(...rot.map(Math.abs)) > 1, `grain angles ${rot.map((r) => r.toFixed(2))}`);
    assert.throws(() => stemPolycrystal({ grains: 1 }), /grains/);
    assert.throws(() => stemPolycrystal({ spacing: 2 }), /spacing must be in/);
  });

  it("spectral image: abundances sum to 1, three phases present, bad sizes rejected", () => {
    const s = stemSpectral({ height: 24, width: 24, channels: 32, seed: 1 });
    assert.equal(s.data.length, 24 * 24 * 32);
    for (let p = 0; p < 24 * 24; p++)
      assert.ok(Math.abs(s.abundances[3 * p] + s.abundances[3 * p + 1] + s.abundances[3 * p + 2] - 1) < 1e-5);
    assert.equal(new Set(s.labels).size, 3);
    assert.throws(() => stemSpectral({ channels: 2 }), /channels must be an integer >= 8/);
    assert.throws(() => stemInterface({ height: 10 }), /height must be an integer >= 32/);
  });
});
