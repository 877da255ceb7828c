/**
 * `dropout(x, rate, key)`: inverted dropout, as `torch.nn.functional.dropout`
 * and flax's `nn.Dropout` compute it. Each element is dropped (set to 0) with
 * probability `rate` and the kept ones are scaled by `1 / (1 - rate)`, so the
 * expected value is `x`; with `{ training: false }` (or rate 0) it is `x`.
 *
 * The mask is seeded and counter-based like the random init ops
 * (randomBits.ts): element `i` (its global row-major index over x's dims in
 * storage order) is kept when `uniform(i) >= rate`, where the stream is
 * `(seed, name)` with the run-time `step` folded in:
 *
 * ```text
 * (k1, k2) = streamKey(seed, name)                      (randomBits.ts)
 * key1     = fmix32(k1 ^ fmix32(step ^ 0x9e3779b9))    step: an integer in [0, 2^24], default 0
 * key2     = fmix32(key1 ^ 0x6a09e667)
 * keep(i)  = uniform(i) >= rate                         uniform(i) = (bits(i) >>> 8) / 2^24 under (key1, key2)
 * y(i)     = keep(i) ? fround(x(i) * fround(1 / (1 - rate))) : 0
 * ```
 *
 * So a device holding a block of x draws exactly the mask that block has in
 * the whole tensor (`block` below, used by compiled programs), the gradient
 * reuses the forward's mask (it is `dropout` of the cotangent with the same
 * key), and the torch back end reproduces it bit for bit.
 */
import { MeshtypeError } from "../errors.ts";
import { recordOp } from "../autodiff/recorder.ts";
import { Tensor } from "../tensor.ts";
import type { DimNames } from "../types/dimsString.ts";
import { fmix32, streamKey, uniformAt, type StreamKey } from "./randomBits.ts";
import { resultLabel } from "./dimLists.ts";

/** The stream of a dropout mask: a seed, a name (one per dropout site), and an optional run-time step. */
export interface DropoutKey {
  /** An integer in [0, 2^32). */
  readonly seed: number;
  /** The site's name, e.g. "attention probs, layer 3": two sites with one name share their masks. */
  readonly name: string;
  /**
   * A scalar holding an integer in [0, 2^24] folded into the stream: the
   * training step, or a layer counter carried through a loop, so that each
   * step (each layer) draws a new mask. Default 0.
   */
  readonly step?: Tensor<"">;
}

/** The global extent of one dim of a block: where the block starts and the whole dim's size. */
export interface DropoutBlockDim {
  readonly offset: number;
  readonly size: number;
}

/** Options of `dropout`. */
export interface DropoutOptions<S extends string = string> {
  /** false: the identity (evaluation). Default true. */
  readonly training?: boolean;
  /**
   * x is a block of a larger tensor: for the named dims, where the block
   * starts and how large the whole dim is (the others are whole). Compiled
   * device code passes it so that each shard draws its block's mask.
   */
  readonly block?: Partial<Record<DimNames<S>, DropoutBlockDim>>;
}

/** The two keys of a dropout stream `(seed, name)` at `step`. */
export function dropoutStreamKey(seed: number, name: string, step: number): StreamKey {
  const base = streamKey(seed, name);
  const key1 = fmix32(base.key1 ^ fmix32(step ^ 0x9e3779b9));
  return { key1, key2: fmix32(key1 ^ 0x6a09e667) };
}

/** The step a key's scalar holds, checked. */
export function dropoutStep(key: DropoutKey): number {
  if (key.step === undefined) return 0;
  if (key.step.dims.length !== 0) {
    throw new MeshtypeError("bad-option", `dropout: at "${key.name}", step must be a scalar Tensor<"">, got dims "${key.step.dims.map((dim) => dim.name).join(" ")}". Pass a scalar such as the training step.`);
  }
  const step = key.step.data[0];
  if (!Number.isInteger(step) || step < 0 || step > 2 ** 24) {
    throw new MeshtypeError("bad-option", `dropout: at "${key.name}", step ${step} is not an integer in [0, 2^24]. Pass a whole number such as the training step.`);
  }
  return step;
}

