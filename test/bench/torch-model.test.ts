import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import * as tf from "@tensorflow/tfjs";
import { coordDecoderLogits, coordKernel } from "../../src/models/decode-core";
import { coordGrid } from "../../src/models/grid";
import { Random } from "../../src/util/random";

// The PyTorch reference of the bench (bench/torch_model.py) decodes like ivae's coordinate decoder
// (src/models/decode-core.ts) for the same weights, with the Fourier (sin) layer 0 and with the tanh one, so
// that the bench compares like for like. Skipped when /usr/bin/python3 cannot import torch (setup.sh --bench).

const PY = "/usr/bin/python3";
const SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
import torch
from torch_model import Model
a = json.loads(sys.stdin.read())
m = Model(torch, a["variant"], a["size"], [4], a["dec"], a["d"], coord_features=a["features"])
with torch.no_grad():
    for name, v in a["weights"].items():
        getattr(m, name).copy_(torch.tensor(v))
    for i, (W, b, U) in enumerate(m.hidden):
        W.copy_(torch.tensor(a["hidden"][i]["W"])); b.copy_(torch.tensor(a["hidden"][i]["b"]))
        if U is not None: U.copy_(torch.tensor(a["hidden"][i]["U"]))
    out = m.decode(torch.tensor(a["z"]), torch.tensor(a["angle"]), torch.tensor(a["shift"]))
print(json.dumps({"logits": out.reshape(-1).tolist(), "fourier": m.fourier,
                  "hasU": [U is not None for (_, _, U) in m.hidden]}))
`;

function torchAvailable(): boolean {
  if (!fs.existsSync(PY)) return false;
  return spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
}

function values(rng: Random, n: number, s = 1): number[] {
  return Array.from({ length: n }, () => s * rng.normal());
}

function compare(variant: "rvae" | "skip", features: "fourier" | "linear"): void {
  const rng = new Random(features === "fourier" ? 1 : 2);
  const size = 7,
    h = 6,
    d = 2,
    B = 3;
  const dec = [h, h, h];
  const fourier = features === "fourier";
  const hidden = dec.slice(1).map((_, i) => ({
    W: values(rng, h * h, 0.5),
    b: values(rng, h, 0.3),
    U: variant === "skip" && !(fourier && i === 0) ? values(rng, d * h, 0.5) : undefined,
  }));
  const w = {
    Wc: values(rng, 2 * h, fourier ? 3 : 0.7),
    Wz: values(rng, d * h, 0.5),
    b0: values(rng, h, 1),
    wOut: values(rng, h, 0.5),
    bOut: values(rng, 1, 0.1),
  };
  const z = values(rng, B * d),
    angle = values(rng, B, 1),
    shift = values(rng, B * 2, 0.2);
  const shaped = (v: number[], rows: number, cols: number) =>
    Array.from({ length: rows }, (_, r) => v.slice(r * cols, (r + 1) * cols));
  const input = {
    variant,
    size,
    dec,
    d,
    features,
    weights: { Wc: shaped(w.Wc, 2, h), Wz: shaped(w.Wz, d, h), b0: w.b0, wOut: shaped(w.wOut, h, 1), bOut: w.bOut },
    hidden: hidden.map((l) => ({ W: shaped(l.W, h, h), b: l.b, U: l.U ? shaped(l.U, d, h) : null })),
    z: shaped(z, B, d),
    angle,
    shift: shaped(shift, B, 2),
  };
  const r = spawnSync(PY, ["-c", SCRIPT, path.join(__dirname, "..", "..", "bench")], {
    input: JSON.stringify(input),
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { logits: number[]; fourier: boolean; hasU: boolean[] };
  assert.equal(out.fourier, fourier);
  assert.deepEqual(
    out.hasU,
    hidden.map((l) => l.U !== undefined),
  );
  const want = tf.tidy(() => {
    const p = {
      Wc: tf.tensor2d(w.Wc, [2, h]),
      Wz: tf.tensor2d(w.Wz, [d, h]),
      b0: tf.tensor1d(w.b0),
      hidden: hidden.map((l) => ({
        W: tf.tensor2d(l.W, [h, h]),
        b: tf.tensor1d(l.b),
        U: l.U ? tf.tensor2d(l.U, [d, h]) : undefined,
      })),
      wOut: tf.tensor2d(w.wOut, [h, 1]),
      bOut: tf.tensor1d(w.bOut),
      fourier,
    };
    const coords = tf.tensor2d(coordGrid(size, size), [size * size, 2]);
    return coordDecoderLogits(
      tf,
      coordKernel(tf),
      p,
      coords,
      tf.tensor2d(z, [B, d]),
      tf.tensor1d(angle),
      tf.tensor2d(shift, [B, 2]),
    );
  });
  const got = want.dataSync();
  let worst = 0;
  out.logits.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]))));
  want.dispose();
  assert.equal(out.logits.length, got.length);
  assert.ok(worst < 2e-4, `${variant} ${features}: torch and ivae logits differ by ${worst}`);
}

describe("bench: the PyTorch reference decodes like ivae", function () {
  before(async function () {
    if (!torchAvailable()) this.skip();
    await tf.setBackend("cpu");
  });
  for (const variant of ["rvae", "skip"] as const)
    for (const features of ["fourier", "linear"] as const)
      it(`${variant}, ${features} layer 0: same logits for the same weights`, function () {
        compare(variant, features);
      });
});
