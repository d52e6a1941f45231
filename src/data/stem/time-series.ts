/** A movie of the NiO | LSMO interface: an advancing front, a rotating lattice, stage drift. */
import { checkInt } from "../../util/errors";
import { Random } from "../../util/random";
import {
  ColumnList,
  concatTruth,
  imagingDefaults,
  renderFrame,
  STEM_SPECIES,
  StemGroundTruth,
  truthOf,
} from "./render";
import { SyntheticStem, sizes } from "./frame";
import { InterfaceOptions, InterfaceState, interfaceColumns } from "./interface";

/** Options of {@link stemTimeSeries}. */
export interface TimeSeriesOptions extends InterfaceOptions {
  /** number of frames; default 6 */
  frames?: number;
  /** interface motion per frame, px (LSMO grows into NiO); default 6 */
  frontSpeed?: number;
  /** extra rotation of the LSMO lattice per frame, degrees; default 1 */
  rotationRate?: number;
  /** rms stage drift between frames, px; default 1 */
  stageDrift?: number;
}

/**
 * A movie of the NiO | LSMO interface: frame by frame the LSMO front advances into the NiO by
 * `frontSpeed` px (a beam-driven phase transformation), the LSMO lattice rotates by `rotationRate`°,
 * the stage drifts, vacancies are re-drawn and each frame has its own noise and scan distortion.
 * Ground truth carries the frame index of every column.
 */
export function stemTimeSeries(opts: TimeSeriesOptions = {}): SyntheticStem {
  const { H, W, seed } = sizes(opts, "stemTimeSeries");
  const nF = opts.frames ?? 6;
  checkInt(nF, "stemTimeSeries", "frames");
  const rng = new Random(seed);
  const im = imagingDefaults(opts);
  const frames: Float32Array[] = [];
  const truths: StemGroundTruth[] = [];
  let vac = 0,
    sub = 0,
    minSpacing = 0;
  let driftX = 0,
    driftY = 0;
  const speed = opts.frontSpeed ?? 6,
    rate = ((opts.rotationRate ?? 1) * Math.PI) / 180,
    sd = opts.stageDrift ?? 1;
  const phiSeed = rng.seed();
  for (let f = 0; f < nF; f++) {
    const st: InterfaceState = {
      front: W * (opts.interfaceAt ?? 0.6) - speed * f, // NiO is on the left: LSMO grows leftwards
      tilt: ((opts.tiltDeg ?? 2) * Math.PI) / 180 + rate * f,
    };
    // the same lattice seed keeps the interface shape; the vacancy draws change from frame to frame
    const lat = new Random(phiSeed);
    const built = interfaceColumns({ ...opts, vacancyFraction: 0 }, H, W, st, lat);
    const fr = new Random(phiSeed + 7919 * (f + 1));
    const cols = new ColumnList();
    for (let i = 0; i < built.cols.length; i++) {
      if (fr.next() < (opts.vacancyFraction ?? 0.01)) {
        vac++;
        continue;
      }
      cols.add({
        x: built.cols.x[i] + driftX,
        y: built.cols.y[i] + driftY,
        species: built.cols.species[i],
        phase: built.cols.phase[i],
        rotation: built.cols.rotation[i],
        defect: built.cols.defect[i],
      });
    }
    sub += built.sub;
    minSpacing = built.minSpacing;
    const r = renderFrame(cols, H, W, im, rng.fork());
    frames.push(r.image);
    truths.push(truthOf(cols, r, f));
    driftX += rng.normal(0, sd);
    driftY += rng.normal(0, sd);
  }
  const data = new Float32Array(nF * H * W);
  frames.forEach((fr, i) => data.set(fr, i * H * W));
  return {
    image: { data, n: nF, height: H, width: W },
    truth: concatTruth(truths),
    speciesNames: STEM_SPECIES.map((s) => s.name),
    phaseNames: ["NiO", "LSMO"],
    pixelSize: opts.pixelSize ?? 0.2,
    minSpacing,
    defects: { vacancies: vac, substitutions: sub },
  };
}
