import { strict as assert } from "assert";
import { toImageStack } from "../../src/data/image-stack";
import { VAE } from "../../src/models";
import { train } from "../../src/training";
import { IvaeInputError } from "../../src/util/errors";
import { useBackend } from "../models/setup";

// Issue 16 item 4: an ImageStack whose n disagrees with its data length is rejected where stacks enter.

describe("data: ImageStack consistency at the entry points", () => {
  before(useBackend);
  const data = new Float32Array(3 * 8 * 8).fill(0.5);

  it("toImageStack rejects n, height or width that disagree with the data length", () => {
    for (const bad of [
      { data, n: 2, height: 8, width: 8 },
      { data, n: 4, height: 8, width: 8 },
      { data, n: 3, height: 8, width: 7 },
      { data, n: 3.5, height: 8, width: 8 },
      { data, n: -3, height: -8, width: 8 },
    ]) {
      assert.throws(
        () => toImageStack(bad, "train"),
        (e: Error) => e instanceof IvaeInputError && /train/.test(e.message),
        JSON.stringify({ ...bad, data: bad.data.length }),
      );
    }
    assert.equal(toImageStack({ data, n: 3, height: 8, width: 8 }, "train").n, 3);
  });

  it("train and encode refuse a stack with a stale n instead of reading a wrong buffer", async () => {
    const m = new VAE({ imageShape: [8, 8], latentDim: 2, encoderHidden: [8], decoderHidden: [8], seed: 1 });
    try {
      const stale = { data, n: 2, height: 8, width: 8 };
      await assert.rejects(
        train(m, stale, { epochs: 1, batchSize: 2, progress: false }),
        /ImageStack has 192 values but n\*height\*width = 2\*8\*8/,
      );
      assert.throws(() => m.encode({ data, n: 5, height: 8, width: 8 }), IvaeInputError);
    } finally {
      m.dispose();
    }
  });
});
