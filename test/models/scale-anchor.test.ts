import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { loadModel, RVAE, ShiftVAE } from "../../src/index";
import { logGyrationRadius } from "../../src/models/parts/scale-anchor";
import { useBackend } from "./setup";
import { renderShapes } from "./helpers";

const logRg = (x: Float32Array, H: number, W: number): number[] =>
  tf.tidy(() => Array.from(logGyrationRadius(tf.tensor2d(x, [x.length / (H * W), H * W]), H, W).dataSync()));

/** Log radius of gyration of the images, computed here in plain JS (float64). */
function plainLogRg(x: Float32Array, H: number, W: number): number[] {
  const P = H * W,
    out: number[] = [];
  for (let b = 0; b < x.length / P; b++) {
    const img = x.subarray(b * P, (b + 1) * P);
    const lo = Math.min(...img);
    let m = 0,
      sx = 0,
      sy = 0,
      s2 = 0;
    for (let p = 0; p < P; p++) {
      const w = img[p] - lo,
        c = p % W,
        r = Math.floor(p / W);
      m += w;
      sx += w * c;
      sy += w * r;
      s2 += w * (c * c + r * r);
    }
    out.push(0.5 * Math.log(s2 / m - (sx / m) ** 2 - (sy / m) ** 2));
  }
  return out;
}

describe("models: the scale latent's size anchor (scaleAnchor: gyration)", () => {
  before(useBackend);

  it("radius of gyration: two points 2 px apart give 1 px; a background offset and a shift change nothing", () => {
    const H = 5;
    const a = new Float32Array(H * H);
    a[0] = a[2] = 1; // (row 0, col 0) and (row 0, col 2): centroid (0, 1), r_g = 1
    const b = a.map((v) => v + 0.3); // constant background
    const c = new Float32Array(H * H);
    c[3 * H + 2] = c[3 * H + 4] = 1; // the same pair shifted
    const [la, lb, lc] = logRg(Float32Array.from([...a, ...b, ...c]), H, H);
    assert.ok(Math.abs(la) < 1e-5 && Math.abs(lb) < 1e-5 && Math.abs(lc) < 1e-5, `${la} ${lb} ${lc}`);
    const d = renderShapes(6, 16, { seed: 3, sizes: [0.8, 1.2] });
    const mine = logRg(d.images.data, 16, 16),
      plain = plainLogRg(d.images.data, 16, 16);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(mine[i] - plain[i]) < 1e-4, `image ${i}`);
    // rotation changes r_g little; size changes it as the size (L shapes at 0.8 and 1.2: log 1.5 = 0.405)
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        const want = Math.log(d.size[i] / d.size[j]);
        assert.ok(Math.abs(mine[i] - mine[j] - want) < 0.08, `images ${i}, ${j}: ${mine[i] - mine[j]} vs ${want}`);
      }
  });

  it("starts its reference at the first batch's mean size; the scale is r_g / r_ref times the MLP's factor", () => {
    const H = 16;
    const d = renderShapes(40, H, { seed: 4, maxShift: 1, sizes: [0.8, 1, 1.2] });
    const m = new ShiftVAE({ imageShape: [H, H], scale: true, scaleAnchor: "gyration", encoderHidden: [8], seed: 2 });
    const w0 = m.getWeights();
    m.encode(d.images);
    const ref = m.getWeights().get("encoder.scaleAnchor.logRef")![0];
    const lr = plainLogRg(d.images.data, H, H);
    assert.ok(Math.abs(ref - lr.reduce((a, v) => a + v, 0) / lr.length) < 1e-4, `log r_ref ${ref}`);
    assert.notEqual(ref, w0.get("encoder.scaleAnchor.logRef")![0]);
    // with the MLP's scale column at 0 (head column 2 of z 2, offset 2, scale 1), s = r_g / r_ref exactly
    const w = m.getWeights();
    const W = w.get("encoder.head.W")!,
      rows = W.length / 10;
    for (let r = 0; r < rows; r++) W[r * 10 + 4] = 0;
    w.get("encoder.head.b")![4] = 0;
    m.setWeights(w);
    const s = m.encode(d.images).scale!;
    for (let i = 0; i < 40; i++) assert.ok(Math.abs(s[i] - Math.exp(lr[i] - ref)) < 1e-4, `image ${i}: ${s[i]}`);
    m.dispose();
  });

  it("is stored only when set, saves and loads its reference, and keeps a seed's other weights", async () => {
    const H = 12;
    const imgs = renderShapes(8, H, { seed: 5 }).images,
      other = renderShapes(8, H, { seed: 6, sizes: [1.3] }).images;
    const o = { imageShape: [H, H] as [number, number], scale: true, encoderHidden: [8], decoderHidden: [8, 8] };
    const plain = new RVAE(o),
      m = new RVAE({ ...o, scaleAnchor: "gyration" });
    assert.equal(plain.config.scaleAnchor, undefined);
    assert.ok(!("scaleAnchor" in plain.config));
    for (const [name, v] of plain.getWeights()) assert.deepEqual(m.getWeights().get(name), v, name);
    const e1 = m.encode(imgs).scale!;
    const l = await loadModel(m.toArtifacts());
    assert.equal(l.config.scaleAnchor, "gyration");
    l.encode(other); // a loaded model keeps its reference: another first batch must not reset it
    assert.deepEqual(Array.from(l.encode(imgs).scale!), Array.from(e1));
    assert.throws(() => new RVAE({ imageShape: [H, H], scaleAnchor: "gyration" }), /needs scale: true/);
    assert.throws(() => new RVAE({ ...o, scaleAnchor: "size" as "gyration" }), /scaleAnchor must be "gyration"/);
    for (const x of [plain, m, l]) x.dispose();
  });
});
