import { channelAt, channelCount, ImageStack, isImageStack, mergeChannels } from "../data/image-stack";
import { check, checkInt } from "../util/errors";
import { asStack } from "./find";

/**
 * Square image patches with their provenance: patch k was cut from frame `frame[k]`, centred at
 * (x[k], y[k]) px; `source[k]` is the index of the atom it came from (−1 for sliding windows). Patches of a
 * multi-channel image keep its channels (`images.channels`): every channel cut at the same positions.
 */
export interface PatchSet {
  images: ImageStack;
  x: Float32Array;
  y: Float32Array;
  frame: Int32Array;
  source: Int32Array;
  /** size of the frames the patches were cut from, for drawing maps */
  frameHeight: number;
  frameWidth: number;
}

/** Options of {@link extractPatches}. */
export interface PatchOptions {
  /** patch side, px; default 32. Even sizes put the atom between the two central pixels */
  size?: number;
  /**
   * atoms closer than size/2 to the edge: "drop" (default) leaves them out; "pad" keeps them and
   * fills the outside with `padValue`; "reflect" mirrors the image at the edge
   */
  edge?: "drop" | "pad" | "reflect";
  /** value outside the image for edge "pad"; default: the image median, so padding looks like background */
  padValue?: number;
  /**
   * "bilinear" (default) samples at the sub-pixel atom position so the atom sits exactly at the patch
   * centre (what the rVAE's offsets should then read as 0); "nearest" cuts whole pixels around the rounded position
   */
  interpolation?: "bilinear" | "nearest";
}

function median(a: Float32Array): number {
  const s = Float32Array.from(a).sort();
  return s[s.length >> 1];
}

/**
 * A multi-channel stack cut channel by channel with `cut` (the kept patches depend on the positions only, so
 * every channel keeps the same ones), the patches merged back into channels; null for single-channel input.
 */
function perChannel(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  cut: (plane: ImageStack) => PatchSet,
): PatchSet | null {
  if (!isImageStack(image) || channelCount(image) === 1) return null;
  const sets = Array.from({ length: channelCount(image) }, (_, k) => cut(channelAt(image, k)));
  return { ...sets[0], images: mergeChannels(sets.map((p) => p.images)) };
}

/**
 * Cuts a square patch around every atom (AtomAI's `get_imgstack`): pixel (i, j) of patch k samples
 * the frame at row y_k − (size−1)/2 + i, column x_k − (size−1)/2 + j, so the atom sits at the patch
 * centre, matching the rVAE's coordinate grid whose origin is the centre. A multi-channel image gives
 * multi-channel patches (each channel padded with its own median for edge "pad").
 */
export function extractPatches(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  atoms: { x: ArrayLike<number>; y: ArrayLike<number>; frame?: ArrayLike<number> },
  opts: PatchOptions = {},
): PatchSet {
  const multi = perChannel(image, (plane) => extractPatches(plane, atoms, opts));
  if (multi) return multi;
  const img = asStack(image, "extractPatches");
  const size = opts.size ?? 32;
  checkInt(size, "extractPatches", "size", 2);
  const edge = opts.edge ?? "drop";
  check(
    ["drop", "pad", "reflect"].includes(edge),
    "extractPatches",
    `edge must be "drop", "pad" or "reflect", got ${JSON.stringify(edge)}`,
  );
  const interp = opts.interpolation ?? "bilinear";
  check(
    interp === "bilinear" || interp === "nearest",
    "extractPatches",
    `interpolation must be "bilinear" or "nearest", got ${JSON.stringify(interp)}`,
  );
  check(atoms.x.length === atoms.y.length, "extractPatches", "x and y must have the same length");
  check(!atoms.frame || atoms.frame.length === atoms.x.length, "extractPatches", "frame must have one entry per atom");
  const { height: H, width: W } = img;
  const half = (size - 1) / 2;
  const keep: number[] = [];
  for (let k = 0; k < atoms.x.length; k++) {
    const f = atoms.frame?.[k] ?? 0;
    check(
      Number.isInteger(f) && f >= 0 && f < img.n,
      "extractPatches",
      `atom ${k} has frame ${f}, but the image has ${img.n} frame(s)`,
    );
    const x = atoms.x[k],
      y = atoms.y[k];
    check(
      Number.isFinite(x) && Number.isFinite(y),
      "extractPatches",
      `atom ${k} has a non-finite position (${x}, ${y})`,
    );
    // "nearest" cuts whole pixels: the first row/column is the rounded start of the window
    const sx = interp === "nearest" ? Math.round(x - half) : x - half,
      sy = interp === "nearest" ? Math.round(y - half) : y - half;
    const inside = sx >= 0 && sy >= 0 && sx + size - 1 <= W - 1 && sy + size - 1 <= H - 1;
    if (inside || edge !== "drop") keep.push(k);
  }
  const P = size * size;
  const out = new Float32Array(keep.length * P);
  const pad = edge === "pad" ? (opts.padValue ?? median(img.data.subarray(0, H * W))) : 0;
  const refl = (v: number, n: number) => {
    // mirror without repeating the edge pixel (like numpy "reflect"), valid for overshoots < n
    let t = v;
    if (t < 0) t = -t;
    if (t > n - 1) t = 2 * (n - 1) - t;
    return Math.min(n - 1, Math.max(0, t));
  };
  const sample = (base: number, yy: number, xx: number): number => {
    if (yy >= 0 && xx >= 0 && yy <= H - 1 && xx <= W - 1) {
      const y0 = Math.floor(yy),
        x0 = Math.floor(xx);
      const y1 = Math.min(H - 1, y0 + 1),
        x1 = Math.min(W - 1, x0 + 1);
      const ty = yy - y0,
        tx = xx - x0;
      return (
        (1 - ty) * ((1 - tx) * img.data[base + y0 * W + x0] + tx * img.data[base + y0 * W + x1]) +
        ty * ((1 - tx) * img.data[base + y1 * W + x0] + tx * img.data[base + y1 * W + x1])
      );
    }
    if (edge === "pad") return pad;
    return sample(base, refl(yy, H), refl(xx, W));
  };
  keep.forEach((k, o) => {
    const f = atoms.frame?.[k] ?? 0;
    const base = f * H * W;
    const sx = interp === "nearest" ? Math.round(atoms.x[k] - half) : atoms.x[k] - half;
    const sy = interp === "nearest" ? Math.round(atoms.y[k] - half) : atoms.y[k] - half;
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) out[o * P + i * size + j] = sample(base, sy + i, sx + j);
  });
  return {
    images: { data: out, n: keep.length, height: size, width: size },
    x: Float32Array.from(keep, (k) => atoms.x[k]),
    y: Float32Array.from(keep, (k) => atoms.y[k]),
    frame: Int32Array.from(keep, (k) => atoms.frame?.[k] ?? 0),
    source: Int32Array.from(keep),
    frameHeight: H,
    frameWidth: W,
  };
}

