/**
 * A minimal widget manager for pages outside JupyterLab: it knows the ivae-widgets classes and
 * (optionally) the standard @jupyter-widgets/base models, renders views into DOM elements, and
 * can be connected to a live kernel (live.ts) or fed saved state (embed.ts).
 */
import * as base from "@jupyter-widgets/base";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import { Widget } from "@lumino/widgets";
import * as ivae from "./index";

type Ctor = typeof base.WidgetModel | typeof base.WidgetView;

/** ManagerBase that resolves classes from the bundled modules only (no network, no require.js). */
export class IvaeManager extends ManagerBase {
  protected async loadClass(className: string, moduleName: string, _moduleVersion: string): Promise<Ctor> {
    const mod =
      moduleName === ivae.MODULE_NAME
        ? (ivae as unknown as { [k: string]: Ctor })
        : moduleName === "@jupyter-widgets/base"
          ? (base as unknown as { [k: string]: Ctor })
          : undefined;
    const cls = mod?.[className];
    if (!cls) throw new Error(`ivae-widgets manager: class ${className} not found in module ${moduleName}`);
    return cls;
  }

  protected async _create_comm(
    _target: string,
    _modelId?: string,
    _data?: unknown,
    _metadata?: unknown,
    _buffers?: ArrayBuffer[] | ArrayBufferView[],
  ): Promise<base.IClassicComm> {
    throw new Error("no kernel: this page shows saved widget state");
  }

  protected async _get_comm_info(): Promise<{}> {
    return {};
  }

  /** Creates a view of model `modelId` and attaches it to `el`. */
  async renderInto(modelId: string, el: HTMLElement): Promise<base.DOMWidgetView> {
    const model = await this.get_model(modelId);
    const view = (await this.create_view(model)) as base.DOMWidgetView;
    Widget.attach(view.luminoWidget, el);
    return view;
  }
}
