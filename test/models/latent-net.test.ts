import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IvaeInputError, loadModel, RVAE, VAE } from "../../src/index";
import { decoderFromArtifacts } from "../../src/jupyter/decoder";
import { useBackend } from "./setup";
import { maxAbsDiff } from "./helpers";

const H = 12;

describe("models: the z network of the coordinate decoder (latentHidden)", () => {
  before(useBackend);

  it("is stored only when set, and refused where it has no meaning", () => {
    const plain = new RVAE({ imageShape: [H, H], seed: 1 });
    assert.ok(!("latentHidden" in plain.config) && !("latentGain" in plain.config), "absent when not set");
    const net = new RVAE({ imageShape: [H, H], seed: 1, latentHidden: [8] });
    assert.deepEqual(net.config.latentHidden, [8]);
    assert.ok(!("latentGain" in net.config), "gain 1 is not stored");
    const gained = new RVAE({ imageShape: [H, H], seed: 1, latentHidden: [8, 4], latentGain: 3 });
    assert.equal(gained.config.latentGain, 3);
    assert.deepEqual(gained.params.get("decoder.z.1.W").shape, [8, 4]);
    assert.deepEqual(gained.params.get("decoder.0.Wz").shape, [4, 64]);
    const bad: [string, () => unknown][] = [
      ["skip", () => new RVAE({ imageShape: [H, H], latentHidden: [8], skip: true })],
      ["plain VAE", () => new VAE({ imageShape: [H, H], latentHidden: [8] } as never)],
      ["gain without layers", () => new RVAE({ imageShape: [H, H], latentGain: 2 })],
      ["zero width", () => new RVAE({ imageShape: [H, H], latentHidden: [0] })],
      ["negative gain", () => new RVAE({ imageShape: [H, H], latentHidden: [4], latentGain: -1 })],
    ];
    for (const [name, make] of bad) assert.throws(make, IvaeInputError, name);
    for (const m of [plain, net, gained]) m.dispose();
  });

  it("leaves every other initial weight as without it", () => {
    const a = new RVAE({ imageShape: [H, H], seed: 4 });
    const b = new RVAE({ imageShape: [H, H], seed: 4, latentHidden: [6] });
    const wa = a.getWeights(),
      wb = b.getWeights();
    for (const [name, v] of wa) {
      if (name === "decoder.0.Wz") continue; // it reads the network's 6 units instead of z's 2
      assert.equal(maxAbsDiff(v, wb.get(name)!), 0, `${name} differs`);
    }
    a.dispose();
    b.dispose();
  });

  it("draws through tanh layers on z: flat where they saturate, another drawing across their border", () => {
    const m = new RVAE({ imageShape: [H, H], seed: 2, latentHidden: [4] });
    const w = m.getWeights();
    // unit 0 reads z1 and unit 1 reads z2, both at gain 40; units 2 and 3 read nothing
    w.set("decoder.z.0.W", Float32Array.from([40, 0, 0, 0, 0, 40, 0, 0]));
    m.setWeights(w);
    const dec = (z: number[]) => m.decode(Float32Array.from(z), { angle: 0 }).data;
    const near = maxAbsDiff(dec([0.5, 0.6]), dec([1.4, 0.9]));
    const across = maxAbsDiff(dec([0.5, 0.6]), dec([-0.5, 0.6]));
    assert.ok(near < 1e-5, `same saturated region: drawings differ by ${near}`);
    assert.ok(across > 1e-2, `across the border at z1 = 0: drawings differ by only ${across}`);
    m.dispose();
  });

  it("saves and loads with its z network", async () => {
    const m = new RVAE({ imageShape: [H, H], seed: 3, latentHidden: [5], latentGain: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-latent-net-"));
    try {
      await m.save(dir);
      const back = await loadModel(dir);
      assert.deepEqual(back.config.latentHidden, [5]);
      const z = Float32Array.from([0.3, -0.7, -1.2, 0.4]);
      const d = maxAbsDiff(m.decode(z, { angle: 0 }).data, back.decode(z, { angle: 0 }).data);
      assert.equal(d, 0, `loaded model decodes differently by ${d}`);
      // the browser Traversal's decoder has no z network: refused, not drawn without it
      assert.throws(() => decoderFromArtifacts(m.toArtifacts()), /latentHidden/);
      back.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      m.dispose();
    }
  });
});
