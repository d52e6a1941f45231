import { Random } from "../../util/random";
import { check } from "../../util/errors";

/**
 * Shared machinery of the synthetic HAADF-STEM images: atomic columns as probe-shaped peaks with
 * Z-contrast, scan distortion, Poisson–Gaussian noise, and the ground truth that lets the atom
 * finder, the patches and the classes be scored.
 */

/** A column species: name and the effective atomic number that sets its HAADF brightness. */
export interface Species {
  name: string;
  /** intensity relative to a Bi column (Z = 83), ∝ Σ Z^1.7 over the column's atoms */
  intensity: number;
}

/** Z-contrast of a column holding the listed atoms per repeat (HAADF ∝ Z^1.7), relative to Bi. */
export function zContrast(...zs: number[]): number {
  return zs.reduce((a, z) => a + Math.pow(z, 1.7), 0) / Math.pow(83, 1.7);
}

/** The column species used by the generators (index = species code in the ground truth). */
export const STEM_SPECIES: Species[] = [
  { name: "Ni-O (NiO rock salt)", intensity: zContrast(28, 8) },
  { name: "La/Sr (LSMO A-site)", intensity: 0.7 * zContrast(57) + 0.3 * zContrast(38) },
  { name: "Mn-O (LSMO B-site)", intensity: zContrast(25, 8) },
  { name: "Bi (BFO A-site)", intensity: zContrast(83) },
  { name: "Fe-O (BFO B-site)", intensity: zContrast(26, 8) },
  { name: "heavy substitution (e.g. La on Ni/Mn site)", intensity: zContrast(57, 8) },
  { name: "light substitution (e.g. Sm/Sr-rich A column)", intensity: 0.6 * zContrast(62) + 0.4 * zContrast(38) * 0.5 },
];

/** Species codes (indices into {@link STEM_SPECIES}). */
export const SPECIES = { NiO: 0, LSMO_A: 1, LSMO_B: 2, BFO_A: 3, BFO_B: 4, HEAVY_SUB: 5, LIGHT_SUB: 6 } as const;

/**
 * Per-atom ground truth. Positions are where the column appears in the recorded image (after scan
 * distortion), in pixels: x = column index, y = row index, sub-pixel.
 */
export interface StemGroundTruth {
  x: Float32Array;
  y: Float32Array;
  /** frame index (0 for single images) */
  frame: Int32Array;
  /** species code, see {@link STEM_SPECIES} */
  species: Int32Array;
  /** phase (interface image: 0 NiO, 1 LSMO) or domain label (BFO image) */
  phase: Int32Array;
  /** local lattice rotation, rad, counter-clockwise as displayed */
  rotation: Float32Array;
  /** polar displacement of the column from its ideal site, px (+x right, +y down); 0 where none */
  dispX: Float32Array;
  dispY: Float32Array;
  /** 1 for columns next to a point defect or that are substitutions themselves */
  defect: Uint8Array;
}

/** Columns in specimen coordinates before distortion (internal builder). */
export class ColumnList {
  x: number[] = [];
  y: number[] = [];
  species: number[] = [];
  phase: number[] = [];
  rotation: number[] = [];
  dispX: number[] = [];
  dispY: number[] = [];
  defect: number[] = [];
  intensity: number[] = [];
  add(c: {
    x: number;
    y: number;
    species: number;
    phase: number;
    rotation?: number;
    dispX?: number;
    dispY?: number;
    defect?: number;
    intensity?: number;
  }): void {
    this.x.push(c.x);
    this.y.push(c.y);
    this.species.push(c.species);
    this.phase.push(c.phase);
    this.rotation.push(c.rotation ?? 0);
    this.dispX.push(c.dispX ?? 0);
    this.dispY.push(c.dispY ?? 0);
    this.defect.push(c.defect ?? 0);
    this.intensity.push(c.intensity ?? STEM_SPECIES[c.species].intensity);
  }
  get length(): number {
    return this.x.length;
  }
}

