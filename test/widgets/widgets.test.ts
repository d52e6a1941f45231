/**
 * Node-side tests of the widget kernel layer: buffer splitting, the wire parser's HMAC (signed over
 * four parts, buffers kept), the comm manager, the widget protocol (update/echo_update/
 * request_state/custom) over a recording transport, and the shared decoder math against an
 * independent per-pixel implementation of the DEVELOPERS.md formulas.
 */
import { strict as assert } from "assert";
import * as models from "../../src/models";
import { createHmac } from "crypto";
import { CommManager, commManager, Json } from "../../src/jupyter/comm";
import { parseWireMessage } from "../../src/jupyter/kernel";
import { splitBuffers, putBuffers } from "../../src/jupyter/widget";
import {
  LatentScatter,
  MapOverlay,
  Traversal,
  decoderConfig,
  randomDecoder,
  decodeDescription,
  unpackWeights,
  widgetStateDocument,
  pixelCoords,
} from "../../src/jupyter";

type Sent = { type: string; content: { [k: string]: Json }; buffers: Uint8Array[] };

function recordingTransport(m: CommManager): Sent[] {
  const sent: Sent[] = [];
  m.transport = { send: (type, content, _md, buffers) => sent.push({ type, content, buffers }) };
  return sent;
}

/** Independent per-pixel implementation of the coordinate decoder (no tfjs, no folding). */
function naiveDecode(
  cfg: ReturnType<typeof decoderConfig>,
  data: Float32Array,
  z: number[],
  angle: number,
  tx: number,
  ty: number,
): Float32Array {
  const w = unpackWeights(cfg, data);
  const [H, W] = cfg.imageShape;
  const h = cfg.hidden;
  const out = new Float32Array(H * W);
  const c = pixelCoords(H, W);
  for (let p = 0; p < H * W; p++) {
    const x = c[2 * p],
      y = c[2 * p + 1];
    // the models' pose convention: content rotated by +γ and shifted by +t, c' = R(−γ)(c − t)
    const ux = x - tx,
      uy = y - ty;
    const xr = Math.cos(angle) * ux + Math.sin(angle) * uy;
    const yr = -Math.sin(angle) * ux + Math.cos(angle) * uy;
    let act = new Float64Array(h[0]);
    for (let k = 0; k < h[0]; k++) {
      let s = xr * w.wc[k] + yr * w.wc[h[0] + k] + w.b0[k];
      for (let d = 0; d < z.length; d++) s += z[d] * w.wz[d * h[0] + k];
      act[k] = Math.tanh(s);
    }
    for (let l = 0; l < w.layers.length; l++) {
      const L = w.layers[l];
      const next = new Float64Array(h[l + 1]);
      for (let k = 0; k < h[l + 1]; k++) {
        let s = L.b[k];
        for (let j = 0; j < h[l]; j++) s += act[j] * L.w[j * h[l + 1] + k];
        if (L.u) for (let d = 0; d < z.length; d++) s += z[d] * L.u[d * h[l + 1] + k];
        next[k] = Math.tanh(s);
      }
      act = next;
    }
    let logit = w.bOut[0];
    for (let j = 0; j < act.length; j++) logit += act[j] * w.wOut[j];
    // the likelihood mean: σ(logit) for Bernoulli and for Gaussian (whose NLL puts its mean at σ(logit))
    out[p] = 1 / (1 + Math.exp(-logit));
  }
  return out;
}

