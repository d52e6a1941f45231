/**
 * Typed kernel-side base class of Jupyter widgets (widget message protocol version 2.1).
 *
 * A widget is a comm on target `jupyter.widget` whose `comm_open` carries the model state, split
 * into JSON and binary buffers (`buffer_paths`). Kernel-side `set()` sends `update`; front-end
 * `update`s are applied here and answered with `echo_update` (protocol 2.1, so other front ends
 * of the same kernel stay in sync); `request_state` re-sends the whole state; `custom` messages go
 * both ways. The front-end classes live in `frontend/src` (npm module name {@link WIDGET_MODULE}).
 */
import { Comm, Json, commManager } from "./comm";
import { WIDGET_MODULE, WIDGET_MODULE_VERSION } from "./state";

export { WIDGET_MODULE, WIDGET_MODULE_VERSION } from "./state";
/** Widget message protocol version sent in the comm_open metadata. */
export const WIDGET_PROTOCOL_VERSION = "2.1.0";

/** A trait value: JSON, a typed array (sent as a binary buffer), or objects/arrays of those. */
export type TraitValue = Json | ArrayBufferView | TraitValue[] | { [key: string]: TraitValue } | undefined;

/** Binary views found in a state, with their paths; the state copy has them removed. */
export interface SplitState {
  state: { [key: string]: Json };
  bufferPaths: (string | number)[][];
  buffers: Uint8Array[];
}

function toBytes(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Removes typed arrays from a (nested) state and lists their paths, like ipywidgets' `_remove_buffers`. */
export function splitBuffers(state: { [key: string]: TraitValue }): SplitState {
  const bufferPaths: (string | number)[][] = [];
  const buffers: Uint8Array[] = [];
  const walk = (v: TraitValue, path: (string | number)[]): Json | undefined => {
    if (v === undefined) return undefined;
    if (ArrayBuffer.isView(v)) {
      bufferPaths.push(path);
      buffers.push(toBytes(v));
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]) ?? null);
    if (v !== null && typeof v === "object") {
      const o: { [key: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) {
        const j = walk(x, [...path, k]);
        if (j !== undefined) o[k] = j;
      }
      return o;
    }
    return v as Json;
  };
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(state)) {
    const j = walk(v, [k]);
    if (j !== undefined) out[k] = j;
  }
  return { state: out, bufferPaths, buffers };
}

/** Puts binary buffers back at their paths (ipywidgets' `_put_buffers`). Mutates `state`. */
export function putBuffers(
  state: { [key: string]: unknown },
  paths: (string | number)[][],
  buffers: Uint8Array[],
): void {
  paths.forEach((path, i) => {
    let obj = state as { [key: string]: unknown };
    for (const key of path.slice(0, -1)) {
      obj[key] ??= {};
      obj = obj[key] as { [key: string]: unknown };
    }
    obj[path[path.length - 1]] = buffers[i];
  });
}

/** The base state every widget model carries (the names are fixed by @jupyter-widgets/base). */
export interface BaseWidgetState {
  _model_name: string;
  _model_module: string;
  _model_module_version: string;
  _view_name: string;
  _view_module: string;
  _view_module_version: string;
  _view_count: null;
  _dom_classes: string[];
  tabbable: null;
  tooltip: null;
  layout: null;
}

/** A change listener: `changes` holds the new values; `fromFrontend` tells who made the change. */
export type ChangeListener<S> = (changes: Partial<S>, fromFrontend: boolean) => void;
/** A custom-message listener. */
export type CustomListener = (content: Json, buffers: Uint8Array[]) => void;

type DisplayWriter = (
  msg: { data: { [mime: string]: unknown }; metadata: { [key: string]: unknown } },
  update: boolean,
) => void;

/** tslab's current display writer (set while a tslab cell runs, in its kernel or the headless runner). */
function tslabDisplayWriter(): DisplayWriter | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (
      (require("tslab/dist/jupyter") as { lastWriteDisplayData: DisplayWriter | null }).lastWriteDisplayData ?? null
    );
  } catch {
    return null;
  }
}

const registry = new Map<string, Widget<object>>();

