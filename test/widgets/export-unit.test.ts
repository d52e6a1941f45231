/** Unit tests: hover-patch downsampling, the notebook HTML exporter, detached display. */
import { strict as assert } from "assert";
import {
  LatentScatter,
  MAX_PATCH_BYTES,
  downsampleStack,
  hoverPatchShape,
  notebookToHtml,
  notebookWidgetState,
} from "../../src/jupyter";

describe("widgets: hover patch downsampling", () => {
  it("caps the side at 24 px and the total bytes, keeping the aspect ratio; leaves small sets alone", () => {
    assert.deepEqual(hoverPatchShape(100, 16, 16), [16, 16]);
    assert.deepEqual(hoverPatchShape(100, 32, 32), [24, 24]);
    assert.deepEqual(hoverPatchShape(100, 64, 32), [24, 12]);
    const [h, w] = hoverPatchShape(50000, 32, 32);
    assert.ok(
      h === w && h <= 24 && 50000 * h * w <= MAX_PATCH_BYTES && 50000 * (h + 1) * (w + 1) > MAX_PATCH_BYTES,
      `${h}x${w}`,
    );
    assert.deepEqual(hoverPatchShape(1000, 32, 32, 8, 1e9), [8, 8]);
    assert.throws(() => hoverPatchShape(1000, 32, 32, 24, 10), /maxPatchBytes/);
  });

  it("area-averages: block means for integer factors, the mean kept for fractional ones", () => {
    const data = Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i);
    const d = downsampleStack({ data, n: 2, height: 4, width: 4 }, 2, 2);
    assert.deepEqual(Array.from(d.data), [2.5, 4.5, 10.5, 12.5, 18.5, 20.5, 26.5, 28.5]);
    const rnd = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i * 1.7) ** 2);
    const f = downsampleStack({ data: rnd, n: 1, height: 32, width: 32 }, 24, 24);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean(f.data) - mean(rnd)) < 1e-5);
  });

  it("LatentScatter sends 50,000 patches of 32x32 as at most 16 MiB of bytes, and says so in its state", () => {
    const n = 50000,
      P = 32;
    const data = new Float32Array(n * P * P);
    for (let i = 0; i < n; i++)
      // left half lit
      for (let r = 0; r < P; r++) for (let c = 0; c < P; c++) data[(i * P + r) * P + c] = c < P / 2 ? 1 : 0;
    const sc = new LatentScatter({
      x: new Float32Array(n).map((_, i) => i),
      y: new Float32Array(n),
      patches: { data, n, height: P, width: P },
    });
    const [h, w] = sc.get("patch_shape");
    assert.deepEqual(sc.get("patch_source_shape"), [32, 32]);
    const bytes = sc.get("patches")!;
    assert.equal(bytes.length, n * h * w);
    assert.ok(bytes.length <= MAX_PATCH_BYTES && h <= 24);
    // the last patch still shows its left half lit and its right half dark
    const last = bytes.subarray((n - 1) * h * w);
    assert.equal(last[0], 255);
    assert.equal(last[w - 1], 0);
    sc.close();
  });
});

describe("widgets: notebook HTML export", () => {
  const viewOut = (id: string) => ({
    output_type: "display_data",
    data: {
      "application/vnd.jupyter.widget-view+json": { version_major: 2, version_minor: 0, model_id: id },
      "text/plain": `LatentScatter(id=${id})`,
    },
    metadata: {},
  });

  it("renders markdown, code, streams, images and errors; widget views only where state is saved", () => {
    const sc = new LatentScatter({ x: [0, 1, 2], y: [1, 0, 2], channels: { class: [0, 1, 1] } });
    sc.display(); // detached in plain Node: prints a line, does not throw
    const state = notebookWidgetState()!;
    assert.ok(state["application/vnd.jupyter.widget-state+json"].state[sc.id]);
    const nb = {
      metadata: { widgets: state },
      cells: [
        { cell_type: "markdown", source: ["# Title & more\n", "some *text*"] },
        {
          cell_type: "code",
          execution_count: 3,
          source: "const a = 1 < 2; // </script>",
          outputs: [
            { output_type: "stream", name: "stdout", text: ["\x1b[32mhello\x1b[0m\n"] },
            viewOut(sc.id),
            viewOut("not-saved"),
            {
              output_type: "display_data",
              data: { "image/png": "iVBORw0KGgo=\n", "text/plain": "<img>" },
              metadata: {},
            },
            { output_type: "error", ename: "E", evalue: "bad", traceback: ["E: bad </script>"] },
          ],
        },
      ],
    };
    const r = notebookToHtml(nb, { bundle: "/*BUNDLE*/" });
    assert.equal(r.widgets, 1);
    assert.deepEqual(r.missingState, ["not-saved"]);
    assert.match(r.html, /<title>Title &amp; more<\/title>/);
    assert.match(r.html, /<h1>Title &amp; more<\/h1>/);
    assert.match(r.html, /<em>text<\/em>/);
    assert.match(r.html, /\[3\]:/);
    assert.match(r.html, /const a = 1 &lt; 2; \/\/ &lt;\/script&gt;/);
    assert.match(r.html, /<pre class="out-stream stdout">hello\n<\/pre>/);
    assert.match(r.html, /data:image\/png;base64,iVBORw0KGgo="/);
    assert.match(r.html, /no saved state/);
    assert.match(r.html, /<script>\/\*BUNDLE\*\/<\/script>/);
    assert.equal(r.html.match(/application\/vnd.jupyter.widget-view\+json/g)!.length, 1);
    assert.equal(r.html.match(/<\/script/gi)!.length, 3, "state, one view, bundle: nothing else closes a script");
    sc.close();
    assert.ok(
      !notebookWidgetState()?.["application/vnd.jupyter.widget-state+json"].state[sc.id],
      "closed widgets are not saved",
    );
  });

  it("leaves the bundle out when there is no widget, and rejects what is not a notebook", () => {
    const r = notebookToHtml(
      {
        cells: [
          { cell_type: "code", source: "1", outputs: [{ output_type: "execute_result", data: { "text/plain": "1" } }] },
        ],
      },
      { bundle: "/*BUNDLE*/" },
    );
    assert.equal(r.widgets, 0);
    assert.ok(!r.html.includes("BUNDLE"));
    assert.throws(() => notebookToHtml({} as never), /nbformat-4/);
  });
});
