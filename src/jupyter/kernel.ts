#!/usr/bin/env node
/**
 * The `ivae` Jupyter kernel: tslab 1.0.22 plus the Jupyter comm protocol, so that Jupyter widgets
 * (protocol version 2, target `jupyter.widget`) work from TypeScript cells.
 *
 * tslab is not forked: {@link IvaeZmqServer} extends its `ZmqServer` and overrides the shell
 * handler. It fixes two bugs of stock tslab:
 * - `comm_info_request` is answered with msg_type `complete_reply` and no comms (here:
 *   `comm_info_reply` with the open comms);
 * - the HMAC is computed over every frame including binary buffers, so any message with buffers is
 *   rejected as "invalid hmac" (the spec signs only header, parent, metadata and content).
 * It also publishes `execute_input`, without which front ends never learn the execution count.
 *
 * Usage (what the kernelspec's argv runs): `node dist/src/jupyter/kernel.js <connection_file>`.
 * This relies on tslab internals (`handleShellMessage`, `handleExecute`, `connInfo`, `iopub`,
 * `handler.execCount`), hence the exact pin of tslab to 1.0.22 in package.json.
 */
import { createHmac, randomUUID, timingSafeEqual } from "crypto";
import * as fs from "fs";
import { createConverter } from "tslab/dist/converter";
import { createExecutor, ConverterSet } from "tslab/dist/executor";
import * as tslabJupyter from "tslab/dist/jupyter";
import { CommManager, CommMsgType, Json, MessageHeader, commManager } from "./comm";

const DELIM = "<IDS|MSG>";
const COMM_TYPES = new Set(["comm_open", "comm_msg", "comm_close"]);

/** A parsed wire message (Jupyter messaging spec 5.x). */
export interface WireMessage {
  identities: Buffer[];
  header: MessageHeader;
  parent: MessageHeader | Record<string, never>;
  metadata: { [key: string]: Json };
  content: { [key: string]: Json };
  buffers: Uint8Array[];
  /** Index of the delimiter frame, for handing a buffer-free copy to tslab. */
  delimIndex: number;
}

/** HMAC-SHA256 signature of the four JSON parts (an empty key means signing is off). */
export function signParts(key: string, parts: (string | Buffer)[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts.slice(0, 4)) h.update(p);
  return h.digest("hex");
}

/**
 * The signatures of recently accepted messages, so that a captured message cannot be replayed: a
 * correctly signed message is accepted once, on any socket. Bounded like ipykernel's
 * `Session.digest_history` (2^16 entries); the oldest signatures are forgotten first.
 */
export class SignatureHistory {
  private readonly seen = new Set<string>();
  constructor(readonly capacity = 65536) {}

