/**
 * The transformer feed-forward blocks, generic over every dim but `d_model`:
 * the GELU MLP of GPT-2 (d_model -> d_ff -> d_model, with biases) and the
 * gated MLPs of T5 v1.1, PaLM and LLaMA (GeGLU, SwiGLU: Shazeer 2020, no
 * biases). Under the Megatron layout `d_ff:model` the up projections are
 * local and the down projection leaves a partial sum: one all-reduce per call.
 */
import { add, alignAs, dot, gelu, mul, randomNormal, sigmoid, type HasDims, type Tensor } from "meshtype";
import { initDenseParams, type DenseParams } from "./dense.ts";
import type { DimsWith } from "./dimsWith.ts";

/** The two dense layers of an MLP block. */
export interface MlpParams {
  readonly up: DenseParams<"d_model", "d_ff">;
  readonly down: DenseParams<"d_ff", "d_model">;
}

/**
 * `down(gelu(up(x)))`: x's dims in, the same dims out.
 *
 * @example
 * const y = mlp(x, params.mlp); // x: "batch seq d_model" -> "batch seq d_model"
 */
export function mlp<X extends HasDims<"d_model">>(x: Tensor<X>, params: MlpParams): Tensor<X> {
  // x goes to d_ff and back: the types cannot follow the round trip, so the body works on
  // the plain tensor and `alignAs` restates x's dims (checked when it runs and when it compiles).
  const h: Tensor<string> = x;
  const hidden = gelu(add(dot(h, params.up.w), params.up.b));
  return alignAs(add(dot(hidden, params.down.w), params.down.b), x);
}

/**
 * Fresh MLP parameters named `${prefix}.up.w`, `${prefix}.up.b`, `${prefix}.down.w`, `${prefix}.down.b`.
 *
 * @example
 * const params = initMlpParams(D, 0, "block0.mlp");
 */
export function initMlpParams(D: DimsWith<"d_model" | "d_ff">, seed: number, prefix: string): MlpParams {
  return {
    up: initDenseParams(D, seed, `${prefix}.up`, "d_model", "d_ff"),
    down: initDenseParams(D, seed, `${prefix}.down`, "d_ff", "d_model"),
  };
}

/** The three projections of a gated MLP (no biases, as in T5 v1.1 and LLaMA). */
export interface GatedMlpParams {
  /** The gate: its activation multiplies the up projection. */
  readonly gate: Tensor<"d_model d_ff">;
  readonly up: Tensor<"d_model d_ff">;
  readonly down: Tensor<"d_ff d_model">;
}

/** `act(x · gate) * (x · up) · down`, the body of both gated MLPs. */
function gatedMlp<X extends HasDims<"d_model">>(x: Tensor<X>, params: GatedMlpParams, activation: (gate: Tensor<string>) => Tensor<string>): Tensor<X> {
  const h: Tensor<string> = x;
  const hidden = mul(activation(dot(h, params.gate)), dot(h, params.up));
  return alignAs(dot(hidden, params.down), x);
}

/** SiLU (swish): `x * sigmoid(x)`. */
function silu(gate: Tensor<string>): Tensor<string> {
  return mul(gate, sigmoid(gate));
}

/**
 * SwiGLU (Shazeer 2020; PaLM, LLaMA): `(silu(x · gate) * (x · up)) · down`.
 *
 * @example
 * const y = swiGlu(x, params.mlp); // x: "batch seq d_model" -> same
 */
export function swiGlu<X extends HasDims<"d_model">>(x: Tensor<X>, params: GatedMlpParams): Tensor<X> {
  return gatedMlp(x, params, silu);
}

/**
 * GeGLU (Shazeer 2020; T5 v1.1): `(gelu(x · gate) * (x · up)) · down`.
 *
 * @example
 * const y = geGlu(x, params.mlp); // x: "batch dec_seq d_model" -> same
 */
export function geGlu<X extends HasDims<"d_model">>(x: Tensor<X>, params: GatedMlpParams): Tensor<X> {
  return gatedMlp(x, params, gelu);
}

/**
 * Fresh gated-MLP parameters named `${prefix}.gate`, `${prefix}.up`, `${prefix}.down`, normal with std `1/sqrt(fan in)`.
 *
 * @example
 * const mlp = initGatedMlpParams(D, 0, "layers.0.mlp");
 */
export function initGatedMlpParams(D: DimsWith<"d_model" | "d_ff">, seed: number, prefix: string): GatedMlpParams {
  const inStd = 1 / Math.sqrt(D.sizes.d_model);
  return {
    gate: randomNormal(D, "d_model d_ff", { seed, name: `${prefix}.gate`, std: inStd }),
    up: randomNormal(D, "d_model d_ff", { seed, name: `${prefix}.up`, std: inStd }),
    down: randomNormal(D, "d_ff d_model", { seed, name: `${prefix}.down`, std: 1 / Math.sqrt(D.sizes.d_ff) }),
  };
}
