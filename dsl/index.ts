/**
 * meshtype: a typed named-dimension DSL for laying out large-model training
 * over a mesh of devices. This module is what user code imports as "meshtype".
 */
export { MeshtypeError } from "./errors.ts";
export { Tensor, describeTensor, type Dim } from "./tensor.ts";
export { Dims, dims } from "./dims.ts";
export { Mesh, mesh, type MeshAxis } from "./mesh.ts";
export { Layout, layout } from "./layout.ts";
export { parseDims } from "./parseDims.ts";
export { parseLayout, type LayoutRule } from "./parseLayout.ts";
export type { ParseDims, JoinDims, FirstRepeat, DimNames } from "./types/dimsString.ts";
export * from "./ops/index.ts";
