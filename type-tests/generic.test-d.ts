/**
 * Type tests of code generic over its dims: helpers constrained with
 * `HasDims<...>` type-check without casts and keep `Tensor<X>` where the ops
 * keep x's dims; the same ops on an unconstrained `X` or a constraint that
 * lacks the dim are errors; called with concrete dims, the helpers give the
 * concrete result or the constraint's message. Also `dot`, the broadcast
 * rule's outer form and `dimsOf` + `transpose` for bodies the types cannot
 * follow. (The text of the errors the editor shows for generic helpers is
 * pinned by dsl/types/genericMessages.test.ts, which runs both compilers.)
 */
import { expectAssignable, expectError, expectNotAssignable, expectType } from "tsd";
import {
  add, dims, dimsOf, dot, logsumexp, mean, mul, oneHot, rename, rsqrt, softmax, square, sub, sum, transpose, zeros,
  type ContractDims, type DotDims, type HasDim, type HasDims, type Tensor, type ValidateDot,
} from "../dsl/index.ts";

const D = dims({ batch: 2, seq: 3, kv_seq: 3, d_model: 4, d_ff: 8, heads: 2, d_head: 2, vocab: 5 });
const x = zeros(D, "batch seq d_model");
const EPSILON = 1e-6;

// HasDims: every dims string with the names, in any position; nothing for unknown names, empty or repeated lists
expectAssignable<HasDims<"d_model">>("d_model");
expectAssignable<HasDims<"d_model">>("batch seq d_model");
expectAssignable<HasDims<"seq d_model">>("d_model batch seq");
expectNotAssignable<HasDims<"d_model">>("batch seq d_model_2");
expectNotAssignable<HasDims<"seq d_model">>("batch seq");
expectType<never>({} as HasDims<string>);
expectType<never>({} as HasDims<"">);
expectType<never>({} as HasDims<"seq seq">);
expectType<HasDim<"d_model">>({} as HasDims<"d_model">);

// A generic norm: the reduction is proven from the constraint, and broadcasting it back keeps Tensor<X>.
function rmsNorm<X extends HasDims<"d_model">>(norm: Tensor<X>, scale: Tensor<"d_model">): Tensor<X> {
  return mul(mul(norm, rsqrt(add(mean(square(norm), "d_model"), EPSILON))), scale);
}
function layerNorm<X extends HasDims<"d_model">>(norm: Tensor<X>, scale: Tensor<"d_model">, bias: Tensor<"d_model">): Tensor<X> {
  const centered = sub(norm, mean(norm, "d_model"));
  return add(mul(mul(centered, rsqrt(add(mean(square(centered), "d_model"), EPSILON))), scale), bias);
}
expectType<Tensor<"batch seq d_model">>(rmsNorm(x, zeros(D, "d_model")));
expectType<Tensor<"d_model seq">>(layerNorm(zeros(D, "d_model seq"), zeros(D, "d_model"), zeros(D, "d_model")));
expectError(rmsNorm(zeros(D, "batch seq d_ff"), zeros(D, "d_model")));

// softmax over a proven dim, a reduction to a scalar, and one generic over two dims
function attend<X extends HasDims<"kv_seq">>(scores: Tensor<X>): Tensor<X> {
  return softmax(scores, "kv_seq");
}
function meanLoss<X extends HasDims<"vocab">>(logits: Tensor<X>): Tensor<""> {
  return sub(mean(logsumexp(logits, "vocab")), mean(logits));
}
function perPosition<X extends HasDims<"seq d_model">>(h: Tensor<X>) {
  return sum(h, "seq d_model");
}
expectType<Tensor<"batch seq kv_seq">>(attend(zeros(D, "batch seq kv_seq")));
expectType<Tensor<"">>(meanLoss(zeros(D, "batch vocab")));
expectType<Tensor<"batch">>(perPosition(x));

