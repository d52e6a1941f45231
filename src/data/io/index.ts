export * from "./png";
export * from "./npy";
export * from "./tiff";
export * from "./load";
export * from "./metadata";
