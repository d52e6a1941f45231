/**
 * The state of each ivae widget, declared once for both sides: the kernel's `Widget<State>`
 * subclasses and the front-end models in `frontend/src` import these types and defaults (as anywidget
 * does with one typed state per widget and `model.get<K extends keyof State>(key)`). Browser-safe:
 * types, constants and plain objects only.
 */
import type { ChannelTraits } from "./channels";
import type { DecoderConfig } from "./decoder-math";

/** Front-end module that holds the views and models (the lab extension / embed bundle). */
export const WIDGET_MODULE = "ivae-widgets";
/** Version of that front-end module (frontend/src announces it, the lab extension is built at it). */
export const WIDGET_FRONTEND_VERSION = "0.1.0";
/** Semver range of the front-end module the kernel asks for. */
export const WIDGET_MODULE_VERSION = `^${WIDGET_FRONTEND_VERSION}`;

/**
 * Traits every point view shares (LatentScatter, MapOverlay): positions, channels, the selection, the
 * frame. The front end's base view (frontend/src/points-view.ts) reads these.
 */
export interface PointsState extends ChannelTraits {
  /** Point positions (latent codes, or pixels: x = column, y = row). */
  x: Float32Array;
  y: Float32Array;
  /** Selected point indices, ascending. */
  selected: number[];
  width: number;
  title: string;
}

/** Traits of the LatentScatter model (names as the front end sees them). */
export interface LatentScatterState extends PointsState {
  color_by: string;
  colormap: string;
  /** n × patch_shape patches as 8-bit grey (0..255), or null. */
  patches: Uint8Array | null;
  patch_shape: [number, number];
  /** Shape of the patches as given, before downsampling for the browser. */
  patch_source_shape: [number, number];
  hovered: number;
  point_size: number;
  height: number;
  x_label: string;
  y_label: string;
}

/** Traits of the MapOverlay model. */
export interface MapOverlayState extends PointsState {
  /** The image (first frame of the stack), 8-bit grey over its own range. */
  image: Uint8Array;
  image_shape: [number, number];
  channel: string;
  colormap: string;
  opacity: number;
  /** Colour-scale limits; null = the channel's range. */
  vmin: number | null;
  vmax: number | null;
  marker_size: number;
  /** `IPY_MODEL_<id>` of a linked LatentScatter, or null (the front end gets the model itself). */
  scatter: string | null;
}

/** Traits of the Traversal model. */
export interface TraversalState {
  decoder_config: DecoderConfig;
  decoder_weights: Float32Array;
  /** Latent coordinates (length latentDim). */
  z: number[];
  /** One-hot label index for conditional decoders (-1 = none). */
  label: number;
  /** Rotation (rad, counter-clockwise) and shift (px, +dx right, +dy down). */
  angle: number;
  dx: number;
  dy: number;
  z_range: [number, number];
  angle_range: [number, number];
  shift_range: [number, number];
  /** Display size of one image pixel, in CSS pixels. */
  scale: number;
  /** Requested tfjs backend in the browser. */
  backend: "auto" | "wasm" | "cpu";
  /** Backend the browser actually uses (set by the front end). */
  backend_used: string;
  /** Show the 2-D pad for (z1, z2). */
  pad: boolean;
}

/** How a binary trait arrives in the browser (the widget manager hands over a DataView, or a buffer/view). */
export type WireBytes = DataView | ArrayBuffer | ArrayBufferView;

/** A trait value as the front end sees it: typed arrays (also in a name → array map) arrive as {@link WireBytes}. */
export type WireValue<V> = V extends ArrayBufferView
  ? WireBytes
  : V extends { [name: string]: ArrayBufferView }
    ? { [name: string]: WireBytes }
    : V;

/** A widget state as the front end sees it. */
export type WireState<S> = { [K in keyof S]: WireValue<S[K]> };

/** Defaults of the LatentScatter traits the kernel does not compute from the data. */
export const LATENT_SCATTER_DEFAULTS: Pick<
  LatentScatterState,
  "color_by" | "colormap" | "selected" | "hovered" | "width" | "height" | "title"
> = {
  color_by: "",
  colormap: "viridis",
  selected: [],
  hovered: -1,
  width: 520,
  height: 440,
  title: "",
};

/** Defaults of the MapOverlay traits the kernel does not compute from the data. */
export const MAP_OVERLAY_DEFAULTS: Pick<
  MapOverlayState,
  "colormap" | "opacity" | "vmin" | "vmax" | "marker_size" | "selected" | "scatter" | "width" | "title"
> = {
  colormap: "auto",
  opacity: 0.85,
  vmin: null,
  vmax: null,
  marker_size: 3,
  selected: [],
  scatter: null,
  width: 520,
  title: "",
};

/** Defaults of the Traversal traits the kernel does not compute from the decoder. */
export const TRAVERSAL_DEFAULTS: Pick<
  TraversalState,
  "angle" | "dx" | "dy" | "z_range" | "angle_range" | "backend" | "backend_used"
> = {
  angle: 0,
  dx: 0,
  dy: 0,
  z_range: [-3, 3],
  angle_range: [-Math.PI, Math.PI],
  backend: "auto",
  backend_used: "",
};

/** Placeholders for the traits a widget's kernel always computes from its data, keyed by exactly those traits. */
export type DataPlaceholders<S, D> = { [K in Exclude<keyof S, keyof D>]: S[K] | null };

/** What a LatentScatter model holds before the kernel's state arrives (front-end model defaults). */
export const LATENT_SCATTER_PLACEHOLDERS: DataPlaceholders<LatentScatterState, typeof LATENT_SCATTER_DEFAULTS> = {
  x: null,
  y: null,
  channels: {},
  channel_info: {},
  patches: null,
  patch_shape: [0, 0],
  patch_source_shape: [0, 0],
  point_size: 3,
  x_label: "z1",
  y_label: "z2",
};

/** What a MapOverlay model holds before the kernel's state arrives. */
export const MAP_OVERLAY_PLACEHOLDERS: DataPlaceholders<MapOverlayState, typeof MAP_OVERLAY_DEFAULTS> = {
  image: null,
  image_shape: [0, 0],
  x: null,
  y: null,
  channels: {},
  channel_info: {},
  channel: "",
};

/** What a Traversal model holds before the kernel's state arrives. */
export const TRAVERSAL_PLACEHOLDERS: DataPlaceholders<TraversalState, typeof TRAVERSAL_DEFAULTS> = {
  decoder_config: null,
  decoder_weights: null,
  z: [0, 0],
  label: -1,
  shift_range: [-5, 5],
  scale: 4,
  pad: true,
};
