/**
 * Dense (fully connected) layers: an einsum with a weight, and optionally a bias.
 * Written in the DSL only, so the compiler sees one einsum (and one add).
 */
import { add, einsum, randomNormal, zeros, type Dims, type Normalize, type Tensor, type ValidateEinsumOut } from "meshtype";
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
 * `x · w + b`: contracts the weight's input dim and adds the bias. `out` names
 * the result dims (the dims of `x` with `In` replaced by `Out`, in the order you
 * want), exactly as for `einsum`, and is checked the same way.
 *
 * @example
 * const h = dense(x, params.up, "batch seq d_ff"); // x: "batch seq d_model", w: "d_model d_ff"
 */
export function dense<X extends string, In extends string, Out extends string, R extends string>(
  x: Tensor<X>,
  params: DenseParams<In, Out>,
  out: ValidateEinsumOut<R, [X, `${In} ${Out}`]>,
): Tensor<Normalize<R>> {
  // The signature checks `out` at the call; inside, the dims are generic, so the ops see plain strings.
  return add(einsum(x as Tensor<string>, params.w as Tensor<string>, out as string), params.b as Tensor<string>) as Tensor<Normalize<R>>;
}

/**
 * `x · w` with no bias: a dense layer without its bias, e.g. the projections of attention.
 *
 * @example
 * const q = project(x, params.wq, "batch seq heads d_head"); // wq: "d_model heads d_head"
 */
export function project<X extends string, W extends string, R extends string>(
  x: Tensor<X>,
  w: Tensor<W>,
  out: ValidateEinsumOut<R, [X, W]>,
): Tensor<Normalize<R>> {
  return einsum(x as Tensor<string>, w as Tensor<string>, out as string) as Tensor<Normalize<R>>;
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
  // The dims strings are built from the arguments, so tsc checks them at the call, not here.
  const declared: Dims = D;
  const weightDims: string = `${inDim} ${outDim}`;
  const biasDims: string = outDim;
  return {
    w: randomNormal(declared, weightDims, { seed, name: `${prefix}.w`, std }) as Tensor<`${In} ${Out}`>,
    b: zeros(declared, biasDims) as Tensor<Out>,
  };
}