/** Options of {@link slidingWindows}. */
export interface WindowOptions {
  /** window side, px; default 32 */
  size?: number;
  /** step between windows, px; default size/4 */
  stride?: number;
  /** frames to cover (default all) */
  frames?: number[];
}

/**
 * Windows on a regular grid over every frame (the route without atom finding): window k covers
 * rows y_k − (size−1)/2 … y_k + (size−1)/2, so (x, y) is its centre. Windows are not centred on atoms,
 * so their content shifts from window to window: what a shift-VAE's offsets absorb. A multi-channel
 * image gives multi-channel windows.
 */
export function slidingWindows(
  image: ImageStack | { data: Float32Array; height: number; width: number },
  opts: WindowOptions = {},
): PatchSet {
  const multi = perChannel(image, (plane) => slidingWindows(plane, opts));
  if (multi) return multi;
  const img = asStack(image, "slidingWindows");
  const size = opts.size ?? 32;
  checkInt(size, "slidingWindows", "size", 2);
  const stride = opts.stride ?? Math.max(1, Math.floor(size / 4));
  checkInt(stride, "slidingWindows", "stride");
  const { height: H, width: W } = img;
  check(size <= H && size <= W, "slidingWindows", `window size ${size} exceeds the image (${H}x${W})`);
  const frames = opts.frames ?? Array.from({ length: img.n }, (_, i) => i);
  for (const f of frames)
    check(Number.isInteger(f) && f >= 0 && f < img.n, "slidingWindows", `frame ${f} out of range [0, ${img.n})`);
  const nx = Math.floor((W - size) / stride) + 1,
    ny = Math.floor((H - size) / stride) + 1;
  const n = frames.length * nx * ny,
    P = size * size;
  const out = new Float32Array(n * P);
  const xs = new Float32Array(n),
    ys = new Float32Array(n),
    fr = new Int32Array(n);
  let k = 0;
  for (const f of frames) {
    for (let gy = 0; gy < ny; gy++) {
      for (let gx = 0; gx < nx; gx++, k++) {
        const r0 = gy * stride,
          c0 = gx * stride;
        for (let i = 0; i < size; i++)
          out.set(
            img.data.subarray(f * H * W + (r0 + i) * W + c0, f * H * W + (r0 + i) * W + c0 + size),
            k * P + i * size,
          );
        xs[k] = c0 + (size - 1) / 2;
        ys[k] = r0 + (size - 1) / 2;
        fr[k] = f;
      }
    }
  }
  return {
    images: { data: out, n, height: size, width: size },
    x: xs,
    y: ys,
    frame: fr,
    source: new Int32Array(n).fill(-1),
    frameHeight: H,
    frameWidth: W,
  };
}