/** A widget that was created in this process and not closed (for resolving `IPY_MODEL_` references). */
export function widgetById(id: string): Widget<object> | undefined {
  return registry.get(id);
}

/** Every widget created in this process and not closed, oldest first (for saving a notebook's widget state). */
export function liveWidgets(): Widget<object>[] {
  return [...registry.values()];
}

/**
 * Typed kernel-side Jupyter widget. `S` is the model's own traits (not the base ones).
 * Subclasses pass their model/view names and initial state, and may override
 * {@link Widget.fromFrontend} to convert values arriving from the browser (buffers arrive as
 * Uint8Array views).
 */
export class Widget<S extends object> {
  readonly comm: Comm;
  protected state: S;
  private readonly base: BaseWidgetState;
  private readonly changeListeners: ChangeListener<S>[] = [];
  private readonly customListeners: CustomListener[] = [];

  constructor(modelName: string, viewName: string, state: S) {
    this.base = {
      _model_name: modelName,
      _model_module: WIDGET_MODULE,
      _model_module_version: WIDGET_MODULE_VERSION,
      _view_name: viewName,
      _view_module: WIDGET_MODULE,
      _view_module_version: WIDGET_MODULE_VERSION,
      _view_count: null,
      _dom_classes: [],
      tabbable: null,
      tooltip: null,
      layout: null,
    };
    this.state = { ...state };
    const { state: json, bufferPaths, buffers } = splitBuffers(this.fullState());
    this.comm = commManager().open(
      "jupyter.widget",
      { state: json, buffer_paths: bufferPaths },
      { version: WIDGET_PROTOCOL_VERSION },
      buffers,
    );
    this.comm.onMsg((data, bufs) => this.handleMessage(data, bufs));
    this.comm.onClose(() => registry.delete(this.id));
    registry.set(this.id, this as unknown as Widget<object>);
  }

  /** The model id (= comm id) the front end knows this widget by. */
  get id(): string {
    return this.comm.id;
  }

  /** Base traits plus the widget's own traits. */
  fullState(): { [key: string]: TraitValue } {
    return { ...this.base, ...(this.state as { [key: string]: TraitValue }) };
  }

  /** Current value of a trait. */
  get<K extends keyof S>(key: K): S[K] {
    return this.state[key];
  }

  /** Sets traits and sends them to the front ends in one `update` message. */
  set(patch: Partial<S>): void {
    Object.assign(this.state, patch);
    this.sendState(patch as { [key: string]: TraitValue }, "update");
    this.emitChange(patch, false);
  }

  /** Calls `cb` after every change of state (from the kernel or the front end). */
  onChange(cb: ChangeListener<S>): () => void {
    this.changeListeners.push(cb);
    return () => this.changeListeners.splice(this.changeListeners.indexOf(cb) >>> 0, 1);
  }

  /** Calls `cb` for every custom message from the front end. */
  onCustom(cb: CustomListener): () => void {
    this.customListeners.push(cb);
    return () => this.customListeners.splice(this.customListeners.indexOf(cb) >>> 0, 1);
  }

  /** Sends a custom message (`{method: "custom", content}`) with optional buffers. */
  sendCustom(content: Json, buffers: Uint8Array[] = []): void {
    this.comm.send({ method: "custom", content }, {}, buffers);
  }

