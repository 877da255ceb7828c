// The eager reference ops of the DSL: one module per op group, re-exported here.
export * from "./shapeRules.ts";
export * from "./messages.ts";
export * from "./create.ts";
export * from "./random.ts";
export * from "./dropout.ts";
export { fmix32, hashName, streamKey, randomBits, uniformAt, normalAt, type StreamKey } from "./randomBits.ts";
export * from "./einsum.ts";
export * from "./dot.ts";
export * from "./unary.ts";
export * from "./binary.ts";
export * from "./reduce.ts";
export * from "./fused.ts";
export * from "./shape.ts";
export * from "./sliceConcat.ts";
export * from "./embedding.ts";
export * from "./relayout.ts";
export type {
  ValidateEinsumOut, EinsumError, BroadcastDims, BroadcastError, ValidateBroadcast, ReduceDims, DotDims, ContractDims, DotError, ValidateDot,
} from "./types/contraction.ts";
export type { ValidateDimOf, ValidateDimsOf, ValidateNewDim, DimName } from "./types/checks.ts";
export type { ValidatePermutation, ValidateSplitNames, ValidateSplitSizes, RenameDims, SplitDims, MergeDims, TransposeDims, ValidateAlign, AlignError } from "./types/reshape.ts";
export type { ValidateConcatDim, ConcatDims, OneHotDims, GatherDims, ValidateGatherDim, ValidateRelayout } from "./types/indexing.ts";
export type { Normalize, Describe, OrMessage, IsWide, Without, FirstIn, FirstNotIn, ReplaceWith } from "./types/dimTuples.ts";
export type { OperandDims } from "./binary.ts";
export * from "./conv.ts";
export * from "./tree.ts";