  /** Records `sig`; false when it was already there (a replay). */
  add(sig: string): boolean {
    if (this.seen.has(sig)) return false;
    this.seen.add(sig);
    // a Set iterates in insertion order: the first entry is the oldest
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * Writes a line to the kernel's own log: file descriptor 2 of the kernel process, which the Jupyter
 * server keeps in its log. tslab redirects `process.stderr.write` into the output of the last cell, so
 * `console.error` would print protocol noise (and whatever anyone who can reach the port sends) into the
 * user's notebook. At most 100 lines a minute, so that a flood cannot fill the server's log either.
 */
export function kernelLog(line: string): void {
  const now = Date.now();
  if (now - logWindow.start > 60000) {
    if (logWindow.dropped > 0) writeFd2(`ivae kernel: ${logWindow.dropped} log lines suppressed in the last minute`);
    logWindow.start = now;
    logWindow.count = 0;
    logWindow.dropped = 0;
  }
  if (++logWindow.count > 100) {
    logWindow.dropped++;
    return;
  }
  writeFd2(line);
}

const logWindow = { start: 0, count: 0, dropped: 0 };

function writeFd2(line: string): void {
  try {
    fs.writeSync(2, `[${new Date().toISOString()}] ${line}\n`);
  } catch {
    /* no stderr: nothing to log to */
  }
}

/**
 * Parses and verifies raw frames. Unlike tslab's parser it signs only header/parent/metadata/
 * content and keeps the binary buffers that follow. With a `history`, a signature seen before is
 * rejected as a replay (Jupyter messaging spec, "The Wire Protocol": kernels should track signatures).
 */
export function parseWireMessage(key: string, frames: Buffer[], history?: SignatureHistory): WireMessage {
  const delimIndex = frames.findIndex((f) => f.length === DELIM.length && f.toString() === DELIM);
  if (delimIndex < 0) throw new Error("ivae kernel: message without <IDS|MSG> delimiter");
  const sig = frames[delimIndex + 1].toString();
  const parts = frames.slice(delimIndex + 2, delimIndex + 6);
  if (parts.length < 4) throw new Error("ivae kernel: message with fewer than 4 parts");
  const want = signParts(key, parts);
  if (key && (sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want)))) {
    throw new Error("ivae kernel: invalid HMAC signature");
  }
  if (key && history && !history.add(sig)) {
    throw new Error("ivae kernel: replayed message (signature already seen), ignored");
  }
  return {
    identities: frames.slice(0, delimIndex),
    header: JSON.parse(parts[0].toString()),
    parent: JSON.parse(parts[1].toString()),
    metadata: JSON.parse(parts[2].toString()),
    content: JSON.parse(parts[3].toString()),
    // Copy: zeromq may reuse the frame memory once the handler yields.
    buffers: frames.slice(delimIndex + 6).map((b) => new Uint8Array(b)),
    delimIndex,
  };
}

/** tslab's ZmqServer with the comm protocol and `execute_input`. */
export class IvaeZmqServer extends tslabJupyter.ZmqServer {
  /** Session id of this kernel, used in the headers of the messages it originates. */
  readonly session = randomUUID();
  /** Header of the request being handled; the parent of comm messages sent from cells/callbacks. */
  private currentParent: MessageHeader | Record<string, never> = {};
  /** Signatures already accepted on the shell and control sockets. */
  readonly signatures = new SignatureHistory();
  /** Where protocol errors go: the kernel's own log, never the cell output. */
  log: (line: string) => void = kernelLog;

  constructor(
    handler: tslabJupyter.JupyterHandlerImpl,
    configPath: string,
    readonly comms: CommManager = commManager(),
  ) {
    super(handler, configPath);
    comms.log = (line) => this.log(line);
    comms.transport = {
      send: (msgType: CommMsgType, content, metadata, buffers) => this.publish(msgType, content, metadata, buffers),
    };
    comms.displayHook = (data) => {
      const write = tslabJupyter.lastWriteDisplayData as unknown as ((d: unknown, update: boolean) => void) | null;
      if (!write) throw new Error("ivae kernel: no cell is running, cannot display");
      write({ data, metadata: {}, transient: {} }, false);
    };
  }

  /** Sends a message on iopub with binary buffers appended after the signed parts. */
  publish(
    msgType: string,
    content: { [key: string]: Json },
    metadata: { [key: string]: Json } = {},
    buffers: Uint8Array[] = [],
    parent = this.currentParent,
  ): void {
    const header: MessageHeader = {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: this.session,
      username: "kernel",
      date: new Date().toISOString(),
      version: "5.3",
    };
    const parts = [JSON.stringify(header), JSON.stringify(parent), JSON.stringify(metadata), JSON.stringify(content)];
    const frames: (string | Buffer)[] = [
      `kernel.${this.session}.${msgType}`,
      DELIM,
      signParts(this.connInfo.key, parts),
      ...parts,
    ];
    for (const b of buffers) frames.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    // zeromq 6 queues sends; tslab does not await them either. Log instead of an unhandled rejection.
    Promise.resolve(this.iopub.send(frames)).catch((err: unknown) =>
      this.log(`ivae kernel: iopub send failed: ${String(err)}`),
    );
  }

