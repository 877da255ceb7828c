/**
 * The primitives that autodiff knows: one per op of the DSL, with the same
 * attributes as the compiler's IR ops (compiler/ir/ir.ts), so one record
 * describes an op both when the eager ops run under a tape and when the
 * compiler reads its IR. Creation ops have no inputs and never reach a rule.
 */
import type { Conv2dSpec } from "../ops/shapeRulesConv.ts";
import type { LayoutRule } from "../parseLayout.ts";
import type { Dim } from "../tensor.ts";

/** Every element-wise function of one tensor: the one list (the DSL's ops, the front end, the rules' tests). */
export const unaryFns = [
  "relu", "gelu", "sigmoid", "exp", "log", "tanh", "sqrt", "rsqrt", "neg", "abs", "square", "reciprocal",
  "sin", "cos", "floor", "round",
] as const;

/** Element-wise functions of one tensor (the IR's `UnaryFn`). */
export type UnaryFn = (typeof unaryFns)[number];

/** The unary functions whose backward is one op of its own (`unaryGrad`): `dy * f'(x)` without building f' from parts. */
export const unaryGradFns = ["gelu"] as const;

/** A unary function with a fused backward (the IR's `UnaryGradFn`). */
export type UnaryGradFn = (typeof unaryGradFns)[number];

/** Element-wise functions of two operands (the IR's `BinaryFn`); comparisons give 1 or 0. */
export type BinaryFn =
  | "add" | "sub" | "mul" | "div" | "maximum" | "minimum" | "pow"
  | "less" | "lessEqual" | "greater" | "greaterEqual" | "equal";

/** Reductions over named dims (the IR's `ReduceFn`). */
export type ReduceFn = "sum" | "max" | "min" | "mean" | "logsumexp";

/** A number operand of a binary op, and on which side it stands. */
export interface ScalarOperand {
  readonly value: number;
  readonly position: 0 | 1;
}

/**
 * One op as autodiff sees it: its kind and attributes, never its inputs or
 * output. `einsum` and `transpose` read their output dims from the output.
 */
export type Primitive =
  | { readonly op: "param" }
  | { readonly op: "full" }
  | { readonly op: "constant" }
  | { readonly op: "iota" }
  | { readonly op: "random" }
  /** Inputs: x, and optionally the scalar step of the key (dsl/ops/dropout.ts). */
  | { readonly op: "dropout"; readonly rate: number; readonly seed: number; readonly name: string }
  | { readonly op: "unary"; readonly fn: UnaryFn }
  | { readonly op: "binary"; readonly fn: BinaryFn; readonly scalar?: ScalarOperand }
  | { readonly op: "where" }
  | { readonly op: "einsum" }
  | { readonly op: "reduce"; readonly fn: ReduceFn; readonly dims: readonly string[] }
  | { readonly op: "softmax"; readonly dim: string; readonly log: boolean }
  /** `(x - mean(x, dim)) / sqrt(var(x, dim) + epsilon)` (biased variance): a norm without its scale and bias. */
  | { readonly op: "normalize"; readonly dim: string; readonly epsilon: number }
  /** Inputs x and g (the cotangent of `normalize(x)`): the cotangent of x, the statistics recomputed from x. */
  | { readonly op: "normalizeGrad"; readonly dim: string; readonly epsilon: number }
  /** Inputs x and g: `g * f'(x)`, element-wise (the backward of `unary fn`). */
  | { readonly op: "unaryGrad"; readonly fn: UnaryGradFn }
  | ({ readonly op: "conv2d" } & Conv2dSpec)
  | { readonly op: "rename"; readonly from: string; readonly to: string }
  | { readonly op: "transpose" }
  | { readonly op: "splitDim"; readonly dim: string; readonly into: readonly Dim[] }
  | { readonly op: "mergeDims"; readonly dims: readonly string[]; readonly into: string }
  | { readonly op: "slice"; readonly dim: string; readonly start: number; readonly stop: number }
  | { readonly op: "concat"; readonly dim: string }
  | { readonly op: "oneHot"; readonly dim: Dim }
  | { readonly op: "gather"; readonly dim: string }
  | { readonly op: "relayout"; readonly rules: readonly LayoutRule[] };

/** The kind of a primitive. */
export type PrimitiveKind = Primitive["op"];

/** The primitive of kind `K`. */
export type PrimitiveOf<K extends PrimitiveKind> = Extract<Primitive, { readonly op: K }>;
