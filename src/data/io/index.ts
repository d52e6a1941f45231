export * from "./png";
