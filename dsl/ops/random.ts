/**
 * Random initialisation: `randomNormal`, `randomUniform`. Each element depends
 * only on (seed, name, its global row-major index), so a device can create its
 * own region of a global tensor (`{ region }`) and get exactly the values the
 * whole tensor has there. The generator is documented in randomBits.ts.
 */
import type { Dims } from "../dims.ts";
import { MeshtypeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { DimNames } from "../types/dimsString.ts";
import type { ValidateDimsIn } from "../types/validateDims.ts";
import { normalAt, streamKey, uniformAt, type StreamKey } from "./randomBits.ts";
import { regionDims, type Region } from "./shapeRulesReshape.ts";
import { rowMajorStrides } from "./strided.ts";
import type { Normalize } from "./types/dimTuples.ts";

/** Options of `randomNormal`. */
export interface RandomNormalOptions {
  /** An integer in [0, 2^32). */
  readonly seed: number;
  /** The stream's name, usually the parameter's (also the tensor's label). */
  readonly name: string;
  /** Default 0. */
  readonly mean?: number;
  /** Default 1. */
  readonly std?: number;
}

/** Options of `randomUniform`. */
export interface RandomUniformOptions {
  /** An integer in [0, 2^32). */
  readonly seed: number;
  /** The stream's name, usually the parameter's (also the tensor's label). */
  readonly name: string;
  /** Default 0. */
  readonly low?: number;
  /** Default 1. */
  readonly high?: number;
}

/** Which part of the global tensor to create: `[start, stop)` along some of its dims (the others whole). */
export interface RegionOptions<S extends string> {
  readonly region?: Partial<Record<DimNames<S>, readonly [number, number]>>;
}

/**
 * Normal values with `mean` and `std`.
 *
 * @example
 * const w = randomNormal(D, "d_model d_ff", { seed: 0, name: "w_in", std: 0.02 });
 * // device 1 of 2 along d_ff: the same values as w's second half
 * const half = randomNormal(D, "d_model d_ff", { seed: 0, name: "w_in", std: 0.02 }, { region: { d_ff: [2048, 4096] } });
 */
export function randomNormal<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
  options: RandomNormalOptions,
  where: RegionOptions<S> = {},
): Tensor<Normalize<S>> {
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  return fillRegion(dims, spec, options.name, where.region ?? {}, streamKey(options.seed, options.name), (key, index) => mean + std * normalAt(key, index));
}

/**
 * Uniform values in [low, high).
 *
 * @example
 * const b = randomUniform(D, "d_ff", { seed: 0, name: "b_in", low: -0.1, high: 0.1 });
 */
export function randomUniform<const Sizes extends Record<string, number>, S extends string>(
  dims: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
  options: RandomUniformOptions,
  where: RegionOptions<S> = {},
): Tensor<Normalize<S>> {
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  return fillRegion(dims, spec, options.name, where.region ?? {}, streamKey(options.seed, options.name), (key, index) => low + (high - low) * uniformAt(key, index));
}

/** Fill the region of the global tensor `spec` with `value(key, globalIndex)`. */
function fillRegion<S extends string>(
  dims: Dims, spec: string, name: string, region: Region, key: StreamKey, value: (key: StreamKey, index: number) => number,
): Tensor<S> {
  const global = dims.shape(spec);
  const what = `random tensor "${name}"`;
  const local = regionDims(global, region, what);
  const globalStrides = rowMajorStrides(global);
  const total = global.reduce((product, dim) => product * dim.size, 1);
  if (2 * total > Number.MAX_SAFE_INTEGER) {
    throw new MeshtypeError("bad-option", `${what} has ${total} elements, more than the random counters can index. Split the parameter.`);
  }
  // Global row-major index of every local element, built dim by dim (float64: global tensors may exceed 2^31 elements).
  let indices = new Float64Array([0]);
  local.forEach((dim, axis) => {
    const start = region[dim.name]?.[0] ?? 0;
    const next = new Float64Array(indices.length * dim.size);
    let write = 0;
    for (const base of indices) for (let index = 0; index < dim.size; index++) next[write++] = base + (start + index) * globalStrides[axis];
    indices = next;
  });
  const data = new Float32Array(indices.length);
  for (let position = 0; position < data.length; position++) data[position] = value(key, indices[position]);
  return new Tensor(local, data, name);
}
