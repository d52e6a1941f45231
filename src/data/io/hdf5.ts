import { fileError } from "./bytes";
import { emdGroups, readBerkeleyEmd } from "./emd";
import { openH5 } from "./h5";
import { isHyperSpy, readHyperSpy } from "./hyperspy";
import { ImageFile, ReadOptions } from "./metadata";
import { isVelox, readVelox } from "./velox";

/**
 * Reads an HDF5-based microscopy file, recognising the layout by its content: HyperSpy (root attribute
 * file_format or /Experiments), Velox (/Data/Image), Berkeley EMD (a group with emd_group_type = 1).
 */
export async function readHdf5Image(bytes: Uint8Array, name: string, opts: ReadOptions = {}): Promise<ImageFile> {
  const f = await openH5(bytes, name, "readImageFile");
  try {
    if (isHyperSpy(f)) return readHyperSpy(f, opts);
    if (isVelox(f)) return readVelox(f, opts);
    if (emdGroups(f).length > 0) return readBerkeleyEmd(f, opts);
    const top = f.file.keys().join(", ") || "empty";
    fileError(
      "readImageFile",
      name,
      `an HDF5 file of unknown layout (top level: ${top}); ` +
        `expected Velox .emd (/Data/Image), Berkeley EMD (emd_group_type = 1) or HyperSpy (/Experiments)`,
    );
  } finally {
    f.close();
  }
}
