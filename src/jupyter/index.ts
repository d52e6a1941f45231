/**
 * Kernel side of the ivae Jupyter widgets: the comm layer used by the `ivae` kernel, the typed
 * widget base class, and the LatentScatter / Traversal / MapOverlay models. See docs/widgets.md.
 */
export { Comm, CommManager, commManager } from "./comm";
export type { CommTransport, CommMsgHandler, CommTargetHandler, Json, MessageHeader } from "./comm";
export {
  Widget,
  WIDGET_MODULE,
  WIDGET_MODULE_VERSION,
  WIDGET_PROTOCOL_VERSION,
  splitBuffers,
  putBuffers,
  widgetById,
  liveWidgets,
} from "./widget";
export type { TraitValue, BaseWidgetState, ChangeListener, CustomListener } from "./widget";
export { toChannelTraits } from "./channels";
export type { ChannelInput, ChannelInfo, ChannelKind } from "./channels";
export {
  LatentScatter,
  patchesToBytes,
  hoverPatchShape,
  downsampleStack,
  MAX_PATCH_SIZE,
  MAX_PATCH_BYTES,
} from "./latent-scatter";
export type { LatentScatterOptions, LatentScatterState } from "./latent-scatter";
export { MapOverlay } from "./map-overlay";
export type { MapOverlayOptions, MapOverlayState } from "./map-overlay";
export { Traversal } from "./traversal";
export type { TraversalOptions as TraversalWidgetOptions, TraversalState as TraversalWidgetState } from "./traversal";
export {
  CoordDecoder,
  decoderConfig,
  describeDecoder,
  randomDecoder,
  decodeDescription,
  decoderFromArtifacts,
  pixelCoords,
  weightLayout,
  weightCount,
  packWeights,
  unpackWeights,
} from "./decoder";
export type { DecoderConfig, DecoderWeights, DecodeInputs, DecoderDescription, HasArtifacts } from "./decoder";
export { widgetStateDocument, widgetsHtml, saveWidgetsHtml, embedBundlePath } from "./embed";
export { notebookToHtml, exportNotebookHtml, notebookWidgetState } from "./export-notebook";
export type { ExportableNotebook, NotebookHtmlOptions, NotebookHtml } from "./export-notebook";
