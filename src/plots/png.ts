/**
 * Images (ImageStack, single images, grids of images) to PNG bytes and data URLs, with colour maps.
 */
import { ImageStack, imageStack, isImageStack } from "../data/image-stack";
import { encodePngRgb } from "../data/io/png";
import { IvaeInputError, check, checkInt } from "../util/errors";

/** A colour map: value in [0,1] -> [r,g,b] in 0..255. */
export type Colormap = "gray" | "viridis" | "magma" | "coolwarm" | ((t: number) => [number, number, number]);

// Anchor colours sampled from matplotlib's maps at t = 0, 1/8, ..., 1 (linear interpolation between).
const ANCHORS: Record<string, number[][]> = {
  viridis: [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
  ],
  magma: [
    [0, 0, 4],
    [28, 16, 68],
    [79, 18, 123],
    [129, 37, 129],
    [181, 54, 122],
    [229, 80, 100],
    [251, 135, 97],
    [254, 194, 135],
    [252, 253, 191],
  ],
  coolwarm: [
    [59, 76, 192],
    [86, 116, 226],
    [119, 154, 248],
    [155, 186, 254],
    [221, 221, 221],
    [243, 186, 160],
    [244, 154, 123],
    [222, 96, 77],
    [180, 4, 38],
  ],
};

/** Resolve a colour map to a function t in [0,1] -> RGB. */
export function colormapFn(cmap: Colormap = "gray"): (t: number) => [number, number, number] {
  if (typeof cmap === "function") return cmap;
  if (cmap === "gray")
    return (t) => {
      const v = Math.round(255 * t);
      return [v, v, v];
    };
  const a = ANCHORS[cmap];
  if (!a)
    throw new IvaeInputError(
      `colormap: unknown colour map "${cmap}"; expected gray, viridis, magma, coolwarm or a function`,
    );
  return (t) => {
    const s = Math.min(1, Math.max(0, t)) * (a.length - 1);
    const i = Math.min(a.length - 2, Math.floor(s));
    const f = s - i;
    return [0, 1, 2].map((k) => Math.round(a[i][k] + f * (a[i + 1][k] - a[i][k]))) as [number, number, number];
  };
}

/** Encode RGBA bytes (row-major, 4 bytes a pixel) as a PNG file (the data area's `encodePngRgb`). */
export function encodeRgbaPng(rgba: Uint8Array, width: number, height: number): Buffer {
  return encodePngRgb(rgba, width, height, 4);
}

/** Options for turning float images into pixels. */
export interface ImagePngOptions {
  /** Colour map (default gray). */
  colormap?: Colormap;
  /** Value mapped to the low end of the colour map (default: the minimum of the data). */
  vmin?: number;
  /** Value mapped to the high end (default: the maximum of the data). */
  vmax?: number;
  /** Integer upscaling with nearest-neighbour pixels so small images stay crisp (default 1). */
  scale?: number;
}

/** Options for a grid of images. */
export interface ImageGridOptions extends ImagePngOptions {
  /** Columns of the grid (default: ceil(sqrt(n))). */
  cols?: number;
  /** Gap between tiles in (unscaled) pixels (default 1). */
  pad?: number;
  /** Normalise every tile on its own range instead of the common one (default false). */
  perImage?: boolean;
  /** Colour of the gaps, RGB (default white). */
  padColor?: [number, number, number];
}

/** A rendered PNG with its size and a `data:` URL for vega-lite image marks and HTML. */
export interface PngImage {
  png: Buffer;
  width: number;
  height: number;
  dataUrl: string;
}

function range(data: ArrayLike<number>, start: number, end: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < end; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

function asStack(images: ImageStack | { data: ArrayLike<number>; height: number; width: number }): ImageStack {
  if (isImageStack(images)) return images;
  const im = images as { data: ArrayLike<number>; height: number; width: number };
  check(
    im && im.data && im.height > 0 && im.width > 0,
    "imageToPng",
    "expected an ImageStack or {data, height, width}",
  );
  return imageStack(Float32Array.from(im.data), 1, im.height, im.width);
}

/**
 * A grid of images (an ImageStack, e.g. a manifold) as one PNG. The tiles are placed row-major,
 * `cols` a row; all tiles share one intensity range unless `perImage` is set.
 */
export function imageGridPng(images: ImageStack, opts: ImageGridOptions = {}): PngImage {
  const stack = asStack(images);
  const { n, height: h, width: w, data } = stack;
  check(n > 0, "imageGridPng", "expected at least one image");
  const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
  checkInt(cols, "imageGridPng", "cols");
  const rows = Math.ceil(n / cols);
  const pad = n === 1 ? 0 : (opts.pad ?? 1);
  const scale = opts.scale ?? 1;
  checkInt(scale, "imageGridPng", "scale");
  const cmap = colormapFn(opts.colormap);
  const padColor = opts.padColor ?? [255, 255, 255];
  const W0 = cols * w + (cols - 1) * pad;
  const H0 = rows * h + (rows - 1) * pad;
  const W = W0 * scale;
  const H = H0 * scale;
  const rgba = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    rgba[4 * p] = padColor[0];
    rgba[4 * p + 1] = padColor[1];
    rgba[4 * p + 2] = padColor[2];
    rgba[4 * p + 3] = 255;
  }
  const global = range(data, 0, data.length);
  for (let k = 0; k < n; k++) {
    const [lo0, hi0] = opts.perImage ? range(data, k * h * w, (k + 1) * h * w) : global;
    const lo = opts.vmin ?? lo0;
    const hi = opts.vmax ?? hi0;
    const span = hi > lo ? hi - lo : 1;
    const r0 = Math.floor(k / cols) * (h + pad);
    const c0 = (k % cols) * (w + pad);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = data[k * h * w + i * w + j];
        const rgb = Number.isFinite(v) ? cmap((v - lo) / span) : [255, 0, 255];
        for (let si = 0; si < scale; si++) {
          const row = (r0 + i) * scale + si;
          for (let sj = 0; sj < scale; sj++) {
            const o = 4 * (row * W + (c0 + j) * scale + sj);
            rgba[o] = rgb[0];
            rgba[o + 1] = rgb[1];
            rgba[o + 2] = rgb[2];
          }
        }
      }
    }
  }
  const png = encodeRgbaPng(rgba, W, H);
  return { png, width: W, height: H, dataUrl: `data:image/png;base64,${png.toString("base64")}` };
}

/** One image (the first of a stack, or `{data, height, width}`) as a PNG. */
export function imageToPng(
  image: ImageStack | { data: ArrayLike<number>; height: number; width: number },
  opts: ImagePngOptions = {},
): PngImage {
  const stack = asStack(image);
  const one =
    stack.n === 1
      ? stack
      : imageStack(stack.data.subarray(0, stack.height * stack.width), 1, stack.height, stack.width);
  return imageGridPng(one, { ...opts, cols: 1 });
}

/** The integer upscale factor that brings `size` pixels up to at least `target` pixels. */
export function autoScale(size: number, target = 320): number {
  return Math.max(1, Math.ceil(target / Math.max(1, size)));
}
