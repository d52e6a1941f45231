/** Points over an image: maps (a value per position), labels, several maps side by side. */
import { ImageStack } from "../../data/image-stack";
import type { PixelSize } from "../../data/io/metadata";
import { axisCalibration } from "../calibration";
import { Colormap, autoScale, imageToPng } from "../png";
import { FigureOptions, VlSpec } from "../types";
import { concatFigures, top } from "./base";
import { ColorChannel, colorEncoding, pointRows } from "./color";
import { imageLayer } from "./images";

/** Options of values drawn at (x, y) over an image. */
export interface OverlayOptions extends FigureOptions {
  /** Colour of each point: a continuous value (maps) or category codes/names (labels). Without it, fixed colour. */
  color?: ColorChannel;
  /** Colour map of the background image (default gray). */
  colormap?: Colormap;
  /** Point area in px² (default scaled to the image). */
  size?: number;
  /** Point opacity (default 0.85). */
  opacity?: number;
  /** Fixed point colour without `color` (default orange). */
  pointColor?: string;
  /** Draw the points filled (default) or as rings. */
  filled?: boolean;
  xTitle?: string;
  yTitle?: string;
  /** Pixel size of a calibrated image (e.g. `metadata.pixelSize.x`): axes in nm instead of px. */
  pixelSize?: PixelSize | null;
}

/**
 * Points at pixel positions (x = column, y = row, sub-pixel) over an image, optionally coloured by a
 * value (a map: angle, offset, latent) or by labels. The image keeps its pixel axes, row 0 at the top.
 */
export function imageOverlay(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: OverlayOptions = {},
): VlSpec {
  const H = image.height;
  const W = image.width;
  const png = imageToPng(image, { colormap: opts.colormap, scale: autoScale(Math.max(H, W), 400) });
  // Positions stay in px in the caller's arrays; a calibrated image's axes (and points) are drawn in nm.
  const cal = axisCalibration(opts.pixelSize);
  const f = cal.factor;
  const inUnit = (v: ArrayLike<number>) => (f === 1 ? v : Float32Array.from(v, (u) => u * f));
  const { values, col } = pointRows(inUnit(x), inUnit(y), opts.color, "imageOverlay", "positions", true);
  // Pixel (row i, col j) covers [j-0.5, j+0.5] x [i-0.5, i+0.5].
  const xDom: [number, number] = [-0.5 * f, (W - 0.5) * f];
  const yDom: [number, number] = [-0.5 * f, (H - 0.5) * f];
  const width = opts.width ?? Math.min(420, Math.max(260, png.width));
  const height = opts.height ?? Math.round((width * H) / W);
  const bg = imageLayer(png.dataUrl, xDom, yDom);
  bg.encoding.y = { field: "y0", type: "quantitative" };
  bg.encoding.y2 = { field: "y1" };
  const xScale = { domain: xDom, nice: false, zero: false };
  const yScale = { domain: yDom, nice: false, zero: false, reverse: true };
  bg.encoding.x.scale = xScale;
  bg.encoding.y.scale = yScale;
  bg.encoding.x.title = opts.xTitle ?? `x (${cal.unit})`;
  bg.encoding.y.title = opts.yTitle ?? `y (${cal.unit})`;
  bg.encoding.x.axis = { grid: false };
  bg.encoding.y.axis = { grid: false };
  const area = width * height;
  const size = opts.size ?? Math.max(6, Math.min(60, (0.3 * area) / Math.max(1, values.length)));
  const filled = opts.filled ?? true;
  const points: VlSpec = {
    data: { values },
    mark: {
      type: "point",
      filled,
      size,
      opacity: opts.opacity ?? 0.85,
      strokeWidth: filled ? 0 : 1.5,
      ...(col ? {} : { color: opts.pointColor ?? "#ff7f0e" }),
    },
    encoding: {
      x: { field: "x", type: "quantitative", scale: xScale },
      y: { field: "y", type: "quantitative", scale: yScale },
      tooltip: [
        { field: "i", title: "index" },
        ...["x", "y"].map((k) => ({ field: k, title: `${k} (${cal.unit})`, format: f === 1 ? ".1f" : ".3f" })),
      ],
    },
  };
  if (col && opts.color) {
    points.encoding.color = colorEncoding(opts.color, col.type);
    points.encoding.tooltip.push({ field: "c", title: opts.color.name });
  }
  return top({ layer: [bg, points] }, { ...opts, width, height });
}

/** A map: a value per patch (angle, x offset, latent...) drawn at its (x, y) over the image. */
export function mapOverlay(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  values: ArrayLike<number>,
  opts: OverlayOptions & { name?: string; scheme?: string; domain?: [number, number]; domainMid?: number } = {},
): VlSpec {
  return imageOverlay(image, x, y, {
    ...opts,
    color: opts.color ?? {
      values,
      name: opts.name ?? "value",
      type: "quantitative",
      scheme: opts.scheme ?? "viridis",
      domain: opts.domain,
      domainMid: opts.domainMid,
    },
  });
}

/** Several maps over the same image, one panel each, each with its own colour scale. */
export function mapOverlays(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maps: Record<
    string,
    ArrayLike<number> | { values: ArrayLike<number>; scheme?: string; domain?: [number, number]; domainMid?: number }
  >,
  opts: OverlayOptions & { columns?: number } = {},
): VlSpec {
  const panels = Object.entries(maps).map(([name, m]) => {
    const spec =
      typeof (m as ArrayLike<number>).length === "number"
        ? mapOverlay(image, x, y, m as ArrayLike<number>, { ...opts, title: name, name, width: opts.width ?? 260 })
        : mapOverlay(image, x, y, (m as { values: ArrayLike<number> }).values, {
            ...opts,
            ...(m as object),
            title: name,
            name,
            width: opts.width ?? 260,
          });
    return spec;
  });
  return concatFigures(panels, { columns: opts.columns ?? 3, title: opts.title });
}

/** Labels (e.g. clusters or species) at (x, y) over the image, one colour per label. */
export function labelledImage(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  labels: ArrayLike<number> | string[],
  opts: OverlayOptions & { labelNames?: string[]; name?: string } = {},
): VlSpec {
  const names =
    opts.labelNames ??
    (typeof (labels as ArrayLike<unknown>)[0] === "number"
      ? Array.from(new Set(Array.from(labels as ArrayLike<number>)))
          .sort((a, b) => a - b)
          .reduce((acc: string[], k) => {
            acc[k] = `${opts.name ?? "class"} ${k}`;
            return acc;
          }, [])
      : undefined);
  return imageOverlay(image, x, y, {
    ...opts,
    color: opts.color ?? {
      values: labels,
      name: opts.name ?? "label",
      type: "nominal",
      categories: names?.map((s, k) => s ?? `class ${k}`),
    },
  });
}
