/**
 * Colour channels shared by LatentScatter and MapOverlay: one value per point, plus how to colour it.
 */
import { IvaeInputError } from "../util/errors";

/** How a channel is coloured in the browser. */
export type ChannelKind = "continuous" | "categorical" | "cyclic";

/** A channel given by the user: plain values, or values with a kind and category labels. */
export type ChannelInput = ArrayLike<number> | { values: ArrayLike<number>; kind?: ChannelKind; labels?: string[] };

/** Per-channel metadata sent as JSON next to the Float32 buffers. */
export interface ChannelInfo {
  kind: ChannelKind;
  labels: string[] | null;
}

/** Channels as widget traits: `channels` (buffers) and `channel_info` (JSON). */
export interface ChannelTraits {
  channels: { [name: string]: Float32Array };
  channel_info: { [name: string]: ChannelInfo };
}

const CYCLIC = /angle|phase|orient/i;
const CATEGORICAL = /suit|class|label|frame|species|cluster/i;

/**
 * Normalises user channels. The kind is guessed from the name when not given (angles are cyclic;
 * suit/class/frame are categorical), which is what the lecture's channels need.
 */
export function toChannelTraits(
  where: string,
  n: number,
  channels: { [name: string]: ChannelInput } = {},
): ChannelTraits {
  const out: ChannelTraits = { channels: {}, channel_info: {} };
  for (const [name, ch] of Object.entries(channels)) {
    // Note: `"values" in array` is true (Array.prototype.values), so test for plain arrays first.
    const isPlain = Array.isArray(ch) || ArrayBuffer.isView(ch);
    const values = isPlain ? (ch as ArrayLike<number>) : (ch as { values: ArrayLike<number> }).values;
    const spec = (isPlain ? {} : ch) as { kind?: ChannelKind; labels?: string[] };
    if (values.length !== n)
      throw new IvaeInputError(
        `${where}: channel "${name}" has ${values.length} values, expected one per point (${n})`,
      );
    const f = Float32Array.from(values);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(f[i])) throw new IvaeInputError(`${where}: channel "${name}" has NaN at index ${i}`);
    }
    const kind: ChannelKind =
      spec.kind ??
      (spec.labels
        ? "categorical"
        : CYCLIC.test(name)
          ? "cyclic"
          : CATEGORICAL.test(name)
            ? "categorical"
            : "continuous");
    out.channels[name] = f;
    out.channel_info[name] = { kind, labels: spec.labels ?? null };
  }
  return out;
}

/** Checks that an index list is within [0, n) and returns it as sorted unique integers. */
export function checkIndices(where: string, n: number, idx: ArrayLike<number>): number[] {
  const s = new Set<number>();
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= n)
      throw new IvaeInputError(`${where}: index ${v} is not an integer in [0, ${n})`);
    s.add(v);
  }
  return [...s].sort((a, b) => a - b);
}
