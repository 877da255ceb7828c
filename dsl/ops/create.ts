/**
 * Creating tensors from declared dims: `tensor`, `zeros`, `ones`, `full`, `iota`.
 * The dims string is checked by tsc against the declaration (`ValidateDimsIn`)
 * and at run time by `Dims.shape`, with the same messages.
 */
import type { Dims } from "../dims.ts";
import { MeshtypeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { ParseDims } from "../types/dimsString.ts";
import type { ValidateDimsIn } from "../types/validateDims.ts";
import { writeOneDimMessage } from "./messages.ts";
import { elementCount } from "./strided.ts";
import type { Normalize, OrMessage } from "./types/dimTuples.ts";

/** Options of the creation ops. */
export interface CreateOptions {
  /** A name for messages and for the compiler's printouts (e.g. the variable it is stored in). */
  readonly name?: string;
}

/**
 * A tensor with the dims `spec` (declared in `dims`) and the given row-major data.
 *
 * @example
 * const x = tensor(D, "batch d_model", new Float32Array(8 * 16), { name: "x" });
 */
export function tensor<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
  data: Float32Array | readonly number[],
  options: CreateOptions = {},
): Tensor<Normalize<S>> {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return new Tensor(dims.shape(spec), values, options.name);
}

/** A tensor of `value` everywhere. */
export function full<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
  value: number,
  options: CreateOptions = {},
): Tensor<Normalize<S>> {
  const shape = dims.shape(spec);
  return new Tensor(shape, new Float32Array(elementCount(shape)).fill(value), options.name);
}

/** A tensor of zeros. */
export function zeros<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
  options: CreateOptions = {},
): Tensor<Normalize<S>> {
  const shape = dims.shape(spec);
  return new Tensor(shape, new Float32Array(elementCount(shape)), options.name);
}

/** A tensor of ones. */
export function ones<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
  options: CreateOptions = {},
): Tensor<Normalize<S>> {
  return full<Sizes, S>(dims, spec, 1, options);
}

/** `S` when it is one declared dim, else the message (twin of iota's run-time check). */
export type ValidateIotaDim<S extends string, Sizes extends Record<string, number>> =
  ValidateDimsIn<S, Sizes> extends S ? OrMessage<S, ParseDims<S> extends [string] ? never : writeOneDimMessage<"iota", S>> : ValidateDimsIn<S, Sizes>;

/**
 * `0, 1, ..., n - 1` along one declared dim of size n.
 *
 * @example
 * const positions = iota(D, "seq"); // Tensor<"seq">
 */
export function iota<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateIotaDim<S, Sizes>,
  options: CreateOptions = {},
): Tensor<Normalize<S>> {
  const shape = dims.shape(spec);
  if (shape.length !== 1) throw new MeshtypeError("bad-dim-name", writeOneDimMessage("iota", spec));
  const data = new Float32Array(shape[0].size);
  for (let index = 0; index < data.length; index++) data[index] = index;
  return new Tensor(shape, data, options.name);
}
