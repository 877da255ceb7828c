/**
 * Type tests of the shape and index ops and of creation: each bad call is an
 * error, its good twin type-checks with the pinned result dims, and the
 * message the editor shows (the validator's result) is pinned.
 */
import { expectError, expectType } from "tsd";
import {
  concat, dims, gather, iota, mergeDims, oneHot, randomNormal, relayout, rename, slice, splitDim, tensor, transpose, zeros,
  type Tensor, type ValidateConcatDim, type ValidateDimOf, type ValidateDimsOf, type ValidateGatherDim, type ValidateNewDim,
  type ValidatePermutation, type ValidateRelayout, type ValidateSplitNames, type ValidateSplitSizes,
} from "../dsl/index.ts";

const D = dims({ batch: 2, seq: 4, d_model: 8, heads: 2, d_head: 4, vocab: 5, key: 4 });
const x = zeros(D, "batch seq d_model");

// rename: from is a dim of x, to is not
expectType<Tensor<"batch key d_model">>(rename(x, "seq", "key"));
expectError(rename(x, "sequence", "key"));
expectType<'rename: Tensor<"batch seq d_model"> has no dim "sequence". Use one of its dims, or fix the spelling.'>(
  {} as ValidateDimOf<"rename", "sequence", "batch seq d_model">,
);
expectError(rename(x, "seq", "batch"));
expectType<'rename: Tensor<"batch seq d_model"> already has a dim "batch". Pick another name, or rename the existing dim first.'>(
  {} as ValidateNewDim<"rename", "batch", "batch seq d_model", "seq">,
);

// transpose: a permutation of x's dims
expectType<Tensor<"d_model batch seq">>(transpose(x, "d_model batch seq"));
expectError(transpose(x, "d_model batch"));
expectType<'transpose: "d_model batch" leaves out dim "seq" of Tensor<"batch seq d_model">. List every dim of the tensor once, in the new order.'>(
  {} as ValidatePermutation<"d_model batch", "batch seq d_model">,
);
expectError(transpose(x, "d_model batch vocab"));
expectType<'transpose: Tensor<"batch seq d_model"> has no dim "vocab". Use one of its dims, or fix the spelling.'>(
  {} as ValidatePermutation<"d_model batch vocab", "batch seq d_model">,
);

// splitDim: dim of x, new names, sizes keyed by the new names (one may be left out)
expectType<Tensor<"batch seq heads d_head">>(splitDim(x, "d_model", "heads d_head", { heads: 2 }));
expectType<Tensor<"batch seq heads d_head">>(splitDim(x, "d_model", "heads d_head", { heads: 2, d_head: 4 }));
expectError(splitDim(x, "d_mode", "heads d_head", { heads: 2 }));
expectError(splitDim(x, "d_model", "heads seq", { heads: 2 }));
expectType<'splitDim: Tensor<"batch seq d_model"> already has a dim "seq". Pick another name, or rename the existing dim first.'>(
  {} as ValidateSplitNames<"heads seq", "d_model", "batch seq d_model">,
);
expectError(splitDim(x, "d_model", "heads d_head", { head: 2 }));
expectType<'splitDim: the sizes give "head", which is not one of the new dims "heads d_head". Give sizes only for the new dims.'>(
  {} as ValidateSplitSizes<{ head: number }, "heads d_head">,
);
expectError(splitDim(x, "d_model", "heads d_head vocab", { heads: 2 }));
expectType<'splitDim: the sizes leave out both "d_head" and "vocab" of "heads d_head vocab". Give every size but at most one.'>(
  {} as ValidateSplitSizes<{ heads: number }, "heads d_head vocab">,
);

// mergeDims: listed dims of x; the merged name is new (or one of the listed)
const split = zeros(D, "batch heads seq d_head");
expectType<Tensor<"batch d_model seq">>(mergeDims(split, "heads d_head", "d_model"));
expectType<Tensor<"batch heads seq">>(mergeDims(split, "heads d_head", "heads"));
expectError(mergeDims(split, "heads d_heads", "d_model"));
expectType<'mergeDims: Tensor<"batch heads seq d_head"> has no dim "d_heads". Use one of its dims, or fix the spelling.'>(
  {} as ValidateDimsOf<"mergeDims", "heads d_heads", "batch heads seq d_head">,
);
expectError(mergeDims(split, "heads d_head", "seq"));

// slice and concat: the dim is there; concat inputs have the same dims in the same order
expectType<Tensor<"batch seq d_model">>(slice(x, "seq", 0, 2));
expectError(slice(x, "key", 0, 2));
expectType<Tensor<"batch seq d_model">>(concat([x, x], "seq"));
expectError(concat([x, transpose(x, "seq batch d_model")], "seq"));
expectType<'concat along "seq": the inputs have different dims (Tensor<"batch seq d_model">, Tensor<"seq batch d_model">). Give them the same dims in the same order: transpose them first.'>(
  {} as ValidateConcatDim<"seq", [Tensor<"batch seq d_model">, Tensor<"seq batch d_model">]>,
);
expectError(concat([x, x], "vocab"));

// oneHot and gather
const tokens = zeros(D, "batch seq");
const wte = zeros(D, "vocab d_model");
expectType<Tensor<"batch seq vocab">>(oneHot(tokens, "vocab", 5));
expectError(oneHot(tokens, "seq", 5));
expectType<Tensor<"batch seq d_model">>(gather(wte, tokens, "vocab"));
expectError(gather(wte, tokens, "vocabulary"));
expectError(gather(zeros(D, "vocab seq"), tokens, "vocab"));
expectType<'gather: dim "seq" is in both the ids Tensor<"batch seq"> and the table Tensor<"vocab seq">, so the result would have it twice. Rename it in one of them.'>(
  {} as ValidateGatherDim<"vocab", "vocab seq", "batch seq">,
);

// relayout: a layout over x's dims, one dim per axis
expectType<Tensor<"batch seq d_model">>(relayout(x, "batch:data, d_model:model"));
expectError(relayout(x, "d_ff:model"));
expectType<'relayout: Tensor<"batch seq d_model"> has no dim "d_ff". Use one of its dims, or fix the spelling.'>(
  {} as ValidateRelayout<"d_ff:model", "batch seq d_model">,
);
expectError(relayout(x, "batch:model, seq:model"));
expectType<'relayout "batch:model, seq:model" puts two dims of Tensor<"batch seq d_model">, "batch" and "seq", on mesh axis "model". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.'>(
  {} as ValidateRelayout<"batch:model, seq:model", "batch seq d_model">,
);

// creation: declared dims; iota over one dim; a region's keys are dims of the tensor
expectType<Tensor<"batch seq">>(tensor(D, "batch seq", new Float32Array(8)));
expectError(tensor(D, "batch sequence", new Float32Array(8)));
expectType<Tensor<"seq">>(iota(D, "seq"));
expectError(iota(D, "batch seq"));
expectType<Tensor<"d_model vocab">>(randomNormal(D, "d_model vocab", { seed: 0, name: "w" }, { region: { vocab: [0, 2] } }));
expectError(randomNormal(D, "d_model vocab", { seed: 0, name: "w" }, { region: { seq: [0, 2] } }));
