import { strict as assert } from "assert";
import {
  classTransitions,
  IvaeInputError,
  linkFrames,
  renderSvg,
  transitionHeatmap,
  transitionMatrix,
} from "../../src/index";

/** A 5 × 5 lattice (spacing 10 px) over 3 frames, drifting by (3, −2) px per frame, with jitter < 1 px. */
function movie() {
  const x: number[] = [],
    y: number[] = [],
    frame: number[] = [],
    id: number[] = [];
  for (let f = 0; f < 3; f++)
    for (let k = 0; k < 25; k++) {
      if (f === 1 && k === 12) continue; // a column missed in frame 1
      x.push(10 * (k % 5) + 3 * f + 0.4 * Math.sin(7 * k + f));
      y.push(10 * Math.floor(k / 5) - 2 * f + 0.4 * Math.cos(5 * k + f));
      frame.push(f);
      id.push(k);
    }
  return { x, y, frame, id };
}

describe("analysis: class transitions between frames (AtomAI's transition matrix)", () => {
  it("follows every column to the next frame despite the drift, and none that vanished", () => {
    const m = movie();
    const next = linkFrames(m, { maxDistance: 2 });
    for (let i = 0; i < next.length; i++) {
      if (m.frame[i] === 2 || (m.frame[i] === 0 && m.id[i] === 12)) assert.equal(next[i], -1, `point ${i}`);
      else assert.equal(m.id[next[i]], m.id[i], `point ${i} (column ${m.id[i]}, frame ${m.frame[i]})`);
    }
    // without drift removal a 3.6 px shift exceeds maxDistance 2: nothing links
    assert.ok(linkFrames(m, { maxDistance: 2, drift: false }).every((v) => v === -1));
  });

  it("counts class i at t → class j at t + 1 on a hand-made sequence", () => {
    // two columns over four frames: A = 0 0 1 1, B = 2 1 1 0; next links t → t + 1 of the same column
    const classes = [0, 2, 0, 1, 1, 1, 1, 0];
    const frame = [0, 0, 1, 1, 2, 2, 3, 3];
    const next = [2, 3, 4, 5, 6, 7, -1, -1];
    const t = transitionMatrix(classes, next, frame, 3);
    assert.deepEqual(t.counts, [
      [1, 1, 0],
      [1, 2, 0],
      [0, 1, 0],
    ]);
    assert.equal(t.pairs, 6);
    assert.deepEqual(t.rowTotals, [2, 3, 1]);
    assert.deepEqual(t.probabilities[1], [1 / 3, 2 / 3, 0]);
    assert.deepEqual(t.perFrame[0], [
      [1, 0, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
    assert.deepEqual(transitionMatrix([0, 0], [-1, -1], [0, 0], 2).probabilities, [
      [0, 0],
      [0, 0],
    ]);
  });

  it("links and counts together: a column that changes class shows off the diagonal", () => {
    const m = movie();
    const classes = m.id.map((k, i) => (k === 7 && m.frame[i] === 2 ? 1 : 0));
    const t = classTransitions(classes, m, { maxDistance: 2, k: 2 });
    assert.deepEqual(t.counts, [
      [24 + 23, 1],
      [0, 0],
    ]);
  });

  it("refuses bad input with what was expected", () => {
    assert.throws(() => transitionMatrix([0, 3], [1, -1], [0, 1], 3), /class 3 at index 1 is not in \[0, 3\)/);
    assert.throws(() => transitionMatrix([0, 1], [1, -1], [0, 2], 2), /expected 1/);
    assert.throws(() => linkFrames({ x: [0, NaN], y: [0, 0], frame: [0, 1] }, { maxDistance: 1 }), IvaeInputError);
    assert.throws(() => linkFrames({ x: [0], y: [0], frame: [0] }, { maxDistance: 0 }), /maxDistance/);
  });

  it("draws the matrix as a heat map: one cell per (from, to) with its count and row rate", async () => {
    const spec = transitionHeatmap(
      {
        counts: [
          [3, 1],
          [0, 0],
        ],
      },
      { classNames: ["NiO", "LSMO"] },
    );
    assert.deepEqual(
      spec.data.values.map((r: { count: number; probability: number }) => [r.count, r.probability]),
      [
        [3, 0.75],
        [1, 0.25],
        [0, 0],
        [0, 0],
      ],
    );
    assert.match(await renderSvg(spec), /^<svg[\s\S]*NiO[\s\S]*LSMO/);
    assert.throws(() => transitionHeatmap({ counts: [[1, 2]] }), /k × k/);
  });
});
