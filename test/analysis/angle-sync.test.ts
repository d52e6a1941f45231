import { strict as assert } from "assert";
import { IvaeInputError } from "../../src/index";
import { synchroniseAngles } from "../../src/analysis/angle-sync";
import { wrapAngle } from "../../src/analysis/metrics";
import { renderShapes } from "../models/helpers";

/** Resultant length and circular mean of the offsets a − t (1: one common offset). */
function offsets(a: ArrayLike<number>, t: ArrayLike<number>) {
  let c = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    c += Math.cos(a[i] - t[i]);
    s += Math.sin(a[i] - t[i]);
  }
  return { r1: Math.hypot(c, s) / a.length, mean: Math.atan2(s, c) };
}

describe("analysis: angular synchronisation (synchroniseAngles)", () => {
  it("recovers each image's rotation up to one constant on L glyphs turned over the whole circle", () => {
    const { images, angle } = renderShapes(80, 24, { maxAngle: Math.PI, maxShift: 1, seed: 3 });
    const s = synchroniseAngles(images, { neighbours: 6, candidates: 20 });
    assert.equal(s.angle.length, 80);
    const o = offsets(s.angle, angle);
    assert.ok(o.r1 > 0.99, `offsets spread: resultant length ${o.r1}`);
    // no image off by more than 15° from the common offset: no half-turn, no mirror
    for (let i = 0; i < 80; i++) {
      const d = Math.abs(wrapAngle(s.angle[i] - angle[i] - o.mean));
      assert.ok(d < (15 * Math.PI) / 180, `image ${i}: ${((d * 180) / Math.PI).toFixed(1)}° from the common offset`);
    }
    assert.ok(s.consistency > 0.95, `consistency ${s.consistency}`);
    // circular mean 0 by construction
    const m = offsets(s.angle, new Float32Array(80)).mean;
    assert.ok(Math.abs(m) < 1e-6, `circular mean ${m}`);
    assert.equal(s.neighbours.length, 80 * 6);
    assert.equal(s.weight.length, 80 * 6);
    assert.ok(s.weight.every((w) => w >= 0) && s.weight.some((w) => w > 0), "pair weights: margins, none negative");
    for (let i = 0; i < 80 * 6; i++)
      assert.notEqual(s.neighbours[i], Math.floor(i / 6), "an image is not its own neighbour");
    // each measured pairwise rotation is the difference of the applied angles
    for (let q = 0; q < 80 * 6; q++) {
      const i = Math.floor(q / 6),
        j = s.neighbours[q];
      const d = Math.abs(wrapAngle(s.rotation[q] - (angle[i] - angle[j])));
      assert.ok(
        d < (10 * Math.PI) / 180,
        `pair ${i}, ${j}: measured rotation off by ${((d * 180) / Math.PI).toFixed(1)}°`,
      );
    }
  });

  it("is deterministic", () => {
    const a = renderShapes(40, 20, { maxAngle: Math.PI, seed: 5 });
    const s1 = synchroniseAngles(a.images, { neighbours: 5, candidates: 15 });
    const s2 = synchroniseAngles(a.images, { neighbours: 5, candidates: 15 });
    assert.deepEqual(Array.from(s1.angle), Array.from(s2.angle));
  });

  it("refuses what it cannot synchronise, saying what was expected", () => {
    const { images } = renderShapes(5, 12, { seed: 1 });
    assert.throws(() => synchroniseAngles(images, { neighbours: 5 }), IvaeInputError);
    assert.throws(() => synchroniseAngles(images, { neighbours: 0 }), /neighbours/);
    const bad = { ...images, data: images.data.slice() };
    bad.data[30] = NaN;
    assert.throws(() => synchroniseAngles(bad, { neighbours: 2 }), /non-finite pixel/);
    assert.throws(
      () => synchroniseAngles({ ...images, n: 1, data: images.data.slice(0, 144) }, { neighbours: 1 }),
      /at least 2/,
    );
  });
});
