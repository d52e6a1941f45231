// bench/flops.ts and bench/torch_model.py must count the same FLOPs, or the bench's GFLOP/s and "% of peak"
// of ivae and PyTorch are not comparable. torch_model.py imports only `math` at module level, so any
// python3 can evaluate its formula (PyTorch is not needed).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { BenchVariant, forwardFlopsPerImage } from "../../bench/flops";

const python = ["/usr/bin/python3", "python3"].find(
  (p) => spawnSync(p, ["--version"], { stdio: "ignore" }).status === 0,
);

describe("bench FLOP counts", () => {
  const cases: [BenchVariant, string, number[], number][] = [
    ["rvae-mlp", "rvae", [64, 64], 2304],
    ["rvae", "rvae", [128, 128], 256],
    ["skip", "skip", [256, 256, 256], 2304],
    ["shift", "shift", [64, 64], 100],
    ["vae", "vae", [128, 128], 2304],
  ];

  it("ivae (flops.ts) and the PyTorch reference (torch_model.py) agree on every variant", function () {
    if (!python) this.skip();
    const code = `import sys, json; sys.path.insert(0, ${JSON.stringify(path.join(__dirname, "..", "..", "bench"))})
from torch_model import flops_per_image
print(json.dumps([flops_per_image(v, 2304, [128, 128], d, 2, m) for v, d, m in json.loads(sys.argv[1])]))`;
    const r = spawnSync(python!, ["-c", code, JSON.stringify(cases.map(([, tv, d, m]) => [tv, d, m]))], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const py = JSON.parse(r.stdout) as number[];
    cases.forEach(([v, , d, m], i) =>
      assert.equal(forwardFlopsPerImage(v, 2304, [128, 128], d, 2, m), py[i], `${v} ${d} ${m}`),
    );
  });

  it("counts what the decoder does: hidden layers scale with pixels and width squared", () => {
    const f = (d: number[], m: number) => forwardFlopsPerImage("rvae-mlp", 2304, [128, 128], d, 2, m);
    // one more hidden layer of width h on m pixels adds 2·m·h² multiply-add FLOPs
    assert.equal(f([64, 64, 64], 2304) - f([64, 64], 2304), 2 * 2304 * 64 * 64);
    assert.equal(f([64, 64], 2304) - f([64, 64], 256), (2304 - 256) * (6 * 64 + 2 * 64 * 64 + 2 * 64));
    // the VAE decoder does not depend on pixelSubsample (it decodes every pixel)
    assert.equal(
      forwardFlopsPerImage("vae", 2304, [128, 128], [64, 64], 2, 256),
      forwardFlopsPerImage("vae", 2304, [128, 128], [64, 64], 2),
    );
  });
});
