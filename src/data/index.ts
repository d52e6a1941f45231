export {};
export * from "./io";
