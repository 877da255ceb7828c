// Dims, mesh and layout declared in another file than the programs that use them.
import { dims, layout, mesh } from "./dsl.ts";

export const D = dims({ batch: 4, d_model: 8, d_ff: 16 });
export const M = mesh({ data: 2, model: 2 });
export const L = layout(M, D, "batch:data, d_ff:model");
export const LAYERS = 3;
