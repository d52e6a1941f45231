import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { RVAE, VAE, train, IvaeInputError } from "../../src/index";
import type { AnyModel } from "../../src/index";
import { useBackend } from "../models/setup";
import { renderShapes } from "../models/helpers";

// Resumable training (issue 16): a run interrupted after a checkpoint and resumed gives the same numbers, bit for
// bit, as an uninterrupted run with the same seeds.

const H = 10;

function weightsOf(m: AnyModel): number[] {
  return [...m.getWeights().values()].flatMap((w) => Array.from(w));
}

describe("training: checkpoints and resume", function () {
  this.timeout(120000);
  before(useBackend);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-ckpt-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases: [string, () => AnyModel, number | undefined][] = [
    [
      "VAE",
      () => new VAE({ imageShape: [H, H], latentDim: 2, encoderHidden: [16], decoderHidden: [16], seed: 3 }),
      undefined,
    ],
    [
      "rVAE with pixel subsampling",
      () => new RVAE({ imageShape: [H, H], decoderHidden: [12], encoderHidden: [16], seed: 4 }),
      30,
    ],
  ];
  for (const [name, make, sub] of cases) {
    it(`${name}: interrupted after epoch 2 of 4 and resumed equals the uninterrupted run`, async () => {
      const { images } = renderShapes(24, H, { seed: 5 });
      const opts = {
        epochs: 4,
        batchSize: 8,
        learningRate: 3e-3,
        seed: 7,
        progress: false as const,
        pixelSubsample: sub,
      };
      const a = make();
      const ha = await train(a, images, opts);
      const b = make();
      // a crash right after epoch 2 (the checkpoint of epoch 2 is written before onEpoch runs)
      await assert.rejects(
        train(b, images, {
          ...opts,
          checkpoint: { dir, every: 2 },
          onEpoch: (r) => {
            if (r.epoch === 2) throw new Error("power cut");
          },
        }),
        /power cut/,
      );
      b.dispose();
      assert.deepEqual(fs.readdirSync(dir).sort(), ["checkpoint.json", "ckpt-2.bin"]);
      // what a run killed while writing the next checkpoint leaves: a partial temp file and data not yet named
      fs.writeFileSync(path.join(dir, "checkpoint.json.tmp-1-x"), '{"epoch": 3, ');
      fs.writeFileSync(path.join(dir, "ckpt-3.bin"), new Uint8Array(10));
      const c = make(); // a fresh model in a new session: its initial weights are replaced from the checkpoint
      const epochsRun: number[] = [];
      const hc = await train(c, images, {
        ...opts,
        checkpoint: { dir, every: 2 },
        resume: true,
        onEpoch: (r) => void epochsRun.push(r.epoch),
      });
      assert.deepEqual(epochsRun, [3, 4], "only the missing epochs run");
      assert.deepEqual(hc.loss, ha.loss, "the history continues with the same losses");
      assert.deepEqual(weightsOf(c), weightsOf(a), "the trained weights are identical");
      assert.deepEqual(fs.readdirSync(dir).sort(), ["checkpoint.json", "ckpt-4.bin"], "leftovers removed");
      a.dispose();
      c.dispose();
    });
  }

  it("a training process killed (SIGKILL) at any moment resumes to the numbers of an uninterrupted run", async () => {
    const imageShape: [number, number] = [H, H];
    const cfg = { imageShape, latentDim: 2, encoderHidden: [16], decoderHidden: [16], seed: 3 };
    const opts = { epochs: 6, batchSize: 8, learningRate: 3e-3, seed: 7, progress: false as const };
    const { images } = renderShapes(24, H, { seed: 5 });
    const a = new VAE(cfg);
    const ha = await train(a, images, opts);
    const root = path.resolve(__dirname, "../..");
    for (const [killAfter, delayMs] of [
      [2, 0],
      [3, 2],
    ]) {
      fs.rmSync(dir, { recursive: true, force: true });
      const code = `
        const { VAE, train, selectBackend } = require(${JSON.stringify(path.join(root, "src"))});
        const { renderShapes } = require(${JSON.stringify(path.join(root, "test/models/helpers"))});
        (async () => {
          await selectBackend({ verbose: false });
          const { images } = renderShapes(24, ${H}, { seed: 5 });
          await train(new VAE(${JSON.stringify(cfg)}), images, { ...${JSON.stringify(opts)},
            checkpoint: { dir: ${JSON.stringify(dir)} },
            onEpoch: (r) => { process.stdout.write("epoch " + r.epoch + "\\n"); } });
        })();`;
      const child = spawn(process.execPath, ["--import", "tsx", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      const gone = new Promise((r) => child.once("exit", r));
      await new Promise<void>((resolve, reject) => {
        let out = "",
          seen = false;
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (!seen && out.includes(`epoch ${killAfter}\n`)) {
            seen = true;
            setTimeout(() => {
              child.kill("SIGKILL");
              resolve();
            }, delayMs);
          }
        });
        // a child that finished before the kill landed is fine too: resuming then has nothing left to run
        child.once("exit", () =>
          seen ? resolve() : reject(new Error(`the child ended before epoch ${killAfter}: ${out} ${err}`)),
        );
      });
      await gone;
      const c = new VAE(cfg);
      const hc = await train(c, images, { ...opts, checkpoint: { dir }, resume: true });
      assert.deepEqual(hc.loss, ha.loss, `killed after epoch ${killAfter} + ${delayMs} ms`);
      assert.deepEqual(weightsOf(c), weightsOf(a));
      c.dispose();
    }
    a.dispose();
  });

  it("refuses to resume with other settings or a damaged checkpoint, and does not leak tensors", async () => {
    const { images } = renderShapes(16, H, { seed: 6 });
    const make = () => new VAE({ imageShape: [H, H], latentDim: 2, encoderHidden: [8], decoderHidden: [8], seed: 1 });
    const m = make();
    await train(m, images, { epochs: 1, batchSize: 8, seed: 1, progress: false, checkpoint: { dir } });
    m.dispose();
    const other = make();
    const before = tf.memory().numTensors;
    const resumeOpts = { seed: 1, progress: false, checkpoint: { dir }, resume: true };
    await assert.rejects(
      train(other, images, { ...resumeOpts, epochs: 2, batchSize: 4 }),
      (e: Error) => e instanceof IvaeInputError && /batchSize 8, this run has 4/.test(e.message),
    );
    assert.equal(tf.memory().numTensors, before, "nothing leaked by the refused resume");
    other.dispose();
    const bin = path.join(dir, "ckpt-1.bin");
    const b = fs.readFileSync(bin);
    b[0] ^= 1;
    fs.writeFileSync(bin, b);
    const third = make();
    await assert.rejects(train(third, images, { ...resumeOpts, epochs: 2, batchSize: 8 }), /does not match/);
    third.dispose();
    const fourth = make();
    await assert.rejects(train(fourth, images, { epochs: 1, progress: false, resume: true }), /needs checkpoint/);
    fourth.dispose();
  });
});
