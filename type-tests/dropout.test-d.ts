/**
 * Type tests of `dropout`: the result keeps x's dims; the key needs a seed and
 * a name; its step is a scalar; `block` names only dims of x; `training` is a boolean.
 */
import { expectError, expectType } from "tsd";
import { dims, dropout, zeros, type Tensor } from "../dsl/index.ts";

const D = dims({ batch: 2, seq: 4, d_model: 8 });
const x = zeros(D, "batch seq d_model");
const step = zeros(D, "");
const vector = zeros(D, "batch");

expectType<Tensor<"batch seq d_model">>(dropout(x, 0.1, { seed: 0, name: "hidden" }));
expectType<Tensor<"batch seq d_model">>(dropout(x, 0.1, { seed: 0, name: "hidden", step }, { training: false }));
expectType<Tensor<"batch seq d_model">>(dropout(x, 0.1, { seed: 0, name: "hidden" }, { block: { seq: { offset: 2, size: 8 } } }));

// the key: a seed and a name, and a step that is a scalar tensor
expectError(dropout(x, 0.1, { seed: 0 }));
expectError(dropout(x, 0.1, { name: "hidden" }));
expectError(dropout(x, 0.1, { seed: 0, name: "hidden", step: 3 }));
expectError(dropout(x, 0.1, { seed: 0, name: "hidden", step: vector }));
// the rate is a number; training a boolean; block only names dims of x
expectError(dropout(x, "0.1", { seed: 0, name: "hidden" }));
expectError(dropout(x, 0.1, { seed: 0, name: "hidden" }, { training: "yes" }));
expectError(dropout(x, 0.1, { seed: 0, name: "hidden" }, { block: { vocab: { offset: 0, size: 8 } } }));
