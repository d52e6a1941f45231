export * from "./filters";
export * from "./find";
export * from "./refine";
export * from "./scale";
export * from "./background";
export * from "./score";
export * from "./patches";
