import * as zlib from "zlib";
import { IvaeInputError } from "../../util/errors";

/**
 * Decompressors and predictors of TIFF strips and tiles. Each takes the size the strip must decode to
 * and never writes past it, so a compressed strip cannot grow beyond what the header declared; a
 * stream that ends early yields fewer bytes, which the caller reports as damaged data (never zero-filled).
 * Formats: TIFF 6.0 sections 9 (PackBits), 13 (LZW) and 14 (predictor 2); Adobe Technical Note 3
 * (predictor 3, floating point); Adobe's Deflate (zlib stream) as written by libtiff and tifffile.
 */

/** Compression codes this reader decodes, with the largest output/input ratio each can reach. */
export const MAX_RATIO: Record<number, number> = {
  1: 1, // none
  5: 3641, // LZW: one code of >= 9 bits expands to at most 4096 bytes
  8: 1032, // Adobe Deflate: deflate's largest expansion is about 1032:1
  32946: 1032, // old-style Deflate code
  32773: 64, // PackBits: 2 bytes expand to at most 128
};

/** Human names of compression codes, for messages. */
export const COMPRESSION_NAME: Record<number, string> = {
  1: "none",
  2: "CCITT RLE",
  3: "CCITT fax 3",
  4: "CCITT fax 4",
  5: "LZW",
  6: "old JPEG",
  7: "JPEG",
  8: "Deflate",
  32773: "PackBits",
  32946: "Deflate",
  34712: "JPEG 2000",
  50000: "Zstd",
  34887: "LERC",
  50001: "WebP",
};

/** Decodes one strip or tile into at most `outLen` bytes; the result may be shorter when the data ends early. */
export function decompress(compression: number, src: Uint8Array, outLen: number, where: string): Uint8Array {
  switch (compression) {
    case 1:
      return src.subarray(0, Math.min(src.length, outLen));
    case 5:
      return lzwDecode(src, outLen, where);
    case 8:
    case 32946:
      return inflate(src, outLen, where);
    case 32773:
      return packBitsDecode(src, outLen, where);
  }
  throw new IvaeInputError(
    `decodeTiff: ${where} uses compression ${compression} (${COMPRESSION_NAME[compression] ?? "unknown"}); ` +
      `expected none, LZW, Deflate or PackBits. Re-save it uncompressed or as .npy`,
  );
}

function inflate(src: Uint8Array, outLen: number, where: string): Uint8Array {
  try {
    // Z_SYNC_FLUSH: a cut stream returns what it holds instead of throwing, so the caller can say how much is missing
    const finishFlush = zlib.constants.Z_SYNC_FLUSH;
    const out = zlib.inflateSync(src, { maxOutputLength: Math.max(1, outLen), finishFlush });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ERR_BUFFER_TOO_LARGE" ? `inflates to more than the ${outLen} bytes it should hold` : err.message;
    throw new IvaeInputError(`decodeTiff: ${where} is damaged Deflate data (${why})`);
  }
}

/** TIFF LZW (MSB-first codes, 9 to 12 bits, "early change" as in libtiff). */
export function lzwDecode(src: Uint8Array, outLen: number, where: string): Uint8Array {
  const out = new Uint8Array(outLen);
  const prefix = new Int32Array(4096),
    suffix = new Uint8Array(4096),
    first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const totalBits = src.length * 8;
  let width = 9,
    next = 258,
    prev = -1,
    pos = 0,
    bit = 0;
  while (bit + width <= totalBits && pos < outLen) {
    let code = 0;
    for (let k = 0; k < width; k++, bit++) code = (code << 1) | ((src[bit >> 3] >> (7 - (bit & 7))) & 1);
    if (code === 257) break;
    if (code === 256) {
      width = 9;
      next = 258;
      prev = -1;
      continue;
    }
    if (prev === -1) {
      if (code > 255)
        throw new IvaeInputError(`decodeTiff: ${where} is damaged LZW data (code ${code} right after a reset)`);
      out[pos++] = code;
      prev = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) {
      throw new IvaeInputError(`decodeTiff: ${where} is damaged LZW data (code ${code} before the table holds it)`);
    }
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = code < next ? first[code] : first[prev];
      first[next] = first[prev];
      length[next] = length[prev] + 1;
      next++;
    }
    // write the string of `code` backwards along its prefix chain, clipped at outLen
    const len = length[code];
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (pos + k < outLen) out[pos + k] = suffix[c];
      c = prefix[c];
    }
    pos = Math.min(outLen, pos + len);
    if (next >= (1 << width) - 1 && width < 12) width++;
    prev = code;
  }
  return out.subarray(0, pos);
}

