/**
 * Kernel-side Jupyter comm layer, independent of the transport.
 *
 * The `ivae` kernel (src/jupyter/kernel.ts) installs a {@link CommTransport} that writes comm
 * messages to the ZeroMQ iopub socket and feeds incoming `comm_*` shell messages into
 * {@link CommManager.handle}. Cell code reaches the same manager through {@link commManager}: the
 * instance lives on `globalThis` because the kernel entry point and the cells' `import "ivae"` may
 * load this module through different paths (symlinked node_modules/ivae), and they must share it.
 * Without a transport (plain Node, the stock tslab kernel) comms are detached: sends are dropped,
 * widgets still hold their state and can be exported as static HTML.
 */
import { randomUUID } from "crypto";

/** A JSON value as carried in comm message content. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The header of the Jupyter message that carried a comm message (for the parent of replies). */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** What a transport sends: one of the three comm message types. */
export type CommMsgType = "comm_open" | "comm_msg" | "comm_close";

/** Sends comm messages to the front ends (the kernel's iopub socket). */
export interface CommTransport {
  send(
    msgType: CommMsgType,
    content: { [key: string]: Json },
    metadata: { [key: string]: Json },
    buffers: Uint8Array[],
  ): void;
}

/** Callback for a message arriving on a comm from the front end. */
export type CommMsgHandler = (data: Json, buffers: Uint8Array[], header?: MessageHeader) => void | Promise<void>;
/** Callback for a comm opened by the front end on a registered target. */
export type CommTargetHandler = (comm: Comm, data: Json, buffers: Uint8Array[]) => void | Promise<void>;

/** One end of a Jupyter comm, in the kernel. */
export class Comm {
  private readonly msgHandlers: CommMsgHandler[] = [];
  private readonly closeHandlers: ((data: Json) => void)[] = [];
  private closed = false;

  constructor(
    readonly manager: CommManager,
    readonly id: string,
    readonly targetName: string,
  ) {}

  /** True once either side closed the comm. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends `comm_msg` with JSON data and optional binary buffers. */
  send(data: Json, metadata: { [key: string]: Json } = {}, buffers: Uint8Array[] = []): void {
    if (this.closed) return;
    this.manager.transport?.send("comm_msg", { comm_id: this.id, data }, metadata, buffers);
  }

  /** Closes the comm from the kernel side and tells the front ends. */
  close(data: Json = {}): void {
    if (this.closed) return;
    this.manager.transport?.send("comm_close", { comm_id: this.id, data }, {}, []);
    this.handleClose(data);
  }

  /** Registers a callback for messages from the front end. */
  onMsg(cb: CommMsgHandler): void {
    this.msgHandlers.push(cb);
  }

  /** Registers a callback run when the comm closes (either side). */
  onClose(cb: (data: Json) => void): void {
    this.closeHandlers.push(cb);
  }

  /** @internal Runs the message callbacks one after the other (awaiting async ones). */
  async handleMsg(data: Json, buffers: Uint8Array[], header?: MessageHeader): Promise<void> {
    for (const cb of this.msgHandlers) {
      try {
        await cb(data, buffers, header);
      } catch (err) {
        // A failing callback must not take the kernel down; the user sees it as stderr.
        console.error(`ivae comm ${this.id}: message handler failed:`, err);
      }
    }
  }

  /** @internal */
  handleClose(data: Json): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.forget(this.id);
    for (const cb of this.closeHandlers) {
      try {
        cb(data);
      } catch (err) {
        console.error(`ivae comm ${this.id}: close handler failed:`, err);
      }
    }
  }
}

/** Owns the open comms and the registered targets of this kernel process. */
export class CommManager {
  /** Set by the ivae kernel; undefined in plain Node (comms are then detached). */
  transport?: CommTransport;
  /** Where protocol errors (malformed comm messages) are logged; the ivae kernel points it at its own log. */
  log: (line: string) => void = (line) => console.error(line);
  /** Shows a display_data message in the current cell; set by the ivae kernel. */
  displayHook?: (data: { [mime: string]: unknown }) => void;
  private readonly comms = new Map<string, Comm>();
  private readonly targets = new Map<string, CommTargetHandler>();

  /** True when a kernel transport is installed, i.e. front ends can receive comm messages. */
  get connected(): boolean {
    return this.transport !== undefined;
  }

  /** Opens a comm to the front end on `targetName` (e.g. `jupyter.widget`). */
  open(
    targetName: string,
    data: Json = {},
    metadata: { [key: string]: Json } = {},
    buffers: Uint8Array[] = [],
    id: string = randomUUID().replace(/-/g, ""),
  ): Comm {
    const comm = new Comm(this, id, targetName);
    this.comms.set(id, comm);
    this.transport?.send("comm_open", { comm_id: id, target_name: targetName, data }, metadata, buffers);
    return comm;
  }

  /** Registers a target so that front ends can open comms to the kernel. */
  registerTarget(targetName: string, handler: CommTargetHandler): void {
    this.targets.set(targetName, handler);
  }

  /** The comm with this id, if open. */
  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /** The `comms` field of a `comm_info_reply`, optionally filtered by target. */
  commInfo(targetName?: string): { [id: string]: { target_name: string } } {
    const out: { [id: string]: { target_name: string } } = {};
    for (const [id, c] of this.comms)
      if (!targetName || c.targetName === targetName) out[id] = { target_name: c.targetName };
    return out;
  }

  /** @internal Drops a closed comm. */
  forget(id: string): void {
    this.comms.delete(id);
  }

  /**
   * Handles a comm message from a front end. Unknown comm ids are ignored (the spec says so);
   * `comm_open` on an unknown target is answered with `comm_close`, as ipykernel does.
   */
  async handle(
    msgType: CommMsgType,
    content: { [key: string]: Json },
    buffers: Uint8Array[],
    header?: MessageHeader,
  ): Promise<void> {
    const id = typeof content.comm_id === "string" ? content.comm_id : "";
    if (!id) {
      // a protocol error of the sender, not of the user's code: it goes to the kernel's log
      this.log(`ivae comm: ${msgType} without a comm_id string ignored`);
      return;
    }
    const data = content.data ?? {};
    if (msgType === "comm_open") {
      const target = String(content.target_name ?? "");
      const handler = this.targets.get(target);
      const comm = new Comm(this, id, target);
      if (!handler) {
        this.transport?.send("comm_close", { comm_id: id, data: {} }, {}, []);
        return;
      }
      this.comms.set(id, comm);
      try {
        await handler(comm, data, buffers);
      } catch (err) {
        console.error(`ivae comm target ${target} failed:`, err);
        comm.close();
      }
    } else if (msgType === "comm_msg") {
      await this.comms.get(id)?.handleMsg(data, buffers, header);
    } else {
      this.comms.get(id)?.handleClose(data);
    }
  }
}

const KEY = Symbol.for("ivae.widgets.commManager");

/** The process-wide comm manager shared by the kernel entry point and cell code. */
export function commManager(): CommManager {
  const g = globalThis as unknown as { [KEY]?: CommManager };
  if (!g[KEY]) g[KEY] = new CommManager();
  return g[KEY]!;
}
