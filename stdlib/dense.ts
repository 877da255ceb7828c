/**
 * Dense (fully connected) layers: `dot` with a weight over its input dim, then
 * a bias. Generic over every other dim of x (batch, sequence, heads...): the
 * weight `[In Out]` names the one dim the layer contracts, and the result has
 * x's dims with `In` replaced by `Out` in place. The compiler sees one einsum
 * and one add.
 */
import { add, alignAs, dot, randomNormal, transpose, zeros, type ContractDims, type Dims, type HasDim, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/**
 * The parameters of a dense layer from dim `In` to dim `Out`: a weight with
 * dims `In Out` and a bias over `Out`.
 */
export interface DenseParams<In extends string, Out extends string> {
  readonly w: Tensor<`${In} ${Out}`>;
  readonly b: Tensor<Out>;
}

/**
 * `x · w + b`: contracts x's dim `In` with the weight and adds the bias. The
 * result has x's dims with `In` replaced by `Out` (in place); x must have
 * `In` (the editor names the constraint, `HasDim<"d_model">`, when it does not).
 *
 * @example
 * const h = dense(x, params.up);         // x: "batch seq d_model", w: "d_model d_ff" -> "batch seq d_ff"
 * const logits = dense(pooled, params.head); // "batch c_out" -> "batch classes"
 */
export function dense<X extends HasDim<In>, In extends string, Out extends string>(
  x: Tensor<X>,
  params: DenseParams<In, Out>,
): Tensor<ContractDims<X, `${In} ${Out}`>> {
  const projected = dot(x, params.w);
  // The bias adds `Out`, which the types cannot see in the computed dims: add it on the plain tensor and restate them.
  const wide: Tensor<string> = projected;
  return alignAs(add(wide, params.b), projected);
}

/**
 * Fresh dense parameters: `w` normal with std `1/sqrt(size of In)` (so the
 * output keeps unit scale), `b` zeros. Each parameter is named
 * `${prefix}.w` / `${prefix}.b`, so two layers with distinct prefixes get
 * independent weights from one seed.
 *
 * @example
 * const up = initDenseParams(D, 0, "mlp.up", "d_model", "d_ff");
 */
export function initDenseParams<In extends string, Out extends string>(
  D: DimsWith<In | Out>,
  seed: number,
  prefix: string,
  inDim: In,
  outDim: Out,
): DenseParams<In, Out> {
  const std = 1 / Math.sqrt(D.sizes[inDim]);
  // The dims strings are built from the arguments; `transpose` of the plain tensors restates them (and checks them).
  const declared: Dims = D;
  const weight: Tensor<string> = randomNormal(declared, `${inDim} ${outDim}`, { seed, name: `${prefix}.w`, std });
  const bias: Tensor<string> = zeros(declared, outDim);
  return { w: transpose(weight, `${inDim} ${outDim}`), b: transpose(bias, outDim) };
}
