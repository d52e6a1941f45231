import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../../src/index";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { learnUprightPose } from "../../src/analysis/upright-pose";
import { loadUprightPose, saveUprightPose } from "../../src/analysis/upright-pose-io";
import { wrapAngle } from "../../src/analysis/metrics";
import { renderShapes } from "../models/helpers";
import { useBackend } from "../models/setup";

const DEG = Math.PI / 180;
const SMALL = { hidden: [64], epochs: 8, folds: 2, turns: 4, progress: false as const };

/** Median absolute error in degrees of angles a against t. */
function medianError(a: ArrayLike<number>, t: ArrayLike<number>): number {
  const e = Array.from(a, (v, i) => Math.abs(wrapAngle(v - t[i])) / DEG).sort((x, y) => x - y);
  return e[Math.floor(e.length / 2)];
}

describe("analysis: poses learned by rotation prediction (learnUprightPose)", function () {
  this.timeout(120000);
  before(useBackend);

  it("finds each L glyph's turn from upright when the turns are spread within ±120°, seen and unseen", () => {
    const before = tf.memory().numTensors;
    const { images, angle } = renderShapes(240, 16, { maxAngle: (2 * Math.PI) / 3, seed: 4 });
    const pose = learnUprightPose(images, { ...SMALL, seed: 1 });
    // absolute angles (not up to a constant): the glyph's usual pose is upright
    const own = medianError(pose.angle, angle);
    assert.ok(own < 15, `training glyphs (cross-fitted): median error ${own.toFixed(1)}°`);
    const unseen = renderShapes(120, 16, { maxAngle: (2 * Math.PI) / 3, seed: 9 });
    const p = pose.predict(unseen.images);
    const err = medianError(p.angle, unseen.angle);
    assert.ok(err < 15, `unseen glyphs: median error ${err.toFixed(1)}°`);
    assert.ok(p.strength.every((s) => s > 0 && s <= 1 + 1e-6));
    pose.dispose();
    assert.equal(tf.memory().numTensors, before, "no tensor left after dispose");
    assert.throws(() => pose.predict(unseen.images), /disposed/);
  });

  it("says its angles are worth less when the turns are spread over the whole circle", () => {
    const spread = renderShapes(240, 16, { maxAngle: (2 * Math.PI) / 3, seed: 4 });
    const circle = renderShapes(240, 16, { maxAngle: Math.PI, seed: 4 });
    const a = learnUprightPose(spread.images, { ...SMALL, seed: 1 });
    const b = learnUprightPose(circle.images, { ...SMALL, seed: 1 });
    const mean = (v: Float32Array) => v.reduce((x, y) => x + y, 0) / v.length;
    assert.ok(
      mean(b.strength) < 0.5 * mean(a.strength),
      `strength over the whole circle ${mean(b.strength).toFixed(3)}, within ±120° ${mean(a.strength).toFixed(3)}`,
    );
    a.dispose();
    b.dispose();
  });

  it("is deterministic for a seed", () => {
    const { images } = renderShapes(60, 12, { maxAngle: Math.PI / 2, seed: 2 });
    const opts = { ...SMALL, epochs: 2, hidden: [16] };
    const a = learnUprightPose(images, { ...opts, seed: 3 });
    const b = learnUprightPose(images, { ...opts, seed: 3 });
    assert.deepEqual(Array.from(a.angle), Array.from(b.angle));
    a.dispose();
    b.dispose();
  });

  it("refuses what it cannot learn from, saying what was expected", () => {
    const { images } = renderShapes(8, 12, { seed: 1 });
    assert.throws(() => learnUprightPose(images, { folds: 1 }), IvaeInputError);
    assert.throws(() => learnUprightPose(images, { folds: 5 }), /at least 10 images/);
    assert.throws(() => learnUprightPose(images, { bins: 36, turns: 5 }), /multiple of turns/);
    assert.throws(() => learnUprightPose(images, { hidden: [0] }), /hidden\[0\]/);
    const bad = { ...images, data: images.data.slice() };
    bad.data[150] = NaN;
    assert.throws(() => learnUprightPose(bad, { progress: false }), /image 1 holds a non-finite pixel/);
    const pose = learnUprightPose(images, { ...SMALL, epochs: 1, hidden: [8], seed: 1 });
    const other = renderShapes(2, 10, { seed: 1 }).images;
    assert.throws(() => pose.predict(other), /12×12/);
    pose.dispose();
  });

  it("saves and loads its nets: the same angles for new images, the training angles kept; damage refused", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-upright-"));
    const { images } = renderShapes(40, 12, { maxAngle: Math.PI / 2, seed: 2 });
    const unseen = renderShapes(10, 12, { maxAngle: Math.PI / 2, seed: 8 }).images;
    const pose = learnUprightPose(images, { ...SMALL, epochs: 2, hidden: [16], seed: 3 });
    const file = path.join(dir, "pose.json");
    await saveUprightPose(pose, file);
    const before = tf.memory().numTensors;
    const loaded = await loadUprightPose(file);
    assert.deepEqual(loaded.geometry, pose.geometry);
    assert.deepEqual(Array.from(loaded.angle), Array.from(pose.angle));
    assert.deepEqual(Array.from(loaded.strength), Array.from(pose.strength));
    assert.deepEqual(loaded.predict(unseen), pose.predict(unseen));
    loaded.dispose();
    assert.equal(tf.memory().numTensors, before, "a loaded pose frees its nets");
    pose.dispose();
    // a flipped byte in the weights is caught by the hash, a foreign file by its format
    const text = fs.readFileSync(file, "utf8");
    const stored = JSON.parse(text);
    const w = Buffer.from(stored.nets[0][0], "base64");
    w[5] ^= 1;
    stored.nets[0][0] = w.toString("base64");
    fs.writeFileSync(file, JSON.stringify(stored));
    await assert.rejects(loadUprightPose(file), /sha256/);
    // an edited geometry too (it decides how predictions are averaged), and an impossible one before the hash
    stored.nets[0][0] = JSON.parse(text).nets[0][0];
    fs.writeFileSync(file, JSON.stringify({ ...stored, geometry: { ...stored.geometry, turns: 2 } }));
    await assert.rejects(loadUprightPose(file), /sha256/);
    fs.writeFileSync(file, JSON.stringify({ ...stored, geometry: { ...stored.geometry, turns: 5 } }));
    await assert.rejects(loadUprightPose(file), /bins a multiple of turns/);
    fs.writeFileSync(file, JSON.stringify({ format: "something else" }));
    await assert.rejects(loadUprightPose(file), /ivae-upright-pose/);
    fs.writeFileSync(file, "{ not json");
    await assert.rejects(loadUprightPose(file), IvaeInputError);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
