import { MeshtypeError } from "./errors.ts";
import { formatTensor } from "./formatTensor.ts";

/** The key Node's `util.inspect` (and so `console.log`) calls for a custom print. */
const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** A named dimension: a name and a size, as in Mesh-TensorFlow. */
export interface Dim {
  readonly name: string;
  readonly size: number;
}

/**
 * A tensor whose dimensions have names. `S` is the dims string, e.g.
 * `Tensor<"batch seq d_model">`; the type parameter is phantom (it exists for
 * the editor) and `dims` holds the same names, in the same order, with sizes.
 *
 * Data is a dense row-major `Float32Array`: the last dim varies fastest.
 * Ops match dimensions by name, never by position.
 *
 * @example
 * const x = tensor(D, "batch d_model", new Float32Array(8 * 16), { name: "x" });
 * x.dims;        // [{ name: "batch", size: 8 }, { name: "d_model", size: 16 }]
 * x.size("batch") // 8
 */
export class Tensor<S extends string = string> {
  /** Phantom: the dims string this tensor was typed with. Never read at run time. */
  declare readonly __dims: S;
  /** The dimensions in storage order (row-major). */
  readonly dims: readonly Dim[];
  /** Row-major element data; its length is the product of the dim sizes. */
  readonly data: Float32Array;
  /** A name for messages (the parameter or variable it came from), if known. */
  readonly label: string | undefined;

  constructor(dims: readonly Dim[], data: Float32Array, label?: string) {
    const expected = dims.reduce((product, dim) => product * dim.size, 1);
    if (data.length !== expected) {
      const shape = dims.map((dim) => `${dim.name}=${dim.size}`).join(", ");
      throw new MeshtypeError(
        "data-length",
        `Tensor${label ? ` "${label}"` : ""} with dims [${shape}] needs ${expected} elements but its data has ${data.length}. ` +
          `Pass a Float32Array of length ${expected}, or fix the dims.`,
      );
    }
    this.dims = dims;
    this.data = data;
    this.label = label;
  }

  /** The dim names in storage order. */
  get names(): string[] {
    return this.dims.map((dim) => dim.name);
  }

  /** The sizes in storage order. */
  get shape(): number[] {
    return this.dims.map((dim) => dim.size);
  }

  /** Index of the dim called `name` in storage order, or -1. */
  indexOf(name: string): number {
    return this.dims.findIndex((dim) => dim.name === name);
  }

  /** Size of the dim called `name`; throws a `MeshtypeError` naming the tensor if it has no such dim. */
  size(name: string): number {
    const index = this.indexOf(name);
    if (index < 0) {
      throw new MeshtypeError(
        "unknown-dim",
        `${describeTensor(this)} has no dim "${name}". Its dims are: ${this.names.join(", ") || "(none: a scalar)"}.`,
      );
    }
    return this.dims[index].size;
  }

  /** Row-major strides, in elements, for each dim in storage order. */
  get strides(): number[] {
    const strides = new Array<number>(this.dims.length);
    let stride = 1;
    for (let axis = this.dims.length - 1; axis >= 0; axis--) {
      strides[axis] = stride;
      stride *= this.dims[axis].size;
    }
    return strides;
  }

  /** The dims string, e.g. `"batch seq d_model"`. */
  toString(): string {
    return `Tensor<"${this.names.join(" ")}">`;
  }

  /** What `console.log(tensor)` prints in Node: the dims and the values, as `formatTensor` writes them. */
  [inspectCustom](): string {
    return formatTensor(this);
  }
}

/** `tensor "x" [batch=8, d_model=16]`: how messages name a tensor. */
export function describeTensor(tensor: Tensor<string>): string {
  const shape = tensor.dims.map((dim) => `${dim.name}=${dim.size}`).join(", ");
  return `tensor${tensor.label ? ` "${tensor.label}"` : ""} [${shape}]`;
}