/** Imaging conditions shared by all generators. */
export interface ImagingOptions {
  /** probe (column) Gaussian σ in px; default 2 */
  sigma?: number;
  /** weight of the wide probe tail (σ×2.5) relative to the core; default 0.08 (real probes are not Gaussian) */
  tail?: number;
  /** electron dose: expected counts at the peak of a column of relative intensity 1; default 300. Lower = noisier */
  dose?: number;
  /** Gaussian detector/read noise in counts; default 2 */
  readNoise?: number;
  /** background (amorphous layer, thickness) as a fraction of the Bi peak; default 0.06 */
  background?: number;
  /** column-to-column intensity scatter (thickness, La/Sr ratio), relative; default 0.06 */
  intensityJitter?: number;
  /** rms horizontal line jitter of the fast scan, px; default 0.25 */
  lineJitter?: number;
  /** slow-scan drift: horizontal shift per row, px/row (image shear); default 0.004 */
  drift?: number;
  /** vertical scale error of the slow scan (1 + yScale), default 0.003 */
  yScale?: number;
  /** set false for a clean, noise-free, undistorted image (tests of the renderer) */
  noise?: boolean;
}

export function imagingDefaults(o: ImagingOptions): Required<ImagingOptions> {
  const r: Required<ImagingOptions> = {
    sigma: o.sigma ?? 2,
    tail: o.tail ?? 0.08,
    dose: o.dose ?? 300,
    readNoise: o.readNoise ?? 2,
    background: o.background ?? 0.06,
    intensityJitter: o.intensityJitter ?? 0.06,
    lineJitter: o.lineJitter ?? 0.25,
    drift: o.drift ?? 0.004,
    yScale: o.yScale ?? 0.003,
    noise: o.noise ?? true,
  };
  check(r.sigma > 0.3 && r.sigma < 20, "stem imaging", `sigma must be in (0.3, 20) px, got ${r.sigma}`);
  check(r.dose > 0, "stem imaging", `dose must be > 0 counts, got ${r.dose}`);
  check(
    r.readNoise >= 0 && r.lineJitter >= 0 && r.tail >= 0 && r.background >= 0 && r.intensityJitter >= 0,
    "stem imaging",
    "readNoise, lineJitter, tail, background and intensityJitter must be >= 0",
  );
  return r;
}

/**
 * Renders columns into one frame and returns the frame plus the ground truth positions as imaged.
 * Scan model: row r of the image samples the specimen at Y = r·(1 + yScale), and pixel (r, c) at
 * X = c + off[r], where off[r] = drift·r + line jitter (a smoothed random walk plus white jitter, as
 * from mains pickup and flyback settling). A column at (X, Y) therefore appears at
 * r = Y/(1+yScale), c = X − off(r).
 */
