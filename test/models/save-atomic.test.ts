import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadModel, VAE } from "../../src/models";
import { IvaeInputError } from "../../src/util/errors";
import { useBackend } from "./setup";

// Atomic saves (issue 16, item 10): a save killed with SIGKILL at any point leaves a model that loads and decodes
// exactly as the old one or the new one; weights that do not belong to model.json are an error.

const SRC = path.resolve(__dirname, "../../src/models");
const shape: [number, number] = [8, 8];
const small = { imageShape: shape, latentDim: 2, encoderHidden: [16], decoderHidden: [16], seed: 1 };
// larger than the old model, as in the issue (a larger model saved over a smaller one)
const large = { imageShape: shape, latentDim: 2, encoderHidden: [256], decoderHidden: [256, 256], seed: 2 };
const Z = [
  [0.3, -0.7],
  [1.1, 0.2],
];

/** Starts a child that saves `large` into `dir`; `stopAt` names a step at which it stops and waits to be killed. */
function saveInChild(dir: string, stopAt: string): { child: ReturnType<typeof spawn>; ready: Promise<void> } {
  const code = `
    const { VAE, writeArtifacts } = require(${JSON.stringify(SRC)});
    const m = new VAE(${JSON.stringify(large)});
    const art = m.toArtifacts();
    process.stdout.write("saving\\n");
    writeArtifacts(${JSON.stringify(dir)}, art, { onStep: (s) => {
      if (s === ${JSON.stringify(stopAt)}) {
        process.stdout.write("at " + s + "\\n");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
      }
    } });`;
  const child = spawn(process.execPath, ["--import", "tsx", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (stopAt === "none" ? out.includes("saving") : out.includes(`at ${stopAt}`)) resolve();
    });
    child.on("exit", (c) => reject(new Error(`child exited (${c}) before ${stopAt}: ${out} ${err}`)));
  });
  return { child, ready };
}

async function kill(child: ReturnType<typeof spawn>): Promise<void> {
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await gone;
}

describe("models: atomic save", function () {
  this.timeout(120000);
  before(useBackend);
  let dir: string;
  let oldOut: number[], newOut: number[];

  before(() => {
    const a = new VAE(small),
      b = new VAE(large);
    oldOut = Array.from(a.decode(Z).data);
    newOut = Array.from(b.decode(Z).data);
    a.dispose();
    b.dispose();
  });
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-atomic-"));
    const a = new VAE(small);
    await a.save(dir);
    a.dispose();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function decodesAs(): Promise<"old" | "new"> {
    const m = await loadModel(dir);
    try {
      const out = Array.from(m.decode(Z).data);
      if (out.length === oldOut.length && out.every((v, i) => v === oldOut[i])) return "old";
      assert.deepEqual(out, newOut, "the loaded model is neither the old nor the new one");
      return "new";
    } finally {
      m.dispose();
    }
  }

  for (const [step, expect] of [
    ["weights-staged", "old"],
    ["manifest-committed", "new"],
    ["weights-renamed", "new"],
  ] as const) {
    it(`killed (SIGKILL) after step ${step}, the directory loads the ${expect} model exactly`, async () => {
      const { child, ready } = saveInChild(dir, step);
      await ready;
      await kill(child);
      assert.equal(await decodesAs(), expect);
      // the next save completes and cleans up what the killed one left
      const c = new VAE(large);
      await c.save(dir);
      c.dispose();
      assert.equal(await decodesAs(), "new");
      assert.deepEqual(fs.readdirSync(dir).sort(), ["model.json", "weights.bin"]);
    });
  }

  it("killed at random instants during a save, the directory always loads the old or the new model", async () => {
    for (const delay of [0, 5, 20]) {
      const { child, ready } = saveInChild(dir, "none");
      await ready;
      await new Promise((r) => setTimeout(r, delay));
      await kill(child);
      await decodesAs();
    }
  });

  it("reads model.json files without a hash (saved before hashes) and rejects a null model.json clearly", async () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
    delete json.weightsSha256;
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
    assert.equal(await decodesAs(), "old");
    fs.writeFileSync(path.join(dir, "model.json"), "null");
    await assert.rejects(
      loadModel(dir),
      (e: Error) => e instanceof IvaeInputError && /no weightsManifest/.test(e.message),
    );
  });

  it("rejects weights that belong to another save instead of loading wrong weights", async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "ivae-other-"));
    try {
      const m = new VAE({ ...small, seed: 99 });
      await m.save(other);
      m.dispose();
      fs.copyFileSync(path.join(other, "weights.bin"), path.join(dir, "weights.bin"));
      await assert.rejects(
        loadModel(dir),
        (e: Error) => e instanceof IvaeInputError && /do not match the sha256/.test(e.message),
      );
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
