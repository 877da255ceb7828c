// Callees resolved through aliases: a renamed import, a namespace import, an op
// passed as a value, `program` under another name, and an arrow-function model.
import * as mt from "./dsl.ts";
import { einsum as contract, program as bind, relu, type Tensor } from "./dsl.ts";
import { L, M } from "./config.ts";

const apply = (fn: (t: Tensor<"batch d_ff">) => Tensor<"batch d_ff">, t: Tensor<"batch d_ff">) => fn(t);

export const model = (x: Tensor<"batch d_model">, w: Tensor<"d_model d_ff">) => apply(relu, mt.sigmoid(contract(x, w, "batch d_ff")));

export const aliased = bind(model, { mesh: M, layout: L });
export const namespaced = mt.program((x: Tensor<"batch d_model">) => mt.neg(x), { mesh: M, layout: L });
