// Everything the fixtures use, re-exported from meshtype's own modules (as "meshtype" does).
export { dims } from "../../../dsl/dims.ts";
export { mesh } from "../../../dsl/mesh.ts";
export { layout } from "../../../dsl/layout.ts";
export { program } from "../../../dsl/program.ts";
export { Tensor } from "../../../dsl/tensor.ts";
export * from "../../../dsl/ops/index.ts";
