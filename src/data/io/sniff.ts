import { IvaeInputError } from "../../util/errors";
import { isDM, readDM } from "./dm";
import { isHdf5 } from "./h5";
import { ImageFile, ReadOptions } from "./metadata";
import { isSER, readSER } from "./ser";

/** The microscope formats recognised from a file's first bytes; undefined for anything else. */
export type MicroscopeFormat = "dm" | "ser" | "hdf5";

/** Which microscope format the bytes start like (HDF5 signature, DM version word, TIA series header). */
export function sniffMicroscopeFormat(bytes: Uint8Array): MicroscopeFormat | undefined {
  if (isHdf5(bytes)) return "hdf5";
  if (isSER(bytes)) return "ser";
  if (isDM(bytes)) return "dm";
  return undefined;
}

/**
 * Decodes the microscope formats that need no asynchronous set-up (DM3/DM4, TIA .ser) for the synchronous
 * `decodeImages`/`loadImages`; returns undefined for other formats. HDF5 files need h5wasm, which loads
 * asynchronously, so they are refused here with the function to call instead.
 */
export function decodeMicroscopeSync(
  bytes: Uint8Array,
  name: string,
  opts: ReadOptions = {},
  emi?: Uint8Array,
): ImageFile | undefined {
  const fmt = sniffMicroscopeFormat(bytes);
  if (fmt === "dm") return readDM(bytes, name, opts);
  if (fmt === "ser") return readSER(bytes, name, opts, emi);
  if (fmt === "hdf5") {
    throw new IvaeInputError(
      `loadImages: ${name} is an HDF5 file (Velox/Berkeley .emd, HyperSpy .hspy); ` +
        `HDF5 is read asynchronously: use \`const { images, metadata } = await readImageFile(path)\` instead`,
    );
  }
  return undefined;
}
