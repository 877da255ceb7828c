/**
 * The message catalog of dims, meshes, layouts and program bindings: every
 * message once, as a function and a type of the same name with the same text.
 */
export * from "./dims.ts";
export * from "./mesh.ts";
export * from "./layout.ts";
export * from "./program.ts";