  private reply(
    sock: { send(frames: (string | Buffer)[]): unknown },
    req: WireMessage,
    msgType: string,
    content: { [key: string]: Json },
  ): void {
    const header: MessageHeader = {
      ...req.header,
      msg_id: randomUUID(),
      msg_type: msgType,
      date: new Date().toISOString(),
      version: "5.3",
    };
    const parts = [JSON.stringify(header), JSON.stringify(req.header), "{}", JSON.stringify(content)];
    Promise.resolve(sock.send([...req.identities, DELIM, signParts(this.connInfo.key, parts), ...parts])).catch(
      (err: unknown) => this.log(`ivae kernel: reply failed: ${String(err)}`),
    );
  }

  override async handleShellMessage(
    sock: Parameters<tslabJupyter.ZmqServer["handleShellMessage"]>[0],
    ...frames: Buffer[]
  ): Promise<void> {
    let msg: WireMessage;
    try {
      msg = parseWireMessage(this.connInfo.key, frames, this.signatures);
    } catch (err) {
      this.log(String(err));
      return;
    }
    const type = msg.header.msg_type;
    if (type === "comm_info_request") {
      this.publish("status", { execution_state: "busy" }, {}, [], msg.header);
      const target = typeof msg.content.target_name === "string" ? msg.content.target_name : undefined;
      this.reply(sock, msg, "comm_info_reply", { status: "ok", comms: this.comms.commInfo(target) });
      this.publish("status", { execution_state: "idle" }, {}, [], msg.header);
      return;
    }
    if (!COMM_TYPES.has(type)) {
      // tslab's own parser re-verifies the HMAC over all frames, so hand it the frames without buffers.
      return super.handleShellMessage(sock, ...frames.slice(0, msg.delimIndex + 6));
    }
    this.publish("status", { execution_state: "busy" }, {}, [], msg.header);
    const previous = this.currentParent;
    this.currentParent = msg.header;
    try {
      await this.comms.handle(type as CommMsgType, msg.content, msg.buffers, msg.header);
    } finally {
      this.currentParent = previous;
      this.publish("status", { execution_state: "idle" }, {}, [], msg.header);
    }
  }

  override async handleExecute(
    sock: unknown,
    msg: { header: MessageHeader; content: { code?: string; silent?: boolean } },
  ): Promise<void> {
    this.currentParent = msg.header;
    if (!msg.content.silent) {
      // tslab increments execCount inside handleExecute; the input gets the count it will use.
      const count = ((this.handler as unknown as { execCount: number }).execCount ?? 0) + 1;
      this.publish("execute_input", { code: msg.content.code ?? "", execution_count: count }, {}, [], msg.header);
    }
    return super.handleExecute(sock, msg as never);
  }
}

/** Starts the kernel on a connection file, like tslab's `startKernel` (TypeScript mode). */
export function startIvaeKernel(configPath: string, opts: { jsKernel?: boolean } = {}): IvaeZmqServer {
  const jsKernel = opts.jsKernel ?? false;
  let node: ReturnType<typeof createConverter> | undefined;
  let browser: ReturnType<typeof createConverter> | undefined;
  const convs: ConverterSet = {
    get node() {
      return (node ??= createConverter({ isJS: jsKernel, isBrowser: false }));
    },
    get browser() {
      return (browser ??= createConverter({ isJS: jsKernel, isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
  void convs.node; // warm the TypeScript converter before the first cell, as tslab does
  const executor = createExecutor(process.cwd(), convs, { log: console.log, error: console.error });
  const server = new IvaeZmqServer(new tslabJupyter.JupyterHandlerImpl(executor, jsKernel), configPath);
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  void server.init();
  return server;
}

if (require.main === module) {
  const args = process.argv.slice(2).filter((a) => a !== "--config-path");
  if (args.length !== 1) {
    console.error("usage: node dist/src/jupyter/kernel.js <connection_file>");
    process.exit(2);
  }
  startIvaeKernel(args[0]);
}
