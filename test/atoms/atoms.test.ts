import { strict as assert } from "assert";
import { stemInterface } from "../../src/data/stem";
import {
  extractPatches,
  findAtomsLoG,
  findLocalMaxima,
  refinePositions,
  nearestColumn,
  scoreAtoms,
  slidingWindows,
} from "../../src/atoms";

function gaussImage(H: number, W: number, pts: [number, number][], sigma = 2): Float32Array {
  const img = new Float32Array(H * W);
  for (const [x, y] of pts)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) img[r * W + c] += Math.exp(-((c - x) ** 2 + (r - y) ** 2) / (2 * sigma * sigma));
  return img;
}

describe("atoms: finding, refinement, scoring", () => {
  it("finds isolated Gaussians and refines them to < 0.05 px", () => {
    const pts: [number, number][] = [
      [10.3, 12.7],
      [30.6, 11.2],
      [20.1, 30.9],
      [45.45, 40.5],
    ];
    const img = { data: gaussImage(56, 56, pts), height: 56, width: 56 };
    for (const found of [findLocalMaxima(img, { minDistance: 6, smooth: 0 }), findAtomsLoG(img, { minDistance: 6 })]) {
      assert.equal(found.x.length, 4);
      const ref = refinePositions(img, found, { smooth: 0 });
      const sc = scoreAtoms(ref, { x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) }, { tolerance: 2 });
      assert.equal(sc.recall, 1);
      assert.ok(sc.meanError < 0.05, `mean error ${sc.meanError}`);
    }
    const q = refinePositions(img, findLocalMaxima(img, { minDistance: 6, smooth: 0 }), {
      method: "quadratic",
      smooth: 0,
    });
    assert.ok(scoreAtoms(q, { x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) }, { tolerance: 2 }).meanError < 0.02);
  });
  it("LoG reports the blob scale", () => {
    const img = { data: gaussImage(40, 40, [[20, 20]], 3), height: 40, width: 40 };
    const f = findAtomsLoG(img, { minSigma: 1, maxSigma: 5, numSigma: 9 });
    assert.equal(f.x.length, 1);
    assert.ok(Math.abs(f.sigma![0] - 3) <= 0.5, `sigma ${f.sigma![0]}`);
  });
  it("on the noisy synthetic interface: precision and recall >= 0.95, position error < 0.35 px", () => {
    const s = stemInterface({ height: 192, width: 192, seed: 11 });
    const region = { x0: 3, y0: 3, x1: 189, y1: 189 };
    for (const f of [
      findLocalMaxima(s.image, { minDistance: s.minSpacing }),
      findAtomsLoG(s.image, { minDistance: s.minSpacing }),
    ]) {
      const sc = scoreAtoms(refinePositions(s.image, f), s.truth, { tolerance: s.minSpacing / 2, region });
      assert.ok(sc.precision >= 0.95 && sc.recall >= 0.95, `precision ${sc.precision}, recall ${sc.recall}`);
      assert.ok(sc.meanError < 0.35, `mean error ${sc.meanError}`);
    }
  });
  it("scoring counts false positives/negatives and matches one-to-one within a frame", () => {
    const sc = scoreAtoms(
      { x: [0, 0.2, 10, 50], y: [0, 0, 10, 50], frame: [0, 0, 0, 1] },
      { x: [0, 10, 50], y: [0, 10, 50], frame: [0, 0, 0] },
      { tolerance: 1 },
    );
    assert.equal(sc.truePositives, 2);
    assert.equal(sc.falsePositives, 2);
    assert.equal(sc.falseNegatives, 1);
    assert.deepEqual(Array.from(sc.match), [0, -1, 1, -1]);
  });

  it("nearestColumn picks the closest true atom of the same frame, and says when a frame has none", () => {
    const truth = { x: [0, 10, 50, 9], y: [0, 10, 50, 9], frame: [0, 0, 0, 1] };
    assert.equal(nearestColumn(truth, 8, 8), 1);
    assert.equal(nearestColumn(truth, 8, 8, 1), 3);
    assert.equal(nearestColumn({ x: [0, 10], y: [0, 10] }, 6, 6), 1);
    assert.throws(() => nearestColumn(truth, 8, 8, 2), /no atoms in frame 2/);
  });
  it("finds the atoms of a 512x512 interface image", () => {
    // speed is reported by the benchmark; a test only checks what it produces
    const s = stemInterface({ height: 512, width: 512, seed: 1 });
    const found = findLocalMaxima(s.image, { minDistance: s.minSpacing });
    assert.ok(found.x.length > 0.9 * s.truth.x.length, `found ${found.x.length} of ${s.truth.x.length}`);
  });
});

describe("atoms: patches", () => {
  const W = 40,
    H = 30;
  const img = {
    data: Float32Array.from({ length: H * W }, (_, i) => (i % W) + 100 * Math.floor(i / W)),
    n: 1,
    height: H,
    width: W,
  };
  it("centres the atom in the patch (bilinear, sub-pixel) and keeps provenance", () => {
    const p = extractPatches(img, { x: [20.5, 1], y: [10.25, 3], frame: [0, 0] }, { size: 4 });
    assert.equal(p.images.n, 1, "the atom at the edge is dropped");
    assert.equal(p.source[0], 0);
    // pixel (i, j) samples row 10.25 − 1.5 + i, column 20.5 − 1.5 + j; the image is linear so bilinear is exact
    assert.ok(Math.abs(p.images.data[0] - (19 + 100 * 8.75)) < 1e-3);
    assert.ok(Math.abs(p.images.data[15] - (22 + 100 * 11.75)) < 1e-3);
  });
  it("pads or reflects at the edge when asked", () => {
    const pad = extractPatches(
      img,
      { x: [0], y: [0] },
      { size: 4, edge: "pad", padValue: -1, interpolation: "nearest" },
    );
    assert.equal(pad.images.n, 1);
    assert.equal(pad.images.data[0], -1);
    assert.equal(pad.images.data[2 * 4 + 2], 101);
    const refl = extractPatches(img, { x: [0], y: [0] }, { size: 4, edge: "reflect", interpolation: "nearest" });
    assert.equal(refl.images.data[0], 101, "row −1, column −1 mirrors to row 1, column 1");
  });
  it("sliding windows cover the frames on a grid with centres as provenance", () => {
    const two = { data: new Float32Array(2 * H * W).map((_, i) => i), n: 2, height: H, width: W };
    const w = slidingWindows(two, { size: 10, stride: 10 });
    assert.equal(w.images.n, 2 * 3 * 4);
    assert.equal(w.x[1], 14.5);
    assert.equal(w.frame[12], 1);
    assert.equal(w.images.data[12 * 100], H * W);
    assert.throws(() => slidingWindows(two, { size: 50 }), /exceeds the image/);
  });
});
