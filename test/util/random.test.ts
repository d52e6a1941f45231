import { strict as assert } from "assert";
import { Random } from "../../src/util/random";

describe("Random", () => {
  it("gives the same sequence for the same seed and different ones for different seeds", () => {
    const a = new Random(42),
      b = new Random(42),
      c = new Random(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    const xb = Array.from({ length: 5 }, () => b.next());
    const xc = Array.from({ length: 5 }, () => c.next());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });
  it("draws normals with the right moments", () => {
    const r = new Random(1);
    let s = 0,
      s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    assert.ok(Math.abs(s / n) < 0.03);
    assert.ok(Math.abs(s2 / n - 1) < 0.05);
  });
  it("makes permutations", () => {
    const p = Array.from(new Random(3).permutation(100)).sort((x, y) => x - y);
    assert.deepEqual(
      p,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });
});
