/** Binary traits as the widget manager hands them over, read as typed arrays. */

/** A bytes trait as the widget manager hands it over (DataView, ArrayBuffer or typed array). */
export type Bytes = DataView | ArrayBuffer | ArrayBufferView | null | undefined;

/** Copies a bytes trait into an aligned Float32Array (websocket buffers need not be 4-aligned). */
export function f32(b: Bytes): Float32Array {
  if (!b) return new Float32Array(0);
  if (b instanceof ArrayBuffer) return new Float32Array(b.slice(0));
  const v = b as ArrayBufferView;
  return new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** Float32 number `i` (little-endian) of a bytes trait, without copying it. */
export function floatAt(b: DataView | ArrayBuffer | ArrayBufferView, i: number): number {
  if (b instanceof DataView) return b.getFloat32(4 * i, true);
  const dv = b instanceof ArrayBuffer ? new DataView(b) : new DataView(b.buffer, b.byteOffset, b.byteLength);
  return dv.getFloat32(4 * i, true);
}

/** A Uint8Array view of a bytes trait. */
export function u8(b: Bytes): Uint8Array {
  if (!b) return new Uint8Array(0);
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  const v = b as ArrayBufferView;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}