describe("widgets: kernel layer", () => {
  afterEach(() => {
    commManager().transport = undefined;
  });

  it("splits nested typed arrays into buffers and puts them back", () => {
    const a = new Float32Array([1, 2, 3]);
    const b = new Uint8Array([9, 8]);
    const s = splitBuffers({ x: a, n: 3, channels: { angle: b, info: "k" }, list: [1, b] });
    assert.deepEqual(s.bufferPaths, [["x"], ["channels", "angle"], ["list", 1]]);
    assert.deepEqual(s.state, { n: 3, channels: { info: "k" }, list: [1, null] });
    assert.equal(s.buffers[0].byteLength, 12);
    const back: { [k: string]: unknown } = JSON.parse(JSON.stringify(s.state));
    putBuffers(back, s.bufferPaths, s.buffers);
    assert.deepEqual(Array.from(new Float32Array((back.x as Uint8Array).slice().buffer)), [1, 2, 3]);
    assert.deepEqual(Array.from((back.channels as { angle: Uint8Array }).angle), [9, 8]);
  });

  it("verifies the HMAC over header/parent/metadata/content only and keeps binary buffers", () => {
    const key = "secret";
    const parts = [
      JSON.stringify({ msg_id: "1", msg_type: "comm_msg" }),
      "{}",
      "{}",
      JSON.stringify({ comm_id: "c", data: {} }),
    ];
    const sig = createHmac("sha256", key)
      .update(parts[0])
      .update(parts[1])
      .update(parts[2])
      .update(parts[3])
      .digest("hex");
    const frames = [
      Buffer.from("id"),
      Buffer.from("<IDS|MSG>"),
      Buffer.from(sig),
      ...parts.map((p) => Buffer.from(p)),
      Buffer.from([1, 2, 3]),
    ];
    const msg = parseWireMessage(key, frames);
    assert.equal(msg.header.msg_type, "comm_msg");
    assert.deepEqual(Array.from(msg.buffers[0]), [1, 2, 3]);
    frames[3] = Buffer.from(parts[0].replace("comm_msg", "comm_open"));
    assert.throws(() => parseWireMessage(key, frames), /invalid HMAC/);
  });

  it("opens comms, routes front-end messages and answers unknown targets with comm_close", async () => {
    const m = new CommManager();
    const sent = recordingTransport(m);
    const got: Json[] = [];
    m.registerTarget("t", (comm) => comm.onMsg((d) => void got.push(d)));
    await m.handle("comm_open", { comm_id: "a", target_name: "t", data: {} }, []);
    await m.handle("comm_msg", { comm_id: "a", data: { v: 1 } }, []);
    assert.deepEqual(got, [{ v: 1 }]);
    assert.deepEqual(m.commInfo(), { a: { target_name: "t" } });
    await m.handle("comm_open", { comm_id: "b", target_name: "nope", data: {} }, []);
    assert.equal(sent[sent.length - 1].type, "comm_close");
    await m.handle("comm_close", { comm_id: "a", data: {} }, []);
    assert.deepEqual(m.commInfo(), {});
  });

  it("speaks protocol 2.1: comm_open with buffer_paths, update, echo_update, request_state, custom", async () => {
    const sent = recordingTransport(commManager());
    const sc = new LatentScatter({
      x: [0, 1, 2],
      y: [1, 0, 1],
      channels: { suit: { values: [0, 1, 2], labels: ["s", "h", "d"] }, angle: [0, 1, -1] },
    });
    const open = sent[0];
    assert.equal(open.type, "comm_open");
    assert.equal(open.content.target_name, "jupyter.widget");
    const data = open.content.data as { state: { [k: string]: Json }; buffer_paths: string[][] };
    assert.equal(data.state._model_module, "ivae-widgets");
    assert.deepEqual(data.buffer_paths, [["x"], ["y"], ["channels", "suit"], ["channels", "angle"]]);
    assert.equal(open.buffers.length, 4);
    assert.deepEqual((data.state.channel_info as { [k: string]: { kind: string } }).angle.kind, "cyclic");
    let seen: number[] | null = null;
    sc.onSelect((s) => (seen = s));
    await commManager().handle(
      "comm_msg",
      { comm_id: sc.id, data: { method: "update", state: { selected: [2, 0] }, buffer_paths: [] } },
      [],
    );
    assert.deepEqual(sc.selected, [0, 2]);
    assert.deepEqual(seen, [0, 2]);
    const echo = sent[sent.length - 1];
    assert.equal((echo.content.data as { method: string }).method, "echo_update");
    // An out-of-range index from a front end is rejected (logged) and the selection is kept.
    const err = console.error;
    console.error = () => {};
    await commManager().handle(
      "comm_msg",
      { comm_id: sc.id, data: { method: "update", state: { selected: [7] }, buffer_paths: [] } },
      [],
    );
    console.error = err;
    assert.deepEqual(sc.selected, [0, 2]);
    await commManager().handle("comm_msg", { comm_id: sc.id, data: { method: "request_state" } }, []);
    const full = sent[sent.length - 1].content.data as { method: string; state: { [k: string]: Json } };
    assert.equal(full.method, "update");
    assert.equal(full.state._model_name, "LatentScatterModel");
    const customs: Json[] = [];
    sc.onCustom((c) => void customs.push(c));
    await commManager().handle("comm_msg", { comm_id: sc.id, data: { method: "custom", content: { hi: 1 } } }, []);
    assert.deepEqual(customs, [{ hi: 1 }]);
    sc.close();
  });

  it("links MapOverlay and LatentScatter selections and saves both in the widget state", () => {
    recordingTransport(commManager());
    const img = { data: new Float32Array(16 * 16), n: 1, height: 16, width: 16 };
    const sc = new LatentScatter({ x: [0, 1, 2], y: [0, 1, 2] });
    const ov = new MapOverlay({
      image: img,
      x: [2, 8, 12],
      y: [3, 9, 13],
      channels: { dx: [0.1, 0.2, 0.3] },
      scatter: sc,
    });
    sc.select([1, 2]);
    assert.deepEqual(ov.selected, [1, 2]);
    ov.select([0]);
    assert.deepEqual(sc.selected, [0]);
    const doc = widgetStateDocument([ov]);
    assert.deepEqual(Object.keys(doc.state).sort(), [ov.id, sc.id].sort());
    assert.throws(() => new MapOverlay({ image: img, x: [1], y: [1], scatter: sc }), /3 points/);
  });

  it("decodes like an independent per-pixel implementation of the contract (rotation, shift, skip)", () => {
    for (const [skip, likelihood] of [
      [false, "bernoulli"],
      [true, "gaussian"],
    ] as const) {
      const cfg = decoderConfig({ imageShape: [9, 7], latentDim: 2, hidden: [16, 16, 16], skip, likelihood });
      const dec = randomDecoder(cfg, 3);
      const z = [0.4, -1.1],
        angle = 0.7,
        tx = 0.2,
        ty = -0.1;
      const got = decodeDescription(dec, {
        z: Float32Array.from(z),
        angle: Float32Array.of(angle),
        tx: Float32Array.of(tx),
        ty: Float32Array.of(ty),
      });
      const want = naiveDecode(cfg, dec.weights, z, angle, tx, ty);
      let maxd = 0;
      for (let i = 0; i < want.length; i++) maxd = Math.max(maxd, Math.abs(got[i] - want[i]));
      assert.ok(maxd < 2e-5, `max |diff| ${maxd}`);
    }
  });

  it("Traversal converts the pixel shift like models/grid and rejects a wrong z", () => {
    recordingTransport(commManager());
    const cfg = decoderConfig({ imageShape: [12, 10], latentDim: 2, hidden: [8, 8] });
    const t = new Traversal({ decoder: randomDecoder(cfg, 1) });
    const a = t.decodeHere({ z: [0.5, 0.5], angle: 0.3, dx: 1.5, dy: -2 });
    const b = naiveDecode(cfg, t.decoder.weights, [0.5, 0.5], 0.3, (2 * 1.5) / 9, (-2 * -2) / 11);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 2e-5);
    assert.throws(() => t.setLatent([1]), /2 finite numbers/);
  });
});

describe("widgets: Traversal.fromModel (models convention)", () => {
  it("decodes exactly like RVAE.decode for the same z, angle and shift", async () => {
    const M = models as unknown as {
      RVAE?: new (o: object) => {
        decode(z: number[][], o: object): { data: Float32Array };
        toArtifacts(): unknown;
        dispose(): void;
      };
    };
    if (!M.RVAE) throw new Error("RVAE is not exported by src/models");
    recordingTransport(commManager());
    const model = new M.RVAE({ imageShape: [10, 12], latentDim: 2, decoderHidden: [16, 16], seed: 5 });
    const t = Traversal.fromModel(model as never);
    const want = model.decode([[0.3, -0.8]], { angle: [0.6], dx: [1.2], dy: [-0.7] }).data;
    const got = t.decodeHere({ z: [0.3, -0.8], angle: 0.6, dx: 1.2, dy: -0.7 });
    let md = 0;
    for (let i = 0; i < want.length; i++) md = Math.max(md, Math.abs(want[i] - got[i]));
    assert.ok(md < 1e-4, `max |diff| vs RVAE.decode ${md}`);
    model.dispose();
    commManager().transport = undefined;
  });
});
