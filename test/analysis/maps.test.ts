import { strict as assert } from "assert";
import {
  colorizeMap,
  labelImage,
  mapPoints,
  rasterizeMap,
  valueDensity2d,
  valueHistogram,
} from "../../src/analysis/maps";

describe("analysis: maps over the image", () => {
  const sites = { x: [5, 15, 5], y: [5, 5, 5], frame: [0, 0, 1] };
  it("draws each site's value around its position in its own frame (nearest site wins)", () => {
    const m = rasterizeMap(sites, [1, 2, 3], { height: 12, width: 20, radius: 4 });
    assert.equal(m.data[5 * 20 + 5], 1);
    assert.equal(m.data[5 * 20 + 15], 2);
    assert.equal(m.mask[0], 0, "far from every site the map is undefined");
    assert.equal(rasterizeMap(sites, [1, 2, 3], { height: 12, width: 20, radius: 4, frame: 1 }).data[5 * 20 + 5], 3);
    const lab = labelImage(sites, [0, 1, 1], { height: 12, width: 20, radius: 6 });
    assert.equal(lab[5 * 20 + 9], 0);
    assert.equal(lab[5 * 20 + 11], 1);
    assert.equal(lab[0], -1);
    assert.equal(mapPoints(sites, [1, 2, 3], { frame: 0 }).length, 2);
    assert.throws(() => rasterizeMap(sites, [1], { height: 12, width: 20 }), /1 values for 3 sites/);
  });
  it("histograms and 2-D densities count every value once", () => {
    const h = valueHistogram([0, 0.5, 1, 1, 2], 4);
    assert.deepEqual(Array.from(h.counts), [1, 1, 2, 1]);
    const d = valueDensity2d([0, 1, 1], [0, 1, 1], { bins: 2 });
    assert.deepEqual(Array.from(d.counts), [1, 0, 0, 2]);
  });
  it("colours labels distinctly and blends over the image", () => {
    const rgb = colorizeMap({ data: [0, 1, -1] }, { colormap: "labels" });
    assert.notDeepEqual(Array.from(rgb.subarray(0, 3)), Array.from(rgb.subarray(3, 6)));
    assert.deepEqual(Array.from(rgb.subarray(6, 9)), [0, 0, 0]);
  });
});