// Bad: the dim is not proven (no constraint, or a constraint without it); one dim for softmax.
function unconstrained<X extends string>(h: Tensor<X>) {
  expectError(mean(h, "d_model"));
  expectError(softmax(h, "d_model"));
  return h;
}
function wrongConstraint<X extends HasDims<"d_ff">>(h: Tensor<X>) {
  expectError(mean(h, "d_model"));
  expectError(softmax(h, "seq d_ff"));
  return h;
}
// Bad: a result that does not keep x's dims is not Tensor<X>.
function grows<X extends HasDims<"d_model">>(h: Tensor<X>) {
  expectNotAssignable<Tensor<X>>(mul.outer(h, zeros(D, "vocab")));
  expectNotAssignable<Tensor<X>>(mean(h, "d_model"));
  return h;
}
unconstrained(x);
wrongConstraint(zeros(D, "batch d_ff"));
grows(x);

// dot: sums the listed dims, keeps the others; b's new dims take the place of a's first summed dim.
const w = zeros(D, "d_model d_ff");
expectType<Tensor<"batch seq d_ff">>(dot(x, w, "d_model"));
expectType<Tensor<"batch seq heads kv_seq">>(dot(zeros(D, "batch seq heads d_head"), zeros(D, "batch kv_seq heads d_head"), "d_head"));
expectType<Tensor<"batch seq d_model">>(dot(zeros(D, "batch seq heads d_head"), zeros(D, "heads d_head d_model"), "heads d_head"));
expectType<"d_ff batch">({} as DotDims<"d_model batch", "d_model d_ff", "d_model">);
// with no dims listed, every dim both have is summed
expectType<Tensor<"batch seq d_ff">>(dot(x, w));
expectType<Tensor<"batch seq heads d_head">>(dot(x, zeros(D, "d_model heads d_head")));
expectType<Tensor<"batch seq d_model vocab">>(dot(x, zeros(D, "vocab")));
expectType<"batch d_ff">({} as ContractDims<"batch d_model", "d_model d_ff">);
expectError(dot(x, w, "d_ff"));
expectType<'dot: "d_ff" is summed, but Tensor<"batch seq d_model"> has no dim "d_ff". Sum only dims that both tensors have, or fix the spelling.'>(
  {} as ValidateDot<"d_ff", "batch seq d_model", "d_model d_ff">,
);
expectError(dot(x, w, "seq"));
expectType<'dot: "seq" is summed, but Tensor<"d_model d_ff"> has no dim "seq". Sum only dims that both tensors have, or fix the spelling.'>(
  {} as ValidateDot<"seq", "batch seq d_model", "d_model d_ff">,
);
expectError(dot(x, w, ""));
expectType<'dot: no dims listed for Tensor<"batch seq d_model"> and Tensor<"d_model d_ff">. List at least one of its dims.'>(
  {} as ValidateDot<"", "batch seq d_model", "d_model d_ff">,
);
// A generic projection: dot proves d_model from the constraint; at the call the result is concrete.
function project<X extends HasDims<"d_model">>(h: Tensor<X>, weight: Tensor<"d_model d_ff">): Tensor<DotDims<X, "d_model d_ff", "d_model">> {
  return dot(h, weight, "d_model");
}
expectType<Tensor<"batch seq d_ff">>(project(x, w));

// Bodies the types cannot follow (names that are type parameters) work on Tensor<string>, a plain
// widening, and state their result with transpose(y, dimsOf(x)), which the op checks at run time.
function embed<I extends string>(ids: Tensor<I>, table: Tensor<"vocab d_model">): Tensor<`${I} d_model`> {
  const wideIds: Tensor<string> = ids;
  return transpose(dot(oneHot(wideIds, "vocab", 5), table, "vocab"), `${dimsOf(ids)} d_model`);
}
function renamedBack<S extends string, X extends HasDim<S>>(h: Tensor<X>, seq: S): Tensor<X> {
  const wide: Tensor<string> = h;
  return transpose(rename(rename(wide, seq, "tmp"), "tmp", seq), dimsOf(h));
}
expectType<Tensor<"batch seq d_model">>(embed(zeros(D, "batch seq"), zeros(D, "vocab d_model")));
expectType<Tensor<"batch seq d_model">>(renamedBack(x, "seq"));
expectError(renamedBack(x, "sequence"));
expectType<"batch seq d_model">(dimsOf(x));
