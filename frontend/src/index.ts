/**
 * ivae-widgets: front-end models and views of the ivae Jupyter widgets, on @jupyter-widgets/base.
 * One ES module feeds the JupyterLab extension (plugin.ts), the static embed bundle (embed.ts) and
 * the live test page (live.ts).
 */
export { MODULE_NAME, MODULE_VERSION } from "./common";
export { LatentScatterModel, LatentScatterView } from "./scatter";
export { MapOverlayModel, MapOverlayView } from "./overlay";
export { TraversalModel, TraversalView } from "./traversal";