export function renderFrame(
  cols: ColumnList,
  height: number,
  width: number,
  im: Required<ImagingOptions>,
  rng: Random,
): {
  image: Float32Array;
  x: Float32Array;
  y: Float32Array;
  keep: Int32Array;
} {
  const sy = im.noise ? 1 + im.yScale : 1;
  const off = new Float64Array(height);
  if (im.noise) {
    let walk = 0;
    for (let r = 0; r < height; r++) {
      walk = 0.9 * walk + rng.normal(0, im.lineJitter * 0.45);
      off[r] = im.drift * (r - height / 2) + walk + rng.normal(0, im.lineJitter * 0.5);
    }
  }
  const img = new Float32Array(height * width);
  const s2 = im.sigma * im.sigma,
    st = im.sigma * 2.5,
    st2 = st * st;
  const reach = Math.ceil(st * 3.5);
  const tailAmp = im.tail;
  for (let k = 0; k < cols.length; k++) {
    const X = cols.x[k],
      Y = cols.y[k];
    let amp = cols.intensity[k];
    if (im.noise && im.intensityJitter > 0) amp *= Math.max(0.2, 1 + rng.normal(0, im.intensityJitter));
    const r0 = Math.max(0, Math.floor((Y - reach) / sy)),
      r1 = Math.min(height - 1, Math.ceil((Y + reach) / sy));
    for (let r = r0; r <= r1; r++) {
      const dy = r * sy - Y,
        dy2 = dy * dy;
      const cx = X - off[r];
      const c0 = Math.max(0, Math.floor(cx - reach)),
        c1 = Math.min(width - 1, Math.ceil(cx + reach));
      const row = r * width;
      for (let c = c0; c <= c1; c++) {
        const dx = c - cx,
          d2 = dx * dx + dy2;
        img[row + c] += amp * (Math.exp(-d2 / (2 * s2)) + tailAmp * Math.exp(-d2 / (2 * st2)));
      }
    }
  }
  // apparent positions: invert the scan model (off interpolated at the fractional row)
  const xs: number[] = [],
    ys: number[] = [],
    keep: number[] = [];
  for (let k = 0; k < cols.length; k++) {
    const r = cols.y[k] / sy;
    const rf = Math.max(0, Math.min(height - 1, r));
    const i0 = Math.floor(rf),
      i1 = Math.min(height - 1, i0 + 1),
      t = rf - i0;
    const c = cols.x[k] - ((1 - t) * off[i0] + t * off[i1]);
    if (c >= -0.5 && c <= width - 0.5 && r >= -0.5 && r <= height - 0.5) {
      xs.push(c);
      ys.push(r);
      keep.push(k);
    }
  }
  // background: constant plus a gentle thickness gradient, then counts with Poisson–Gaussian noise
  const bg = im.background;
  const gx = rng.uniform(-1, 1),
    gy = rng.uniform(-1, 1);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      let v = img[i] + bg * (1 + 0.3 * (gx * (c / width - 0.5) + gy * (r / height - 0.5)));
      if (im.noise) {
        const counts = poisson(rng, v * im.dose) + rng.normal(0, im.readNoise);
        v = counts / im.dose;
      }
      img[i] = v;
    }
  }
  return { image: img, x: Float32Array.from(xs), y: Float32Array.from(ys), keep: Int32Array.from(keep) };
}

/** Poisson sample (Knuth for small means, normal approximation with continuity for large). */
export function poisson(rng: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const L = Math.exp(-mean);
    let k = 0,
      p = 1;
    do {
      k++;
      p *= rng.next();
    } while (p > L);
    return k - 1;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
}

/** Builds the ground truth arrays of the kept columns of one frame. */
export function truthOf(
  cols: ColumnList,
  r: { x: Float32Array; y: Float32Array; keep: Int32Array },
  frame: number,
): StemGroundTruth {
  const n = r.keep.length;
  const t: StemGroundTruth = {
    x: r.x,
    y: r.y,
    frame: new Int32Array(n).fill(frame),
    species: new Int32Array(n),
    phase: new Int32Array(n),
    rotation: new Float32Array(n),
    dispX: new Float32Array(n),
    dispY: new Float32Array(n),
    defect: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const k = r.keep[i];
    t.species[i] = cols.species[k];
    t.phase[i] = cols.phase[k];
    t.rotation[i] = cols.rotation[k];
    t.dispX[i] = cols.dispX[k];
    t.dispY[i] = cols.dispY[k];
    t.defect[i] = cols.defect[k];
  }
  return t;
}

/** Concatenates per-frame ground truths. */
export function concatTruth(ts: StemGroundTruth[]): StemGroundTruth {
  const cat = <T extends Float32Array | Int32Array | Uint8Array>(
    get: (t: StemGroundTruth) => T,
    make: (n: number) => T,
  ): T => {
    const n = ts.reduce((a, t) => a + get(t).length, 0);
    const out = make(n);
    let o = 0;
    for (const t of ts) {
      out.set(get(t) as any, o);
      o += get(t).length;
    }
    return out;
  };
  const f = (n: number) => new Float32Array(n),
    i = (n: number) => new Int32Array(n);
  return {
    x: cat((t) => t.x, f),
    y: cat((t) => t.y, f),
    frame: cat((t) => t.frame, i),
    species: cat((t) => t.species, i),
    phase: cat((t) => t.phase, i),
    rotation: cat((t) => t.rotation, f),
    dispX: cat((t) => t.dispX, f),
    dispY: cat((t) => t.dispY, f),
    defect: cat(
      (t) => t.defect,
      (n) => new Uint8Array(n),
    ),
  };
}