  /** Resolves with the next custom message for which `match` is true, or rejects after `timeoutMs`. */
  nextCustom(match: (content: Json) => boolean, timeoutMs = 10000): Promise<{ content: Json; buffers: Uint8Array[] }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(
            `${this.base._model_name}: no answer from the front end within ${timeoutMs} ms (is the widget displayed?)`,
          ),
        );
      }, timeoutMs);
      const off = this.onCustom((content, buffers) => {
        if (!match(content)) return;
        clearTimeout(timer);
        off();
        resolve({ content, buffers });
      });
    });
  }

  /** The MIME bundle that displays this widget. */
  mimeBundle(): { [mime: string]: unknown } {
    return {
      "application/vnd.jupyter.widget-view+json": { version_major: 2, version_minor: 0, model_id: this.id },
      "text/plain": `${this.base._model_name.replace(/Model$/, "")}(id=${this.id})`,
    };
  }

  /**
   * Shows the widget in the output of the running cell. In the `ivae` kernel the view is live.
   * Without a kernel comm (the stock tslab kernel, the headless lecture runner) the widget is
   * detached: the same display bundle goes through tslab's display channel when there is one
   * (the output records the model id; its state can be saved with `notebookWidgetState()`), and
   * in plain Node a one-line text stands in for it. It never throws for want of a front end.
   * Returns nothing, so that a cell ending in `w.display()` prints no object dump in tslab.
   */
  display(): void {
    const hook = commManager().displayHook;
    if (hook) {
      hook(this.mimeBundle());
      return;
    }
    const write = tslabDisplayWriter();
    if (write) write({ data: this.mimeBundle(), metadata: {} }, false);
    else
      console.log(`${this.mimeBundle()["text/plain"]} (detached: no Jupyter front end; save it with saveWidgetsHtml)`);
  }

  /** What tslab / console.log print for a widget: its name and id, not the comm internals. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return String(this.mimeBundle()["text/plain"]);
  }

  /** Widgets this one refers to through `IPY_MODEL_<id>` traits (saved along with it). */
  references(): Widget<object>[] {
    const out: Widget<object>[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string" && v.startsWith("IPY_MODEL_")) {
        const w = registry.get(v.slice("IPY_MODEL_".length));
        if (w) out.push(w);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object" && !ArrayBuffer.isView(v)) Object.values(v).forEach(walk);
    };
    walk(this.state);
    return out;
  }

  /** This model's entry in a `widget-state+json` document (buffers base64-encoded). */
  embedState(): {
    model_name: string;
    model_module: string;
    model_module_version: string;
    state: { [key: string]: Json };
    buffers: { path: (string | number)[]; data: string; encoding: "base64" }[];
  } {
    const { state, bufferPaths, buffers } = splitBuffers(this.fullState());
    return {
      model_name: this.base._model_name,
      model_module: WIDGET_MODULE,
      model_module_version: WIDGET_MODULE_VERSION,
      state,
      buffers: bufferPaths.map((path, i) => ({
        path,
        data: Buffer.from(buffers[i]).toString("base64"),
        encoding: "base64",
      })),
    };
  }

  /** Closes the comm; the front-end views are removed. */
  close(): void {
    this.comm.close();
  }

  /** Converts a value coming from the front end (buffers arrive as Uint8Array). Override per trait. */
  protected fromFrontend(_key: string, value: unknown): unknown {
    return value;
  }

  private sendState(patch: { [key: string]: TraitValue }, method: "update" | "echo_update"): void {
    const { state, bufferPaths, buffers } = splitBuffers(patch);
    this.comm.send({ method, state, buffer_paths: bufferPaths }, {}, buffers);
  }

  private emitChange(patch: Partial<S>, fromFrontend: boolean): void {
    for (const cb of [...this.changeListeners]) {
      try {
        cb(patch, fromFrontend);
      } catch (err) {
        console.error(`${this.base._model_name}: change listener failed:`, err);
      }
    }
  }

  private handleMessage(data: Json, buffers: Uint8Array[]): void {
    if (!data || typeof data !== "object" || Array.isArray(data)) return;
    const method = data.method;
    if (method === "update") {
      const raw = { ...((data.state ?? {}) as { [key: string]: unknown }) };
      putBuffers(raw, (data.buffer_paths ?? []) as (string | number)[][], buffers);
      const patch: { [key: string]: unknown } = {};
      for (const [k, v] of Object.entries(raw)) patch[k] = this.fromFrontend(k, v);
      Object.assign(this.state, patch);
      // Echo exactly what was received so that every other front end shows the same state.
      this.comm.send(
        { method: "echo_update", state: data.state ?? {}, buffer_paths: data.buffer_paths ?? [] },
        {},
        buffers,
      );
      this.emitChange(patch as Partial<S>, true);
    } else if (method === "request_state") {
      this.sendState(this.fullState(), "update");
    } else if (method === "custom") {
      for (const cb of [...this.customListeners]) {
        try {
          cb(data.content ?? null, buffers);
        } catch (err) {
          console.error(`${this.base._model_name}: custom listener failed:`, err);
        }
      }
    }
  }
}
