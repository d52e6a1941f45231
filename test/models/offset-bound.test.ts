import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cards, IvaeInputError, loadModel, RVAE } from "../../src/index";
import { useBackend } from "./setup";

/** Encoded shifts of the same cards with the encoder head's biases all set to `bias` (weights zero). */
function shifts(m: RVAE, bias: number): { dx: Float32Array; dy: Float32Array } {
  const w = m.getWeights();
  w.set("encoder.head.W", new Float32Array(w.get("encoder.head.W")!.length));
  w.set("encoder.head.b", new Float32Array(w.get("encoder.head.b")!.length).fill(bias));
  m.setWeights(w);
  const e = m.encode(cards.lecture("cards3", { n: 8, size: 24, seed: 3 }).images);
  assert.ok(e.dx && e.dy, "an rVAE with translation encodes a shift");
  return { dx: e.dx, dy: e.dy };
}

/** Largest shift between two encodings of the same images. */
function spread(a: { dx: Float32Array; dy: Float32Array }, b: { dx: Float32Array; dy: Float32Array }): number {
  let worst = 0;
  for (let i = 0; i < a.dx.length; i++) worst = Math.max(worst, Math.hypot(a.dx[i] - b.dx[i], a.dy[i] - b.dy[i]));
  return worst;
}

describe("models: the equivariant encoder's offset bound (offsetBound)", () => {
  before(useBackend);

  it("bounds the MLP's part of the shift to ±offsetBound px per axis around the centroid (default 2 px)", () => {
    const bounded = new RVAE({ imageShape: [24, 24], seed: 1 });
    assert.equal(bounded.config.offsetBound, 2);
    // extreme head biases: the MLP asks for a shift far outside the frame in opposite directions
    const d = spread(shifts(bounded, 40), shifts(bounded, -40));
    assert.ok(d <= 2 * 2 * Math.SQRT2 + 1e-3, `bounded shifts differ by ${d} px`);
    assert.ok(d > 2, `the bound should be reached, got ${d} px`);
    const free = new RVAE({ imageShape: [24, 24], seed: 1, offsetBound: 0 });
    assert.equal(free.config.offsetBound, undefined, "0 = unbounded is not stored (as models saved before)");
    assert.ok(spread(shifts(free, 40), shifts(free, -40)) > 50, "unbounded, the MLP moves the shift anywhere");
    bounded.dispose();
    free.dispose();
  });

  it("is saved with the model, and refuses bad values and models it does not apply to", async () => {
    const m = new RVAE({ imageShape: [16, 16], seed: 2, offsetBound: 1.5 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-ob-"));
    await m.save(dir);
    const l = await loadModel(dir);
    assert.equal(l.config.offsetBound, 1.5);
    l.dispose();
    m.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.throws(() => new RVAE({ imageShape: [16, 16], offsetBound: -1 }), IvaeInputError);
    assert.throws(() => new RVAE({ imageShape: [16, 16], offsetBound: NaN }), /offsetBound/);
    assert.throws(() => new RVAE({ imageShape: [16, 16], poseEncoder: "mlp", offsetBound: 2 }), /equivariant pose/);
    assert.equal(new RVAE({ imageShape: [16, 16], poseEncoder: "mlp" }).config.offsetBound, undefined);
  });
});
