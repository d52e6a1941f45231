import { strict as assert } from "assert";
import {
  axisCalibration,
  describeCalibration,
  imageOverlay,
  labelledImage,
  mapOverlays,
  offsetsPhysical,
} from "../../src/plots";
import { poseMaps } from "../../src/analysis";
import { IvaeInputError } from "../../src/util/errors";

const image = { data: new Float32Array(20 * 30).map((_, i) => i % 7), height: 20, width: 30 };
const x = Float32Array.from([2, 10.5, 29]);
const y = Float32Array.from([0, 7.25, 19]);

describe("plots: maps in physical units", () => {
  it("axisCalibration: lengths become nm per px, no pixel size stays px, other units are refused", () => {
    assert.deepEqual(axisCalibration(undefined), { factor: 1, unit: "px" });
    assert.deepEqual(axisCalibration({ value: 1, unit: "px" }), { factor: 1, unit: "px" });
    assert.deepEqual(axisCalibration({ value: 0.02, unit: "nm" }), { factor: 0.02, unit: "nm" });
    assert.ok(Math.abs(axisCalibration({ value: 15, unit: "pm" }).factor - 0.015) < 1e-12);
    assert.ok(Math.abs(axisCalibration({ value: 0.2, unit: "Å" }).factor - 0.02) < 1e-12);
    assert.throws(() => axisCalibration({ value: 0.5, unit: "1/nm" }), IvaeInputError);
    assert.throws(() => axisCalibration({ value: 0, unit: "nm" }), IvaeInputError);
    assert.equal(describeCalibration({ value: 0.0125, unit: "nm" }), "0.0125 nm/px");
    assert.equal(describeCalibration(null), "uncalibrated (px)");
  });

  it("imageOverlay: a calibrated image has nm axes spanning the pixel edges, and its points in nm", () => {
    const cal = imageOverlay(image, x, y, { pixelSize: { value: 0.02, unit: "nm" } });
    const [bg, pts] = cal.layer;
    assert.equal(bg.encoding.x.title, "x (nm)");
    assert.equal(bg.encoding.y.title, "y (nm)");
    assert.deepEqual(
      bg.encoding.x.scale.domain.map((v: number) => +v.toFixed(6)),
      [-0.01, 0.59],
    );
    assert.deepEqual(
      bg.encoding.y.scale.domain.map((v: number) => +v.toFixed(6)),
      [-0.01, 0.39],
    );
    assert.deepEqual(
      pts.data.values.map((r: { x: number }) => r.x),
      [0.04, 0.21, 0.58],
    );
    assert.deepEqual(
      pts.data.values.map((r: { y: number }) => r.y),
      [0, 0.145, 0.38],
    );
    // the caller's px positions are untouched
    assert.deepEqual(Array.from(x), [2, 10.5, 29]);
  });

  it("uncalibrated images keep px axes; the calibration reaches every panel of mapOverlays and labelledImage", () => {
    const px = imageOverlay(image, x, y);
    assert.equal(px.layer[0].encoding.x.title, "x (px)");
    assert.deepEqual(px.layer[0].encoding.x.scale.domain, [-0.5, 29.5]);
    assert.deepEqual(
      px.layer[1].data.values.map((r: { x: number }) => r.x),
      [2, 10.5, 29],
    );
    const panels = { a: [1, 2, 3], b: { values: [3, 2, 1], domainMid: 0 } };
    const maps = mapOverlays(image, x, y, panels, { pixelSize: { value: 10, unit: "pm" } });
    for (const p of maps.concat) {
      assert.equal(p.layer[0].encoding.y.title, "y (nm)");
      assert.deepEqual(
        p.layer[1].data.values.map((r: { x: number }) => +r.x.toFixed(6)),
        [0.02, 0.105, 0.29],
      );
    }
    const lab = labelledImage(image, x, y, [0, 1, 0], { pixelSize: { value: 0.01, unit: "nm" } });
    assert.equal(lab.layer[0].encoding.x.title, "x (nm)");
  });

  it("offsets: px to pm through the pixel size (and the patch resampling), px when uncalibrated", () => {
    const pm = offsetsPhysical([0.5, -1], { value: 0.02, unit: "nm" });
    assert.equal(pm.unit, "pm");
    assert.deepEqual(
      Array.from(pm.values, (v) => +v.toFixed(4)),
      [10, -20],
    );
    const scaled = offsetsPhysical([0.5], { value: 0.02, unit: "nm" }, 2);
    assert.ok(Math.abs(scaled.values[0] - 20) < 1e-4);
    assert.deepEqual(offsetsPhysical([0.5], undefined), { values: Float32Array.from([0.5]), unit: "px" });
    assert.throws(() => offsetsPhysical([1], undefined, 0), IvaeInputError);
  });

  it("poseMaps: angle in degrees (folded), offsets in pm, one panel per latent", () => {
    const enc = {
      n: 2,
      latentDim: 2,
      zMean: Float32Array.from([1, 2, 3, 4]),
      zLogVar: new Float32Array(4),
      angle: Float32Array.from([Math.PI / 2 + 0.1, -0.1]),
      dx: Float32Array.from([0.5, 0]),
      dy: Float32Array.from([0, -0.25]),
    };
    const m = poseMaps(enc, { pixelSize: { value: 0.04, unit: "nm" }, angleFold: 4 });
    assert.deepEqual(Object.keys(m), ["angle (°)", "x offset (pm)", "y offset (pm)", "latent 1", "latent 2"]);
    assert.deepEqual(
      Array.from(m["angle (°)"].values, (v) => +v.toFixed(3)),
      [5.73, -5.73],
    );
    assert.deepEqual(
      Array.from(m["x offset (pm)"].values, (v) => +v.toFixed(3)),
      [20, 0],
    );
    assert.deepEqual(
      Array.from(m["y offset (pm)"].values, (v) => +v.toFixed(3)),
      [0, -10],
    );
    assert.deepEqual(Array.from(m["latent 2"].values), [2, 4]);
    assert.ok("x offset (px)" in poseMaps(enc));
  });
});
