import type { Group } from "h5wasm";
import { imageStack } from "../image-stack";
import { fileError } from "./bytes";
import { Candidate, chooseCandidate } from "./channels";
import { OpenH5, attrNumber, attrString, attrs, datasetAt, groupAt, readNumeric } from "./h5";
import {
  AcquisitionInfo,
  AxisInfo,
  ImageFile,
  ReadOptions,
  boundJson,
  frameAxis,
  imageAxis,
  makeMetadata,
  normalizeUnit,
} from "./metadata";

// Berkeley EMD (emdatasets.com, version 0.2), as read by openNCEM (ncempy/io/emd.py): a group with the
// attribute emd_group_type = 1 holds `data` and one dataset per dimension, dim1 (slowest) ... dimN, each the
// coordinate vector of its axis with attributes name and units (openNCEM writes "[n_m]" or "n_m" for nm).
// Acquisition facts, when written, are attributes of /microscope ("high tension" in V, magnification, name).

const WHERE = "readBerkeleyEmd";

/** Paths of every group marked emd_group_type = 1 (searched under /data first, then the whole file, 3 levels). */
export function emdGroups(f: OpenH5): string[] {
  const found: string[] = [];
  const walk = (g: Group, path: string, depth: number): void => {
    for (const k of g.keys()) {
      const p = path ? `${path}/${k}` : k;
      const child = groupAt(f, p);
      if (!child) continue;
      if (attrNumber(attrs(child), "emd_group_type") === 1) found.push(p);
      else if (depth < 3) walk(child, p, depth + 1);
    }
  };
  walk(f.file, "", 0);
  return found;
}

/** Reads a Berkeley EMD file: every emd_group_type = 1 group is an image; the largest is returned. */
export function readBerkeleyEmd(f: OpenH5, opts: ReadOptions): ImageFile {
  const groups = emdGroups(f);
  if (groups.length === 0) fileError(WHERE, f.name, "no group with emd_group_type = 1 (not a Berkeley EMD data file)");
  const cands: Candidate[] = [];
  const acq = microscope(f);
  for (const g of groups) {
    const ds = datasetAt(f, `${g}/data`);
    if (!ds) fileError(WHERE, f.name, `EMD group ${g} has no "data" dataset`);
    const arr = readNumeric(f, ds, WHERE);
    const nd = arr.shape.length;
    if (nd < 2 || nd > 3) {
      fileError(
        WHERE,
        f.name,
        `EMD group ${g} holds data of shape [${arr.shape.join(", ")}]; ` +
          `expected an image [rows, cols] or a stack [frames, rows, cols]`,
      );
    }
    const dims = arr.shape.map((size, i) => dimension(f, g, i + 1, size));
    const [h, w] = [arr.shape[nd - 2], arr.shape[nd - 1]];
    const n = nd === 3 ? arr.shape[0] : 1;
    const axes: AxisInfo[] = [
      imageAxis("y", h, dims[nd - 2].scale, dims[nd - 2].offset, dims[nd - 2].unit),
      imageAxis("x", w, dims[nd - 1].scale, dims[nd - 1].offset, dims[nd - 1].unit),
    ];
    if (nd === 3) axes.unshift(frameAxis(n, dims[0].scale, dims[0].offset, dims[0].unit, dims[0].name || "frame"));
    const name = g.split("/").pop() ?? g;
    cands.push({
      name,
      id: g,
      stack: imageStack(arr.data, n, h, w),
      metadata: makeMetadata(f.name, "berkeley-emd", axes, {
        dtype: arr.dtype,
        acquisition: acq.info,
        original: { ...acq.original, dims: dims.map((d) => ({ name: d.name, units: d.rawUnit })) },
      }),
    });
  }
  return chooseCandidate(cands, opts, WHERE, f.name);
}

interface Dim {
  name: string;
  scale: number;
  offset: number;
  unit: string;
  rawUnit: string;
}

function dimension(f: OpenH5, g: string, i: number, size: number): Dim {
  const ds = datasetAt(f, `${g}/dim${i}`);
  if (!ds) return { name: "", scale: NaN, offset: 0, unit: "", rawUnit: "" };
  const a = attrs(ds);
  const rawUnit = attrString(a, "units") ?? "";
  let scale = NaN,
    offset = 0;
  const len = (ds.metadata.shape ?? [])[0] ?? 0;
  if (len >= 2 && len === size && (ds.metadata.type === 0 || ds.metadata.type === 1)) {
    const v = readNumeric(f, ds, WHERE).data;
    scale = v[1] - v[0];
    offset = v[0];
  }
  return { name: attrString(a, "name") ?? "", scale, offset, unit: normalizeUnit(rawUnit), rawUnit };
}

function microscope(f: OpenH5): { info: AcquisitionInfo; original: Record<string, never> } {
  const info: AcquisitionInfo = {};
  const original: Record<string, unknown> = {};
  for (const top of ["microscope", "sample", "user", "comments", "stage"]) {
    const g = groupAt(f, top);
    if (g) original[top] = boundJson(attrs(g));
  }
  const m = (original.microscope ?? {}) as Record<string, unknown>;
  const v = attrNumber(m, "high tension") ?? attrNumber(m, "voltage");
  if (v !== undefined && v > 0) info.voltage = v < 1000 ? v * 1000 : v; // kV written by some tools
  const mag = attrNumber(m, "magnification");
  if (mag !== undefined) info.magnification = mag;
  const name = attrString(m, "name");
  if (name) info.microscope = name;
  return { info, original: original as Record<string, never> };
}
