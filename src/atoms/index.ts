export * from "./filters";
export * from "./find";
export * from "./score";
export * from "./patches";
