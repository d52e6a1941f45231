export * from "./png";
export * from "./npy";
export * from "./tiff";
export * from "./load";
export type {
  AcquisitionInfo,
  AxisInfo,
  ImageFile,
  ImageMetadata,
  JsonValue,
  PixelSize,
  ReadOptions,
  SourceFormat,
} from "./metadata";
export { lengthInNm, toNm } from "./metadata";
export { channelImages, stackChannels } from "./channels";
export type { StackChannelsOptions } from "./channels";
export { MAX_FILE_BYTES, decodeImageFile, decodeImageFileSync, readImageFile } from "./read";
export type { SiblingFiles } from "./read";
export { sniffMicroscopeFormat } from "./sniff";
export type { MicroscopeFormat } from "./sniff";
export { isDM, parseDMTags, readDM } from "./dm";
export { isSER, parseEmi, readSER } from "./ser";
export { readHdf5Image } from "./hdf5";
export { isHdf5 } from "./h5";
export { decodeChannelFiles, loadChannelImages, readChannelFiles } from "./load-channels";
export type { ChannelFileOptions } from "./load-channels";
