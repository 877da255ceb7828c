/**
 * Type tests of einsum, the element-wise ops and the reductions: each bad call
 * is an error, its good twin type-checks with the pinned result dims, and the
 * message the editor shows (the validator's result) is pinned.
 */
import { expectError, expectType } from "tsd";
import {
  add, dims, einsum, gelu, less, logsumexp, max, mean, mul, softmax, sub, sum, where, zeros,
  type BroadcastDims, type Tensor, type ValidateBroadcast, type ValidateDimOf, type ValidateDimsOf, type ValidateEinsumOut,
} from "../dsl/index.ts";

const D = dims({ batch: 2, seq: 3, d_model: 4, d_ff: 8, vocab: 5 });
const x = zeros(D, "batch seq d_model");
const w = zeros(D, "d_model d_ff");

// einsum: output dims come from the inputs
expectType<Tensor<"batch seq d_ff">>(einsum(x, w, "batch seq d_ff"));
expectType<Tensor<"d_ff batch">>(einsum(x, w, "d_ff  batch"));
expectType<Tensor<"batch">>(einsum(x, "batch"));
expectError(einsum(x, w, "batch seq d_fff"));
expectType<'einsum: output dim "d_fff" of "batch seq d_fff" is in no input (Tensor<"batch seq d_model">, Tensor<"d_model d_ff">). Use only dims of the inputs, or fix the spelling.'>(
  {} as ValidateEinsumOut<"batch seq d_fff", ["batch seq d_model", "d_model d_ff"]>,
);
expectError(einsum(x, "vocab"));
expectType<'einsum: output dim "vocab" of "vocab" is in no input (Tensor<"batch seq d_model">). Use only dims of the inputs, or fix the spelling.'>(
  {} as ValidateEinsumOut<"vocab", ["batch seq d_model"]>,
);
expectError(einsum(x, w, "batch batch"));
expectType<'einsum: dim "batch" is listed twice in "batch batch". List each dim once.'>({} as ValidateEinsumOut<"batch batch", ["batch", "d"]>);
expectType<"batch d_ff">({} as ValidateEinsumOut<"batch d_ff", ["batch seq d_model", "d_model d_ff"]>);

// a tensor whose dims the types do not know is not checked
declare const loose: Tensor<string>;
expectType<Tensor<"anything">>(einsum(loose, w, "anything"));

// binary ops: one operand's dims within the other's; a's dims, then b's new ones; numbers on either side
expectType<Tensor<"batch seq d_model">>(add(x, zeros(D, "d_model")));
expectType<Tensor<"d_model batch seq">>(mul(zeros(D, "d_model"), x));
expectType<Tensor<"batch seq d_model">>(mul(x, zeros(D, "seq batch")));
expectError(add(x, w));
expectType<'add: Tensor<"batch seq d_model"> and Tensor<"d_model d_ff"> each have a dim the other lacks ("batch", "d_ff"). Write add.outer(a, b) for an outer product, or give one operand only dims of the other.'>(
  {} as ValidateBroadcast<"add", "batch seq d_model", "d_model d_ff">,
);
expectType<Tensor<"d_model">>({} as ValidateBroadcast<"add", "batch seq d_model", "d_model">);
// the outer form: each operand may have dims the other lacks
expectType<Tensor<"batch seq d_model d_ff">>(add.outer(x, w));
expectType<Tensor<"d_model d_ff batch seq">>(mul.outer(w, x));
expectType<Tensor<"batch seq d_model">>(sub(x, 1));
expectType<Tensor<"d_model d_ff">>(less(2, w));
expectType<"a b c">({} as BroadcastDims<"a b", "c b">);
expectType<string>({} as BroadcastDims<string, "c b">);
expectError(add(x, "1"));
expectType<Tensor<"batch seq d_model">>(gelu(x));
expectType<Tensor<"d_model batch seq">>(where(zeros(D, "seq"), zeros(D, "d_model"), zeros(D, "batch")));
expectType<Tensor<"batch seq d_model">>(where(zeros(D, "seq"), x, 0));

// reductions: listed dims must be dims of x, once, at least one
expectType<Tensor<"batch">>(sum(x, "seq d_model"));
expectType<Tensor<"seq">>(logsumexp(x, "d_model batch"));
expectError(sum(x, "seq d_ff"));
expectType<'sum: Tensor<"batch seq d_model"> has no dim "d_ff". Use one of its dims, or fix the spelling.'>(
  {} as ValidateDimsOf<"sum", "seq d_ff", "batch seq d_model">,
);
expectError(mean(x, ""));
expectType<'mean: no dims listed for Tensor<"batch seq d_model">. List at least one of its dims.'>({} as ValidateDimsOf<"mean", "", "batch seq d_model">);
expectError(max(x, "seq seq"));
expectType<'max: dim "seq" is listed twice in "seq seq". List each dim once.'>({} as ValidateDimsOf<"max", "seq seq", "batch seq d_model">);

// softmax: one dim of x
expectType<Tensor<"batch seq d_model">>(softmax(x, "seq"));
expectError(softmax(x, "vocab"));
expectType<'softmax: Tensor<"batch seq d_model"> has no dim "vocab". Use one of its dims, or fix the spelling.'>(
  {} as ValidateDimOf<"softmax", "vocab", "batch seq d_model">,
);
expectError(softmax(x, "seq batch"));
expectType<'softmax: expected one dim name but got "seq batch". Pass a single name such as "seq".'>(
  {} as ValidateDimOf<"softmax", "seq batch", "batch seq d_model">,
);