/** Check a key's seed (an integer in [0, 2^32)) and name (not empty). */
export function checkDropoutKey(seed: number, name: string): void {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new MeshtypeError("bad-option", `dropout: at "${name}", seed ${seed} is not an integer in [0, 2^32). Pass a whole number such as 0 or 1234.`);
  }
  if (name === "") throw new MeshtypeError("bad-option", `dropout: needs a non-empty name (one per dropout site), e.g. { seed: 0, name: "attention probs" }.`);
}

/** Check `rate`: a number in [0, 1). */
export function checkDropoutRate(rate: number, name: string): void {
  if (!(rate >= 0 && rate < 1)) {
    throw new MeshtypeError("bad-option", `dropout: at "${name}", rate ${rate} is not in [0, 1). Pass the probability of dropping an element, e.g. 0.1.`);
  }
}

/**
 * Inverted dropout of x: each element dropped with probability `rate`, the
 * kept ones scaled by `1 / (1 - rate)`. Same dims as x.
 *
 * @example
 * const h = dropout(probs, 0.1, { seed: 0, name: "attention probs" });             // training
 * const e = dropout(probs, 0.1, { seed: 0, name: "attention probs" }, { training: false }); // evaluation: probs
 * const s = dropout(probs, 0.1, { seed: 0, name: "attention probs", step });       // a new mask per step
 */
export function dropout<S extends string>(x: Tensor<S>, rate: number, key: DropoutKey, options: DropoutOptions<S> = {}): Tensor<S> {
  checkDropoutKey(key.seed, key.name);
  checkDropoutRate(rate, key.name);
  const step = dropoutStep(key);
  if (options.training === false || rate === 0) return x;
  const stream = dropoutStreamKey(key.seed, key.name, step);
  const indices = globalIndices(x, options.block ?? {}, key.name);
  const scale = Math.fround(1 / (1 - rate));
  const out = new Float32Array(x.data.length);
  for (let position = 0; position < out.length; position++) {
    out[position] = uniformAt(stream, indices[position]) >= rate ? x.data[position] * scale : 0;
  }
  const result = new Tensor<S>(x.dims, out, resultLabel("dropout", [x]));
  recordOp({ op: "dropout", rate, seed: key.seed, name: key.name }, key.step === undefined ? [x] : [x, key.step], result);
  return result;
}

/** The global row-major index of every element of x, x being the block `block` of the whole tensor. */
function globalIndices(x: Tensor<string>, block: Readonly<Record<string, DropoutBlockDim | undefined>>, name: string): Float64Array {
  for (const dimName of Object.keys(block)) {
    if (!x.dims.some((dim) => dim.name === dimName)) {
      throw new MeshtypeError("bad-option", `dropout: at "${name}", block names dim "${dimName}", which x (dims "${x.dims.map((dim) => dim.name).join(" ")}") lacks.`);
    }
  }
  const sizes = x.dims.map((dim) => block[dim.name]?.size ?? dim.size);
  const offsets = x.dims.map((dim) => block[dim.name]?.offset ?? 0);
  const strides = new Array<number>(sizes.length);
  let stride = 1;
  for (let axis = sizes.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= sizes[axis];
  }
  if (stride > Number.MAX_SAFE_INTEGER) throw new MeshtypeError("bad-option", `dropout: at "${name}", x has ${stride} elements, more than the counters can index.`);
  // Built dim by dim, as the random init does (float64: the whole tensor may exceed 2^31 elements).
  let indices = new Float64Array([0]);
  x.dims.forEach((dim, axis) => {
    const next = new Float64Array(indices.length * dim.size);
    let write = 0;
    for (const base of indices) for (let index = 0; index < dim.size; index++) next[write++] = base + (offsets[axis] + index) * strides[axis];
    indices = next;
  });
  return indices;
}
