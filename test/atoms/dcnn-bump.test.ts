import { strict as assert } from "assert";
import { selectBackend } from "../../src/backend";
import { stemBasisLattice, stemPolycrystal } from "../../src/data/stem";
import { findAtomsDCNN, scoreAtoms } from "../../src/atoms";
import { blobResponse } from "../../src/atoms/filters";

/** Recall and precision against the truth, 3 px border excluded, tolerance minSpacing/2. */
type Points = { x: ArrayLike<number>; y: ArrayLike<number> };
function score(s: { image: { height: number; width: number }; truth: Points; minSpacing: number }, f: Points) {
  const { height: H, width: W } = s.image;
  return scoreAtoms(f, s.truth, { tolerance: s.minSpacing / 2, region: { x0: 3, y0: 3, x1: W - 3, y1: H - 3 } });
}

describe("atoms: DCNN finds must sit on a bump of the image (issue 14, square/hexagonal polycrystal)", () => {
  before(async () => {
    await selectBackend({ verbose: false });
  });

  it("drops the phantom columns the net draws at empty square-cell centres, keeping every column", () => {
    // a generator seed used neither in training (>= 100000) nor in the held-out table (1-3)
    const s = stemPolycrystal({ seed: 12 });
    const plain = score(s, findAtomsDCNN(s.image, { bump: false }));
    assert.ok(plain.precision < 0.95, `without the check the net's phantoms should show: ${plain.precision}`);
    const sc = score(s, findAtomsDCNN(s.image));
    assert.ok(sc.recall >= 0.98 && sc.precision >= 0.98, `recall ${sc.recall}, precision ${sc.precision}`);
  });

  it("keeps dim centre columns (ratio 0.15), which are bumps, not bowls", () => {
    const s = stemBasisLattice({ structure: "centred", spacing: 16, ratio: 0.15, sigma: 2, rotation: 0.3, seed: 12 });
    const dim = Array.from(s.truth.species.keys()).filter((i) => s.truth.species[i] === 1);
    const t = { x: Float32Array.from(dim, (i) => s.truth.x[i]), y: Float32Array.from(dim, (i) => s.truth.y[i]) };
    const region = { x0: 3, y0: 3, x1: 253, y1: 253 };
    const recall = (f: Points) => scoreAtoms(f, t, { tolerance: s.minSpacing / 2, region }).recall;
    const plain = recall(findAtomsDCNN(s.image, { bump: false })),
      checked = recall(findAtomsDCNN(s.image));
    assert.ok(checked >= plain - 0.02, `dim centres: ${checked} with the check, ${plain} without`);
  });

  it("the blob response is positive on a Gaussian column and negative between four of them", () => {
    const H = 40,
      W = 40,
      img = new Float32Array(H * W);
    const cols = [
      [10, 10],
      [30, 10],
      [10, 30],
      [30, 30],
    ];
    for (const [cx, cy] of cols)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) img[y * W + x] += Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 8);
    const r = blobResponse(img, H, W, 2);
    assert.ok(r[10 * W + 10] > 0, "on a column");
    assert.ok(r[20 * W + 20] < 0, "at the empty centre");
  });
});