/** PackBits run-length decoding (TIFF 6.0 section 9). */
export function packBitsDecode(src: Uint8Array, outLen: number, where: string): Uint8Array {
  const out = new Uint8Array(outLen);
  let i = 0,
    pos = 0;
  while (i < src.length && pos < outLen) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      if (i + n + 1 > src.length)
        throw new IvaeInputError(`decodeTiff: ${where} is damaged PackBits data (a literal run ends past the strip)`);
      const take = Math.min(n + 1, outLen - pos);
      out.set(src.subarray(i, i + take), pos);
      pos += take;
      i += n + 1;
    } else if (n !== -128) {
      if (i >= src.length)
        throw new IvaeInputError(`decodeTiff: ${where} is damaged PackBits data (a repeat run has no byte)`);
      const take = Math.min(1 - n, outLen - pos);
      out.fill(src[i++], pos, pos + take);
      pos += take;
    }
  }
  return out.subarray(0, pos);
}

/**
 * Undoes a predictor in place on `rows` rows of `samplesPerRow` samples of `bytesPer` bytes each, stored in the
 * file's byte order (`le`). Predictor 2 adds each sample to the one `spp` samples before it (integers, modulo
 * 2^bits); predictor 3 un-differences bytes and re-interleaves the byte planes of floating-point samples.
 */
export function undoPredictor(
  predictor: number,
  buf: Uint8Array,
  rows: number,
  samplesPerRow: number,
  spp: number,
  bytesPer: number,
  le: boolean,
): void {
  if (predictor === 1) return;
  const rowBytes = samplesPerRow * bytesPer;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (predictor === 2) {
    for (let r = 0; r < rows; r++) {
      const o = r * rowBytes;
      for (let i = spp; i < samplesPerRow; i++) {
        const a = o + i * bytesPer,
          b = a - spp * bytesPer;
        if (bytesPer === 1) buf[a] = (buf[a] + buf[b]) & 0xff;
        else if (bytesPer === 2) dv.setUint16(a, (dv.getUint16(a, le) + dv.getUint16(b, le)) & 0xffff, le);
        else if (bytesPer === 4) dv.setUint32(a, (dv.getUint32(a, le) + dv.getUint32(b, le)) >>> 0, le);
        else dv.setBigUint64(a, BigInt.asUintN(64, dv.getBigUint64(a, le) + dv.getBigUint64(b, le)), le);
      }
    }
    return;
  }
  if (predictor === 3) {
    const tmp = new Uint8Array(rowBytes);
    for (let r = 0; r < rows; r++) {
      const row = buf.subarray(r * rowBytes, (r + 1) * rowBytes);
      for (let i = spp; i < rowBytes; i++) row[i] = (row[i] + row[i - spp]) & 0xff;
      // byte plane j holds byte j (most significant first) of every sample
      for (let k = 0; k < samplesPerRow; k++) {
        for (let j = 0; j < bytesPer; j++) tmp[k * bytesPer + (le ? bytesPer - 1 - j : j)] = row[j * samplesPerRow + k];
      }
      row.set(tmp);
    }
    return;
  }
  throw new IvaeInputError(
    `decodeTiff: predictor ${predictor} is not defined; expected 1 (none), 2 (horizontal) or 3 (floating point)`,
  );
}
