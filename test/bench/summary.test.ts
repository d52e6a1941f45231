// bench/summary.ts: the bench's repeats rule (median of the repeats, every repeat kept, their spread) and the
// ratios with the ratio of each pair of repeats run side by side. Plain numbers in, no timing.
import { strict as assert } from "assert";
import { median, ratios, summarize } from "../../bench/summary";
import type { RunResult } from "../../bench/worker";

const run = (ips: number, ok = true): RunResult => ({ ok, imagesPerSecond: ips, gflops: ips / 100, timedSteps: 9 });

describe("bench summary of repeats", () => {
  it("median of odd and even counts", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("keeps every repeat, takes the median and reports the range and spread; failed repeats are left out", () => {
    const s = summarize({ a: [run(100), run(80), run(120), run(1e9, false)] }, 4)["a"];
    assert.deepEqual(s.repeats, [100, 80, 120]);
    assert.equal(s.imagesPerSecond, 100);
    assert.equal(s.min, 80);
    assert.equal(s.max, 120);
    assert.ok(Math.abs(s.spread! - 0.4) < 1e-12);
    assert.equal(s.fractionOfPeak, 1 / 4); // median GFLOP/s 1 over the best 4
    assert.equal(s.runs, 3);
  });

  it("ratio is median over median; the spread pairs repeat i with repeat i", () => {
    const sum = summarize({ a: [run(100), run(90), run(130)], b: [run(50), run(100), run(65)] });
    const { ratio, spread } = ratios(sum);
    assert.equal(ratio("a", "b", "a/b"), 100 / 65);
    assert.deepEqual(spread["a/b"].perRepeat, [2, 0.9, 2]);
    assert.equal(spread["a/b"].min, 0.9);
    assert.equal(spread["a/b"].max, 2);
    assert.equal(ratio("a", "missing"), undefined);
  });
});
