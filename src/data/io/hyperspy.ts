import type { Group } from "h5wasm";
import { imageStack } from "../image-stack";
import { fileError } from "./bytes";
import { Candidate, chooseCandidate } from "./channels";
import { OpenH5, attrNumber, attrString, attrs, datasetAt, groupAt, readNumeric } from "./h5";
import {
  AcquisitionInfo,
  AxisInfo,
  ImageFile,
  JsonValue,
  ReadOptions,
  boundJson,
  frameAxis,
  imageAxis,
  makeMetadata,
  normalizeUnit,
} from "./metadata";

// HyperSpy's .hspy/.h5 layout as documented by RosettaSciIO (rsciio/hspy, rsciio/_hierarchical.py), no code
// copied: the root attribute file_format = "HyperSpy"; each signal is a group /Experiments/<title> holding
// `data` (array order: navigation axes first, signal axes last) and one group axis-i per array dimension i
// with attributes size, scale, offset, units, name, navigate. metadata/ holds General (title, date, time),
// Signal (signal_type, record_by) and Acquisition_instrument/TEM (beam_energy in keV, magnification, microscope).

const WHERE = "readHyperSpy";

/** True when the file says it is HyperSpy's or has an /Experiments group. */
export function isHyperSpy(f: OpenH5): boolean {
  return attrString(attrs(f.file), "file_format") === "HyperSpy" || groupAt(f, "Experiments") !== undefined;
}

/** Reads a HyperSpy file: each 2-D signal (or stack of them along one navigation axis) is a candidate image. */
export function readHyperSpy(f: OpenH5, opts: ReadOptions): ImageFile {
  const exps = groupAt(f, "Experiments");
  if (!exps) fileError(WHERE, f.name, "no /Experiments group (not a HyperSpy file)");
  const cands: Candidate[] = [];
  const skipped: string[] = [];
  for (const title of exps.keys()) {
    const g = `Experiments/${title}`;
    const ds = datasetAt(f, `${g}/data`);
    if (!ds) continue;
    const shape = ds.metadata.shape ?? [];
    const axes = shape.map((size, i) => axisGroup(f, g, i, size));
    const sig = axes.filter((a) => !a.navigate).length;
    const last2Signal = shape.length >= 2 && !axes[shape.length - 1].navigate && !axes[shape.length - 2].navigate;
    if (sig !== 2 || !last2Signal || shape.length > 3) {
      skipped.push(`${title}: shape [${shape.join(", ")}] with ${sig} signal axes`);
      continue;
    }
    const arr = readNumeric(f, ds, WHERE);
    const nd = shape.length;
    const [h, w] = [shape[nd - 2], shape[nd - 1]];
    const n = nd === 3 ? shape[0] : 1;
    const [ay, ax] = [axes[nd - 2], axes[nd - 1]];
    const out: AxisInfo[] = [
      imageAxis("y", h, ay.scale, ay.offset, ay.unit),
      imageAxis("x", w, ax.scale, ax.offset, ax.unit),
    ];
    if (nd === 3) out.unshift(frameAxis(n, axes[0].scale, axes[0].offset, axes[0].unit, axes[0].name || "frame"));
    const md = groupAt(f, `${g}/metadata`);
    const meta = md ? (walk(f, md, `${g}/metadata`, 0) as Record<string, JsonValue>) : {};
    const general = (meta.General ?? {}) as Record<string, unknown>;
    const signal = (meta.Signal ?? {}) as Record<string, unknown>;
    const name = title !== "__unnamed__" ? title : attrString(general, "title") || "image";
    cands.push({
      name,
      id: g,
      stack: imageStack(arr.data, n, h, w),
      metadata: makeMetadata(f.name, "hyperspy", out, {
        dtype: arr.dtype,
        signalType: attrString(signal, "signal_type") || attrString(signal, "record_by") || "image",
        acquisition: acquisition(meta, general),
        original: { metadata: meta, axes: axes.map((a) => ({ ...a })) as unknown as JsonValue },
      }),
    });
  }
  if (cands.length === 0) {
    fileError(
      WHERE,
      f.name,
      `no image in /Experiments (need 2 signal axes, optionally one navigation axis)` +
        (skipped.length ? `; found ${skipped.join("; ")}` : ""),
    );
  }
  return chooseCandidate(cands, opts, WHERE, f.name);
}

interface HsAxis {
  name: string;
  scale: number;
  offset: number;
  unit: string;
  navigate: boolean;
}

function axisGroup(f: OpenH5, g: string, i: number, size: number): HsAxis {
  const grp = groupAt(f, `${g}/axis-${i}`);
  if (!grp) fileError(WHERE, f.name, `${g} has no axis-${i} group for its dimension ${i}`);
  const a = attrs(grp);
  const s = attrNumber(a, "size");
  if (s !== undefined && s !== size) {
    fileError(WHERE, f.name, `${g}/axis-${i} says size ${s} but data dimension ${i} has ${size}`);
  }
  const nav = a.navigate;
  return {
    name: attrString(a, "name") ?? "",
    scale: attrNumber(a, "scale") ?? 1,
    offset: attrNumber(a, "offset") ?? 0,
    unit: normalizeUnit(a.units),
    navigate: nav === true || nav === 1 || nav === "True" || nav === "true",
  };
}

/** The metadata tree (group attributes and subgroups) as bounded JSON. */
function walk(f: OpenH5, g: Group, path: string, depth: number): JsonValue {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(attrs(g))) out[k] = boundJson(v, depth + 1);
  if (depth < 5) {
    for (const k of g.keys().slice(0, 100)) {
      const child = groupAt(f, `${path}/${k}`);
      if (child) out[k] = walk(f, child, `${path}/${k}`, depth + 1);
    }
  }
  return out;
}

function acquisition(meta: Record<string, JsonValue>, general: Record<string, unknown>): AcquisitionInfo {
  const instrument = (meta.Acquisition_instrument ?? {}) as Record<string, JsonValue>;
  const tem = instrument.TEM as Record<string, unknown> | undefined;
  const out: AcquisitionInfo = {};
  const keV = tem ? attrNumber(tem, "beam_energy") : undefined;
  if (keV !== undefined && keV > 0) out.voltage = keV * 1000;
  const mag = tem ? attrNumber(tem, "magnification") : undefined;
  if (mag !== undefined) out.magnification = mag;
  const mic = tem ? attrString(tem, "microscope") : undefined;
  if (mic) out.microscope = mic;
  const date = [attrString(general, "date"), attrString(general, "time")].filter(Boolean).join("T");
  if (date) out.date = date;
  return out;
}
