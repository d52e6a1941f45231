/**
 * MapOverlay: the microscopy image with a marker at every atom, coloured by a chosen channel
 * (angle, dx, dy, latent 1, latent 2, class...), with channel selector, opacity and colour-scale
 * controls, and a two-way selection link with a {@link LatentScatter} (patch i = atom i).
 */
import { ImageStack } from "../data/image-stack";
import { IvaeInputError } from "../util/errors";
import { ChannelInput, checkIndices, toChannelTraits } from "./channels";
import { MAP_OVERLAY_DEFAULTS, MapOverlayState } from "./state";
import { LatentScatter, patchesToBytes } from "./latent-scatter";
import { Widget } from "./widget";

export type { MapOverlayState } from "./state";

/** Options of {@link MapOverlay}. */
export interface MapOverlayOptions {
  image: ImageStack;
  /** Atom positions in pixels of that image. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  channels?: { [name: string]: ChannelInput };
  channel?: string;
  colormap?: string;
  opacity?: number;
  vmin?: number | null;
  vmax?: number | null;
  markerSize?: number;
  /** Display width in CSS pixels (the image is scaled to it). */
  width?: number;
  title?: string;
  /** Link selections with this scatter (its points must be these atoms, in the same order). */
  scatter?: LatentScatter;
}

/** Kernel side of the MapOverlay widget. */
export class MapOverlay extends Widget<MapOverlayState> {
  readonly n: number;

  constructor(opts: MapOverlayOptions) {
    const where = "MapOverlay";
    const img = opts.image;
    if (!img || img.n < 1) throw new IvaeInputError(`${where}: image must be an ImageStack with at least one frame`);
    const first: ImageStack = {
      data: img.data.subarray(0, img.height * img.width),
      n: 1,
      height: img.height,
      width: img.width,
    };
    const x = Float32Array.from(opts.x);
    const y = Float32Array.from(opts.y);
    const n = x.length;
    if (y.length !== n) throw new IvaeInputError(`${where}: x has ${n} values, y has ${y.length}`);
    const ch = toChannelTraits(where, n, opts.channels);
    const names = Object.keys(ch.channels);
    const channel = opts.channel ?? names[0] ?? "";
    if (channel && !(channel in ch.channels))
      throw new IvaeInputError(`${where}: channel "${channel}" is not one of ${names.join(", ")}`);
    if (opts.scatter && opts.scatter.n !== n)
      throw new IvaeInputError(`${where}: linked scatter has ${opts.scatter.n} points, the overlay ${n} atoms`);
    const opacity = opts.opacity ?? MAP_OVERLAY_DEFAULTS.opacity;
    if (!(opacity >= 0 && opacity <= 1)) throw new IvaeInputError(`${where}: opacity must be in [0, 1]`);
    super("MapOverlayModel", "MapOverlayView", {
      ...MAP_OVERLAY_DEFAULTS,
      image: patchesToBytes(first),
      image_shape: [img.height, img.width],
      x,
      y,
      ...ch,
      channel,
      colormap: opts.colormap ?? MAP_OVERLAY_DEFAULTS.colormap,
      opacity,
      vmin: opts.vmin ?? MAP_OVERLAY_DEFAULTS.vmin,
      vmax: opts.vmax ?? MAP_OVERLAY_DEFAULTS.vmax,
      marker_size: opts.markerSize ?? MAP_OVERLAY_DEFAULTS.marker_size,
      scatter: opts.scatter ? `IPY_MODEL_${opts.scatter.id}` : MAP_OVERLAY_DEFAULTS.scatter,
      width: opts.width ?? MAP_OVERLAY_DEFAULTS.width,
      title: opts.title ?? MAP_OVERLAY_DEFAULTS.title,
    });
    this.n = n;
    // Kernel-side mirror of the link, so a kernel-side select() on either one shows on both.
    // (In the browser the views link the two models directly; that also works in saved HTML.)
    if (opts.scatter) {
      const sc = opts.scatter;
      sc.onChange((c, fe) => {
        if (!fe && c.selected && !sameList(c.selected, this.get("selected"))) this.set({ selected: c.selected });
      });
      this.onChange((c, fe) => {
        if (!fe && c.selected && !sameList(c.selected, sc.get("selected"))) sc.set({ selected: c.selected });
      });
    }
  }

  /** Selected atom indices. */
  get selected(): number[] {
    return this.get("selected");
  }

  /** Selects atoms from the kernel. */
  select(indices: ArrayLike<number>): void {
    this.set({ selected: checkIndices("MapOverlay.select", this.n, indices) });
  }

  /** Shows another channel. */
  showChannel(channel: string): void {
    if (!(channel in this.get("channels"))) throw new IvaeInputError(`MapOverlay.showChannel: no channel "${channel}"`);
    this.set({ channel });
  }

  protected override fromFrontend(key: string, value: unknown): unknown {
    if (key === "selected" && Array.isArray(value))
      return checkIndices("MapOverlay (from the browser)", this.n, value as number[]);
    return value;
  }
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
