/** Widget models: the module name and version, a model typed by the kernel's state, the _model_/_view_ names. */
import { DOMWidgetModel } from "@jupyter-widgets/base";
import { WIDGET_FRONTEND_VERSION, WIDGET_MODULE, WireState } from "../../../src/jupyter/state";

/** The npm/AMD module name the kernel asks for (src/jupyter/state.ts). */
export const MODULE_NAME = WIDGET_MODULE;
/** Version of this front-end module (src/jupyter/state.ts). */
export const MODULE_VERSION = WIDGET_FRONTEND_VERSION;

/**
 * A widget model with one typed state `S`, the kernel's state type as the browser receives it
 * (src/jupyter/state.ts): `get("width")` is a number, a misspelt trait name does not compile.
 */
export class TypedModel<S extends object> extends DOMWidgetModel {
  override get<K extends keyof S & string>(key: K): S[K];
  /** Any other attribute (base traits, Backbone internals) is `unknown`: a misspelt trait does not type-check. */
  override get(key: string): unknown;
  override get(key: string): unknown {
    return super.get(key);
  }
}

/** A typed model of kernel state `S` (typed arrays arrive as DataView/bytes). */
export type ModelOf<S extends object> = TypedModel<WireState<S>>;

/** The `_model_*` / `_view_*` defaults of an ivae-widgets model. */
export function modelNames(model: string, view: string): Backbone.ObjectHash {
  return {
    _model_name: model,
    _model_module: MODULE_NAME,
    _model_module_version: MODULE_VERSION,
    _view_name: view,
    _view_module: MODULE_NAME,
    _view_module_version: MODULE_VERSION,
  };
}
