import { check, checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import { poisson } from "./render";

/** A synthetic spectrum image (e.g. EELS): one spectrum per pixel, with its ground truth. */
export interface SpectralImage {
  /** height × width × channels, row-major, spectrum contiguous per pixel (counts / dose) */
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
  /** energy of each channel, eV */
  energy: Float32Array;
  /** components × channels, noise-free endmember spectra */
  endmembers: Float32Array;
  /** height × width × components, fractions summing to 1 per pixel */
  abundances: Float32Array;
  /** dominant component per pixel */
  labels: Int32Array;
  componentNames: string[];
}

/** Options of {@link stemSpectral}. */
export interface SpectralOptions {
  height?: number;
  width?: number;
  channels?: number;
  seed?: number;
  /** counts at the spectrum maximum; default 400 (Poisson noise) */
  dose?: number;
  /** width of the mixed zone at phase boundaries, px; default 3 */
  boundary?: number;
  /** number of grains (Voronoi cells) the three phases are dealt to; default 9 */
  grains?: number;
}

/**
 * An EELS-like spectrum image of three phases (NiO-like: O K edge + Ni L2,3 white lines; LSMO-like:
 * O K with a pre-peak + Mn L2,3 + La M4,5; a carbon-rich amorphous phase: C K edge) over 450–900 eV,
 * each on a power-law background. Grains are Voronoi cells; abundances blend over `boundary` px at
 * the grain boundaries. For the PCA/NMF/k-means/GMM "descriptors" comparison on per-pixel spectra.
 */
export function stemSpectral(opts: SpectralOptions = {}): SpectralImage {
  const H = opts.height ?? 64,
    W = opts.width ?? 64,
    C = opts.channels ?? 128;
  checkInt(H, "stemSpectral", "height", 4);
  checkInt(W, "stemSpectral", "width", 4);
  checkInt(C, "stemSpectral", "channels", 8);
  const dose = opts.dose ?? 400;
  check(dose > 0, "stemSpectral", `dose must be > 0, got ${dose}`);
  const rng = new Random(opts.seed ?? 0);
  const energy = Float32Array.from({ length: C }, (_, i) => 250 + (650 * i) / (C - 1));
  const edge = (e: number, onset: number, width: number) =>
    e < onset ? 0 : (1 - Math.exp(-(e - onset) / width)) * Math.pow(onset / e, 2);
  const peak = (e: number, c: number, w: number) => Math.exp(-((e - c) ** 2) / (2 * w * w));
  const bgr = (e: number) => Math.pow(250 / e, 3);
  const specs: ((e: number) => number)[] = [
    (e) =>
      bgr(e) +
      0.35 * edge(e, 532, 10) +
      0.25 * peak(e, 537, 2.5) +
      1.2 * peak(e, 853, 4) +
      0.6 * peak(e, 870, 4) +
      0.2 * edge(e, 855, 15),
    (e) =>
      bgr(e) +
      0.08 * peak(e, 529, 2) +
      0.35 * edge(e, 532, 10) +
      1.2 * peak(e, 642, 4) +
      0.6 * peak(e, 653, 4) +
      0.2 * edge(e, 644, 15) +
      0.3 * peak(e, 834, 2.5) +
      0.3 * peak(e, 851, 2.5),
    (e) => 1.3 * bgr(e) + 0.6 * edge(e, 284, 20) + 0.3 * peak(e, 286, 2),
  ];
  const K = specs.length;
  const endmembers = new Float32Array(K * C);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) endmembers[k * C + c] = specs[k](energy[c]);
  const ng = opts.grains ?? 9;
  checkInt(ng, "stemSpectral", "grains", 1);
  const gx = Array.from({ length: ng }, () => rng.uniform(0, W)),
    gy = Array.from({ length: ng }, () => rng.uniform(0, H));
  // deal phases so every phase gets grains
  const gp = rng.shuffle(Array.from({ length: ng }, (_, i) => i % K));
  const bw = opts.boundary ?? 1.5;
  const abundances = new Float32Array(H * W * K),
    labels = new Int32Array(H * W),
    data = new Float32Array(H * W * C);
  let smax = 0;
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) smax = Math.max(smax, endmembers[k * C + c]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      // soft Voronoi: weights e^{-(d_i − d_min)/bw} give a blend over ~bw px at boundaries
      const d = gx.map((g, i) => Math.hypot(x - g, y - gy[i]));
      const dm = Math.min(...d);
      const a = new Float64Array(K);
      d.forEach((di, i) => {
        a[gp[i]] += Math.exp(-(di - dm) / Math.max(1e-6, bw));
      });
      const s = a.reduce((u, v) => u + v, 0);
      let best = 0;
      for (let k = 0; k < K; k++) {
        abundances[p * K + k] = a[k] / s;
        if (a[k] > a[best]) best = k;
      }
      labels[p] = best;
      for (let c = 0; c < C; c++) {
        let v = 0;
        for (let k = 0; k < K; k++) v += abundances[p * K + k] * endmembers[k * C + c];
        data[p * C + c] = (poisson(rng, (v / smax) * dose) / dose) * smax;
      }
    }
  }
  return {
    data,
    height: H,
    width: W,
    channels: C,
    energy,
    endmembers,
    abundances,
    labels,
    componentNames: ["NiO-like", "LSMO-like", "carbon"],
  };
}
