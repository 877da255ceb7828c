// Generic helpers inlined per call site: template-literal dims, sizes from D,
// object parameters with destructuring, defaults, arrow helpers, a static `if`.
import {
  add, dims, einsum, gelu, layout, mergeDims, mesh, mul, program, rename, softmax, splitDim, type Tensor,
} from "./dsl.ts";

const D = dims({ batch: 4, seq: 8, kv_seq: 8, d_model: 16, heads: 2, d_head: 8, d_ff: 16 });
const M = mesh({ model: 2 });
const L = layout(M, D, "heads:model, d_ff:model");

interface Dense<In extends string, Out extends string> {
  readonly w: Tensor<`${In} ${Out}`>;
  readonly b: Tensor<Out>;
}

function dense<const R extends string>(x: Tensor<string>, params: Dense<string, string>, out: R, bias = true): Tensor<R> {
  const y: Tensor<R> = einsum(x, params.w, out as never);
  if (bias) return add(y, params.b) as Tensor<string> as Tensor<R>;
  return y;
}

const scaled = (x: Tensor<"batch heads seq kv_seq">, size: number) => mul(x, 1 / Math.sqrt(size));

export function block(x: Tensor<"batch seq d_model">, wq: Tensor<"d_model d_ff">, { up, down }: { up: Dense<"d_model", "d_ff">; down: Dense<"d_ff", "d_model"> }) {
  const q = splitDim(einsum(x, wq, "batch seq d_ff"), "d_ff", "heads d_head", { heads: D.sizes.heads });
  const k = rename(q, "seq", "kv_seq");
  const scores = scaled(einsum(q, k, "batch heads seq kv_seq"), D.sizes.d_head);
  const merged = mergeDims(q, "heads d_head", "d_model");
  const h = gelu(dense(merged, up, `batch seq ${"d_ff"}`));
  return { y: dense(h, down, "batch seq d_model", false), scores: softmax(scores, "kv_seq") };
}

export const block2 = program(block, { mesh: M, layout: L });
