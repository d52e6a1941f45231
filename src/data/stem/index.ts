export { STEM_SPECIES, SPECIES, zContrast } from "./render";
export type { Species, StemGroundTruth, ImagingOptions } from "./render";
export { stemInterface, stemDomains, stemTimeSeries } from "./lattices";
export type { SyntheticStem, InterfaceOptions, DomainOptions, TimeSeriesOptions } from "./lattices";
export { stemSpectral } from "./spectral";
export type { SpectralImage, SpectralOptions } from "./spectral";
export { stemPolycrystal } from "./polycrystal";
export type { PolycrystalOptions } from "./polycrystal";
