import { strict as assert } from "assert";
import { createHmac } from "crypto";
import { CommManager } from "../../src/jupyter/comm";
import { IvaeZmqServer, parseWireMessage, SignatureHistory } from "../../src/jupyter/kernel";

// Issue 16 item 12: replayed signed messages are rejected (bounded memory of signatures), and protocol errors go
// to the kernel's own log, not to the stderr that tslab routes into the user's last cell.

const KEY = "secret";

function signed(msgId: string, msgType: string, content: object, key = KEY): Buffer[] {
  const header = { msg_id: msgId, msg_type: msgType, session: "s", username: "u", date: "", version: "5.3" };
  const parts = [JSON.stringify(header), "{}", "{}", JSON.stringify(content)];
  const sig = createHmac("sha256", key)
    .update(parts[0])
    .update(parts[1])
    .update(parts[2])
    .update(parts[3])
    .digest("hex");
  return [Buffer.from("client"), Buffer.from("<IDS|MSG>"), Buffer.from(sig), ...parts.map((p) => Buffer.from(p))];
}

/** An IvaeZmqServer with recording sockets instead of zeromq (its constructor binds nothing). */
function server(): { s: IvaeZmqServer; replies: string[]; logs: string[] } {
  const s = new IvaeZmqServer({} as never, "unused.json", new CommManager());
  const replies: string[] = [];
  const logs: string[] = [];
  const internals = s as unknown as { connInfo: { key: string }; iopub: { send(f: unknown[]): void } };
  internals.connInfo = { key: KEY };
  internals.iopub = { send: () => undefined };
  s.log = (line) => void logs.push(line);
  return { s, replies, logs };
}

function socket(replies: string[]): { send(frames: (string | Buffer)[]): void } {
  return {
    send: (frames) => void replies.push(JSON.parse(frames[frames.indexOf("<IDS|MSG>") + 2].toString()).msg_type),
  };
}

describe("widgets: kernel replay protection and logging", () => {
  it("answers a signed message once; replays on the same or another socket are rejected and logged", async () => {
    const { s, replies, logs } = server();
    const shell = socket(replies),
      control = socket(replies);
    const frames = signed("m1", "comm_info_request", {});
    const stderr = process.stderr.write;
    const cell: string[] = [];
    // what tslab does after the first cell: stderr goes into the user's output
    process.stderr.write = ((t: string) => {
      cell.push(String(t));
      return true;
    }) as typeof process.stderr.write;
    try {
      await s.handleShellMessage(shell as never, ...frames);
      await s.handleShellMessage(shell as never, ...frames);
      await s.handleShellMessage(control as never, ...frames);
      await s.handleShellMessage(shell as never, ...signed("m2", "comm_info_request", {}, "wrong key"));
      await s.handleShellMessage(shell as never, ...signed("m3", "comm_info_request", {}));
    } finally {
      process.stderr.write = stderr;
    }
    assert.deepEqual(replies, ["comm_info_reply", "comm_info_reply"], "m1 once, m3 once");
    assert.equal(logs.filter((l) => /replayed/.test(l)).length, 2);
    assert.equal(logs.filter((l) => /invalid HMAC/.test(l)).length, 1);
    assert.deepEqual(cell, [], "nothing written to the cell's stderr");
  });

  it("parseWireMessage with a history rejects a repeat; the history forgets the oldest beyond its capacity", () => {
    const h = new SignatureHistory(3);
    const f = signed("a", "comm_msg", { comm_id: "c", data: {} });
    parseWireMessage(KEY, f, h);
    assert.throws(() => parseWireMessage(KEY, f, h), /replayed/);
    for (const id of ["b", "c", "d"]) parseWireMessage(KEY, signed(id, "comm_msg", {}), h);
    assert.equal(h.size, 3);
    parseWireMessage(KEY, f, h); // "a" was the oldest and has been forgotten: memory stays bounded
  });

  it("logs a comm message without comm_id through the manager's log instead of handling it", async () => {
    const m = new CommManager();
    const logs: string[] = [];
    m.log = (l) => void logs.push(l);
    let opened = 0;
    m.registerTarget("t", () => void opened++);
    await m.handle("comm_open", { target_name: "t", data: {} }, []);
    assert.equal(opened, 0);
    assert.match(logs[0], /comm_open without a comm_id/);
  });
});
