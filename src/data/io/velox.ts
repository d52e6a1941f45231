import { imageStack } from "../image-stack";
import { fileError } from "./bytes";
import { Candidate, chooseCandidate } from "./channels";
import { OpenH5, datasetAt, groupAt, readNumeric } from "./h5";
import {
  AcquisitionInfo,
  ImageFile,
  ReadOptions,
  boundJson,
  frameAxis,
  imageAxis,
  makeMetadata,
  normalizeUnit,
} from "./metadata";

// Layout of Thermo Fisher Velox .emd files as documented by RosettaSciIO (rsciio/emd/_emd_velox.py) and
// openNCEM (ncempy/io/emdVelox.py); read from those descriptions and the files themselves, no code copied:
//   /Data/Image/<uuid>/Data       [rows, cols, frames]
//   /Data/Image/<uuid>/Metadata   uint8 [bytes, frames]: per frame a NUL-padded JSON document with
//                                 BinaryResult.PixelSize {width, height} in BinaryResult.PixelUnitX/Y (m),
//                                 BinaryResult.Detector, Optics.AccelerationVoltage (V), Instrument.*
// Several images recorded together (HAADF, DF4, BF ...) sit side by side under /Data/Image.

const WHERE = "readVelox";

/** True when the HDF5 file has Velox's /Data/Image groups (and no HyperSpy/EMD marks). */
export function isVelox(f: OpenH5): boolean {
  if (groupAt(f, "Data/Image") !== undefined) return true;
  return datasetAt(f, "Version") !== undefined && groupAt(f, "Data") !== undefined;
}

/** Reads a Velox .emd file: every image under /Data/Image; the largest is returned, same-shape ones as channels. */
export function readVelox(f: OpenH5, opts: ReadOptions): ImageFile {
  const images = groupAt(f, "Data/Image");
  if (!images) {
    const kinds = groupAt(f, "Data")?.keys() ?? [];
    fileError(
      WHERE,
      f.name,
      `a Velox file without images (it holds ${kinds.join(", ") || "no data"}); ` +
        `only /Data/Image is read (spectrum images are not supported)`,
    );
  }
  const cands: Candidate[] = [];
  for (const id of images.keys()) {
    const ds = datasetAt(f, `Data/Image/${id}/Data`);
    if (!ds) continue;
    const arr = readNumeric(f, ds, WHERE);
    if (arr.shape.length !== 3 && arr.shape.length !== 2) {
      fileError(WHERE, f.name, `image ${id} has shape [${arr.shape.join(", ")}]; expected [rows, cols, frames]`);
    }
    const [h, w, n] = [arr.shape[0], arr.shape[1], arr.shape[2] ?? 1];
    // Velox stores frames last; ivae's stacks put them first
    const data = new Float32Array(arr.data.length);
    for (let k = 0; k < n; k++) for (let p = 0; p < h * w; p++) data[k * h * w + p] = arr.data[p * n + k];
    const meta = frameMetadata(f, id);
    const br = (meta.BinaryResult ?? {}) as Record<string, unknown>;
    const ps = (br.PixelSize ?? {}) as Record<string, unknown>;
    const off = (br.Offset ?? {}) as Record<string, unknown>;
    const ux = normalizeUnit(br.PixelUnitX),
      uy = normalizeUnit(br.PixelUnitY);
    const axes = [
      imageAxis("y", h, Number(ps.height), Number(off.y), uy),
      imageAxis("x", w, Number(ps.width), Number(off.x), ux),
    ];
    if (n > 1) axes.unshift(frameAxis(n));
    const name = typeof br.Detector === "string" && br.Detector ? br.Detector : (detectorFromOperations(f, id) ?? id);
    cands.push({
      name,
      id,
      stack: imageStack(data, n, h, w),
      metadata: makeMetadata(f.name, "velox-emd", axes, {
        dtype: arr.dtype,
        signalType: "image",
        acquisition: acquisition(meta),
        original: { Velox: boundJson(meta) as Record<string, never> },
      }),
    });
  }
  if (cands.length === 0) fileError(WHERE, f.name, "no /Data/Image/<id>/Data dataset found");
  return chooseCandidate(cands, opts, WHERE, f.name);
}

/** The JSON metadata of the first frame of image `id` ({} when absent or unreadable). */
function frameMetadata(f: OpenH5, id: string): Record<string, unknown> {
  const ds = datasetAt(f, `Data/Image/${id}/Metadata`);
  if (!ds || ds.metadata.type !== 0 || ds.metadata.size !== 1) return {};
  const shape = ds.metadata.shape ?? [];
  const frames = shape.length === 2 ? shape[1] : 1;
  const raw = ds.value as Uint8Array;
  let text = "";
  for (let i = 0; i * frames < raw.length; i++) {
    const b = raw[i * frames];
    if (b === 0) break;
    text += String.fromCharCode(b);
  }
  try {
    return JSON.parse(Buffer.from(text, "latin1").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Detector name from the StemInputOperation that points at this image (files without BinaryResult.Detector). */
function detectorFromOperations(f: OpenH5, id: string): string | undefined {
  const ops = groupAt(f, "Operations/StemInputOperation");
  for (const k of ops?.keys() ?? []) {
    const ds = datasetAt(f, `Operations/StemInputOperation/${k}`);
    const v = ds?.value as unknown;
    const text = Array.isArray(v) ? v[0] : v;
    if (typeof text !== "string" || !text.includes(id)) continue;
    try {
      const j = JSON.parse(text) as { detector?: string };
      if (j.detector) return j.detector;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

function acquisition(meta: Record<string, unknown>): AcquisitionInfo {
  const optics = (meta.Optics ?? {}) as Record<string, unknown>;
  const instr = (meta.Instrument ?? {}) as Record<string, unknown>;
  const acq = (meta.Acquisition ?? {}) as Record<string, unknown>;
  const custom = (meta.CustomProperties ?? {}) as Record<string, { value?: string }>;
  const out: AcquisitionInfo = {};
  const v = Number(optics.AccelerationVoltage);
  if (Number.isFinite(v) && v > 0) out.voltage = v;
  const mag = Number(optics.NominalMagnification ?? custom.StemMagnification?.value);
  if (Number.isFinite(mag) && mag > 0) out.magnification = mag;
  const model = [instr.InstrumentModel, instr.InstrumentId].filter((s) => typeof s === "string" && s).join(" ");
  if (model) out.microscope = model;
  const t = Number((acq.AcquisitionStartDatetime as { DateTime?: string } | undefined)?.DateTime);
  if (Number.isFinite(t) && t > 0) out.date = new Date(t * 1000).toISOString();
  return out;
}
