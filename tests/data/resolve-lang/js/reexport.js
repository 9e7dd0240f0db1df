export { add as plus } from "./lib.js";
export * from "./more.js";
