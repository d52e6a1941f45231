import { strict as assert } from "assert";
import "../../src/native";
import { stemInterface } from "../../src/data/stem";
import { extractPatches, findAtomsLoG, refinePositions, scoreAtoms } from "../../src/atoms";
import { baselineClasses } from "../../src/analysis/baselines";
import { labelImage, rasterizeMap } from "../../src/analysis/maps";
import {
  clusterFeatures,
  clusterLabels,
  latticeRotation,
  meanSd,
  nameClustersByMajority,
  rvaePatchClasses,
  unitPatches,
} from "../../src/analysis/microscopy";
import { useBackend } from "../models/setup";

describe("microscopy pipeline (atoms → patches → rVAE → maps, classes)", function () {
  this.timeout(120000);
  // the default backend, whatever an earlier test file left selected (the native tests switch to cpu)
  before(useBackend);

  it("polycrystalline NiO: grains rotated as asked, ground truth exact, no overlapping columns", () => {
    const s = stemInterface({ height: 160, width: 160, seed: 3, grains: 4, grainRotationDeg: 40, noise: false });
    const nio = Array.from(s.truth.phase, (p, i) => (p === 0 ? i : -1)).filter((i) => i >= 0);
    const deg = nio.map((i) => (s.truth.rotation[i] * 180) / Math.PI);
    // each grain's angle (plus a misfit field of at most ~4°) lies within ±(40 + 5)°, and there are several grains
    assert.ok(
      deg.every((d) => Math.abs(d) <= 45),
      `NiO rotations out of range: ${Math.min(...deg)}..${Math.max(...deg)}`,
    );
    const distinct = new Set(deg.map((d) => Math.round(d / 8)));
    assert.ok(distinct.size >= 3, `expected several grain orientations, got bins ${[...distinct]}`);
    const aN = 4.177 / 2 / 0.2;
    for (let a = 0; a < s.truth.x.length; a++)
      for (let b = a + 1; b < s.truth.x.length; b++) {
        const d = Math.hypot(s.truth.x[a] - s.truth.x[b], s.truth.y[a] - s.truth.y[b]);
        assert.ok(d > 0.7 * aN, `columns ${a}, ${b} only ${d.toFixed(2)} px apart`);
      }
    // the default stays the single crystal
    const one = stemInterface({ height: 96, width: 96, seed: 3 }),
      same = stemInterface({ height: 96, width: 96, seed: 3, grains: 1 });
    assert.deepEqual(Array.from(one.image.data.subarray(0, 500)), Array.from(same.image.data.subarray(0, 500)));
  });

  it("majority naming, circular pose features, mean ± sd", () => {
    const named = nameClustersByMajority([0, 0, 0, 1, 1, 2], [5, 5, 6, 7, 7, 5]);
    assert.deepEqual(Array.from(named.named), [5, 5, 5, 7, 7, 5]);
    assert.ok(Math.abs(named.accuracy - 5 / 6) < 1e-12);
    const enc = {
      n: 4,
      latentDim: 1,
      zMean: Float32Array.of(0, 1, 2, 3),
      zLogVar: new Float32Array(4),
      angle: Float32Array.of(Math.PI - 0.01, -Math.PI + 0.01, 0, 0),
      dx: Float32Array.of(0, 0, 1, -1),
      dy: new Float32Array(4),
    };
    const f = clusterFeatures(enc, "z+pose");
    assert.equal(f.dim, 5);
    // ±179.4° are neighbours in (cos, sin): same cos, nearly the same sin; far from 0°
    assert.ok(Math.abs(f.data[0 * 5 + 1] - f.data[1 * 5 + 1]) < 1e-5);
    assert.ok(Math.abs(f.data[0 * 5 + 2] - f.data[1 * 5 + 2]) < 0.05);
    assert.ok(Math.abs(f.data[0 * 5 + 1] - f.data[2 * 5 + 1]) > 1.9);
    assert.deepEqual(Array.from(f.data.subarray(15, 20)), [3, 1, 0, -1, 0]);
    assert.equal(clusterFeatures(enc, "z").dim, 1);
    // offsets alone / with z: the displacement whatever frame the pose encoder picked
    assert.deepEqual(Array.from(clusterFeatures(enc, "offsets").data), [0, 0, 0, 0, 1, 0, -1, 0]);
    assert.deepEqual(Array.from(clusterFeatures(enc, "z+offsets").data.subarray(9, 12)), [3, -1, 0]);
    // folded angle: the 4 equivalent frames of a square lattice give the same features
    const frames = { ...enc, angle: Float32Array.of(0.1, 0.1 + Math.PI / 2, 0.1 - Math.PI, 0.1 + 1.5 * Math.PI) };
    const ff = clusterFeatures(frames, "pose", { angleFold: 4 });
    assert.equal(ff.dim, 4);
    for (let i = 1; i < 4; i++)
      for (const c of [0, 1]) assert.ok(Math.abs(ff.data[i * 4 + c] - ff.data[c]) < 1e-5, `frame ${i} feature ${c}`);
    assert.throws(() => clusterFeatures({ ...enc, dx: undefined, dy: undefined }, "offsets"), /need offsets/);
    assert.throws(() => clusterFeatures(enc, "angle" as never), /features must be one of/);
    assert.throws(() => clusterFeatures(enc, "pose", { angleFold: 0 }), /angleFold/);
    // one clustering rule (k-means or GMM from k-means) for every k asked of the same features
    const blobs = { data: Float32Array.of(0, 0, 0.1, 0, 0, 0.1, 5, 5, 5.1, 5, 5, 5.1), dim: 2 };
    for (const cluster of ["kmeans", "gmm"] as const) {
      const l = clusterLabels(blobs, 2, { cluster, seed: 1 });
      assert.ok(
        l[0] === l[1] && l[1] === l[2] && l[3] === l[4] && l[4] === l[5] && l[0] !== l[3],
        `${cluster}: ${Array.from(l)}`,
      );
    }
    // lattice rotation: each class measured from its own (circular, folded) mean frame
    const d = Math.PI / 180;
    const rot = latticeRotation([44 * d, -44 * d, 40 * d, -10 * d, -14 * d + Math.PI / 2], [0, 0, 0, 1, 1], 4);
    assert.deepEqual(
      Array.from(rot, (r) => Math.round(r / d)),
      [1, 3, -3, 2, -2],
    ); // class 0 frame 43.3°, class 1 −12°; −44° is +46°, 76° is −14°
    assert.throws(() => latticeRotation([0, 1], [0], 4), /got 2 angles for 1 labels/);
    const m = meanSd([1, 2, 3]);
    assert.equal(m.mean, 2);
    assert.ok(Math.abs(m.sd - 1) < 1e-12);
  });

  it("end to end on a small polycrystalline interface: maps with provenance, rVAE classes carry phase", async () => {
    const s = stemInterface({ height: 160, width: 160, seed: 11, grains: 4 });
    const found = refinePositions(s.image, findAtomsLoG(s.image, { minDistance: s.minSpacing }));
    const sc = scoreAtoms(found, s.truth, { tolerance: s.minSpacing / 2, region: { x0: 3, y0: 3, x1: 157, y1: 157 } });
    assert.ok(sc.precision >= 0.95 && sc.recall >= 0.9, `atoms P ${sc.precision} R ${sc.recall}`);
    const p = extractPatches(s.image, found, { size: 24 });
    // provenance: each patch is centred on the atom it names
    for (let i = 0; i < p.images.n; i++) {
      assert.equal(p.x[i], found.x[p.source[i]]);
      assert.equal(p.y[i], found.y[p.source[i]]);
    }
    const imgs = unitPatches(p.images);
    const phase = Int32Array.from(p.source, (k) => (sc.match[k] >= 0 ? s.truth.phase[sc.match[k]] : -1));
    const ok = Array.from(phase, (v, i) => (v >= 0 ? i : -1)).filter((i) => i >= 0);
    const r = await rvaePatchClasses(imgs, { k: 3, epochs: 80, seed: 1 });
    try {
      const e = r.encoding;
      assert.equal(e.n, imgs.n);
      assert.equal(e.angle!.length, e.n);
      assert.equal(e.dx!.length, e.n);
      assert.equal(e.dy!.length, e.n);
      // maps over the image: one value per patch drawn at its atom
      const ang = rasterizeMap(p, e.angle!, { height: 160, width: 160, radius: 4 });
      for (let i = 0; i < p.images.n; i++) {
        const px = Math.round(p.y[i]) * 160 + Math.round(p.x[i]);
        assert.equal(ang.mask[px], 1);
        assert.ok(Math.abs(ang.data[px] - e.angle![i]) < 1e-6);
      }
      const lab = labelImage(p, r.labels, { height: 160, width: 160, radius: 4 });
      assert.equal(lab.length, 160 * 160);
      // phases: clusters named by majority; must recover NiO vs LSMO on this rotated-grain image
      const pr = ok.map((i) => r.labels[i]),
        tr = ok.map((i) => phase[i]);
      const acc = nameClustersByMajority(pr, tr).accuracy;
      const base = baselineClasses(imgs, { k: 3, method: "pca-kmeans", seed: 1 });
      const accPca = nameClustersByMajority(
        ok.map((i) => base.labels[i]),
        tr,
      ).accuracy;
      console.log(
        `      rVAE phase acc ${acc.toFixed(3)}, PCA+k-means ${accPca.toFixed(3)}, KL_γ ${r.final.klAngle.toFixed(2)}`,
      );
      // honest bar: the classes must carry the phase well beyond the majority-phase guess. (They do not beat
      // PCA + k-means here, which is ~0.99 on this image: see docs/MICROSCOPY.md. The case where rotation
      // invariance matters, square vs hexagonal grains, needs ~200 epochs and is scored by npm run microscopy.)
      const lsmo = tr.reduce((a, b) => a + b, 0) / tr.length,
        chance = Math.max(lsmo, 1 - lsmo);
      assert.ok(
        acc >= chance + 0.15,
        `rVAE phase accuracy ${acc.toFixed(3)} vs majority guess ${chance.toFixed(3)} ` +
          `(PCA+k-means ${accPca.toFixed(3)})`,
      );
    } finally {
      r.model.dispose();
    }
  });
});
