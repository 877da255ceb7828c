// Every op group of docs/API.md once: creation, element-wise with scalars on
// either side, where with a scalar, reductions, softmax, shape and index ops, relayout.
import {
  add, clamp, concat, cos, dims, dimsOf, div, dot, einsum, elementCount, exp, floor, full, mul, round, sin, gather, greater, iota, layout, logSoftmax, logsumexp, max, mean, mergeDims, mesh,
  oneHot, ones, program, randomNormal, randomUniform, relayout, rename, slice, sub, sum, transpose, where, zeros, type Tensor,
} from "./dsl.ts";

const D = dims({ batch: 4, seq: 8, d_model: 8, vocab: 16, two: 2, half: 8, flat: 32 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");

export function everything(x: Tensor<"batch seq d_model">, ids: Tensor<"batch seq">, table: Tensor<"vocab d_model">) {
  const noise = randomNormal(D, "d_model", { seed: 1, name: "noise", mean: 0.5, std: 2 });
  const drop = randomUniform(D, "d_model", { seed: 2, name: "drop" });
  const base = sub(div(2, exp(x)), full(D, "d_model", 3));
  const masked = where(greater(iota(D, "seq"), 3), base, 0);
  const stats = sum(max(masked, "d_model"), "seq");
  const probs = logSoftmax(einsum(x, table, "batch seq vocab"), "vocab");
  const picked = gather(table, ids, "vocab");
  const hot = oneHot(ids, "vocab", D.sizes.vocab);
  const halves = concat([slice(x, "d_model", 0, 4), slice(x, "d_model", 4, 8)], "d_model");
  const folded = mergeDims(transpose(rename(halves, "d_model", "half"), "half batch seq"), "half batch", "flat");
  return {
    stats: sub(stats, mean(logsumexp(probs, "vocab"), "batch seq")),
    picked: relayout(picked, "seq:data"),
    hot,
    folded,
    init: sub(zeros(D, "two"), ones(D, "two")),
    noise: sub(noise, drop),
    waves: clamp(sub(sin(floor(x)), cos(round(x))), -0.5, 0.5),
    projected: transpose(dot(x, table, "d_model"), dimsOf(hot)),
    outer: add(mul.outer(iota(D, "two"), iota(D, "seq")), mul(sum(x), 1 / elementCount(x))),
  };
}

export const everything2 = program(everything, { mesh: M, layout: L });
