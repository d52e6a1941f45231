/**
 * Live page entry: connects to a Jupyter server with @jupyterlab/services, starts a kernel and
 * renders the widgets the kernel displays. This is what the browser tests drive; it also shows
 * the widgets working against any Jupyter server without JupyterLab.
 */
import * as base from "@jupyter-widgets/base";
import { KernelManager, KernelMessage, ServerConnection, Kernel } from "@jupyterlab/services";
import { IvaeManager } from "./manager";

/** Widget manager wired to a live kernel's comms. */
export class LiveManager extends IvaeManager {
  constructor(readonly kernel: Kernel.IKernelConnection) {
    super();
    kernel.registerCommTarget("jupyter.widget", (comm, msg) => {
      void this.handle_comm_open(new base.shims.services.Comm(comm), msg);
    });
  }
  protected override async _create_comm(
    target: string,
    modelId?: string,
    data?: any,
    metadata?: any,
    buffers?: ArrayBuffer[] | ArrayBufferView[],
  ): Promise<base.IClassicComm> {
    const comm = this.kernel.createComm(target, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new base.shims.services.Comm(comm);
  }
  protected override async _get_comm_info(): Promise<{}> {
    const reply = await this.kernel.requestCommInfo({ target_name: "jupyter.widget" });
    return reply.content.status === "ok" ? reply.content.comms : {};
  }
}

/** Result of running one cell: text streams, display outputs and the reply status. */
export interface CellResult {
  status: string;
  executionCount: number | null;
  stdout: string;
  stderr: string;
  displayed: string[];
}

/** Connects, starts a kernel of `kernelName`, and returns helpers to run cells and show widgets. */
export async function connect(opts: { baseUrl: string; token: string; kernelName: string; output: HTMLElement }) {
  const settings = ServerConnection.makeSettings({
    baseUrl: opts.baseUrl,
    wsUrl: opts.baseUrl.replace(/^http/, "ws"),
    token: opts.token,
    appendToken: true,
  });
  const km = new KernelManager({ serverSettings: settings });
  const kernel = await km.startNew({ name: opts.kernelName });
  await kernel.info;
  const manager = new LiveManager(kernel);
  async function run(code: string): Promise<CellResult> {
    const res: CellResult = { status: "", executionCount: null, stdout: "", stderr: "", displayed: [] };
    const cell = document.createElement("div");
    cell.className = "cell-output";
    opts.output.append(cell);
    const future = kernel.requestExecute({ code, stop_on_error: false });
    const views: Promise<unknown>[] = [];
    future.onIOPub = (msg) => {
      const t = msg.header.msg_type;
      if (t === "stream") {
        const c = (msg as KernelMessage.IStreamMsg).content;
        if (c.name === "stdout") res.stdout += c.text;
        else res.stderr += c.text;
      } else if (t === "execute_input") {
        res.executionCount = (msg as KernelMessage.IExecuteInputMsg).content.execution_count;
      } else if (t === "display_data") {
        const data = (msg as KernelMessage.IDisplayDataMsg).content.data;
        const wv = data["application/vnd.jupyter.widget-view+json"] as { model_id?: string } | undefined;
        if (wv?.model_id) {
          res.displayed.push(wv.model_id);
          const el = document.createElement("div");
          el.className = "widget-output";
          el.dataset.modelId = wv.model_id;
          cell.append(el);
          views.push(manager.renderInto(wv.model_id, el));
        } else if (typeof data["text/plain"] === "string") cell.append(String(data["text/plain"]));
      }
    };
    const reply = await future.done;
    res.status = reply.content.status;
    await Promise.all(views);
    return res;
  }
  return { kernel, manager, run, shutdown: () => kernel.shutdown() };
}

(window as unknown as { ivaeLive: unknown }).ivaeLive = { connect };
