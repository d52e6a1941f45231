/**
 * JupyterLab 4 / Notebook 7 plugin: registers the ivae-widgets module with the widget manager of
 * jupyterlab_widgets (the @jupyter-widgets/base-manager `IJupyterWidgetRegistry` token), the same
 * way ipywidgets' own controls are registered.
 */
import { IJupyterWidgetRegistry } from "@jupyter-widgets/base";
import * as widgets from "./index";

const plugin = {
  id: "ivae-widgets:plugin",
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate: (
    _app: unknown,
    registry: { registerWidget(w: { name: string; version: string; exports: unknown }): void },
  ): void => {
    registry.registerWidget({ name: widgets.MODULE_NAME, version: widgets.MODULE_VERSION, exports: widgets });
  },
};

export default plugin;
