/**
 * Shape inference for the IR: the output dims of an op from its inputs' dims.
 * The rules themselves live in dsl/ops/shapeRules.ts (one pure function per
 * op, shared with the eager ops); this module only maps IR ops onto them.
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { OpAttrs } from "./opAttrs.ts";

/** What an op needs besides its attributes to know its output dims. */
export interface InferExtras {
  /** The output dims of creation ops (param, full, iota, random). */
  readonly dims?: readonly Dim[];
  /** The output dim names of `einsum` and `transpose`. */
  readonly out?: readonly string[];
}

function fail(message: string): never {
  throw new Error(`inferDims: ${message}`);
}

function find(dims: readonly Dim[], name: string, what: string): Dim {
  return dims.find((dim) => dim.name === name) ?? fail(`${what}: no dim "${name}" in [${dims.map((dim) => dim.name).join(" ")}]`);
}

function broadcast(first: readonly Dim[], second: readonly Dim[]): Dim[] {
  const names = new Set(first.map((dim) => dim.name));
  for (const dim of second) {
    const same = first.find((other) => other.name === dim.name);
    if (same && same.size !== dim.size) fail(`dim "${dim.name}" has sizes ${same.size} and ${dim.size}`);
  }
  return [...first, ...second.filter((dim) => !names.has(dim.name))];
}

/**
 * The output dims of an op with attributes `attrs` applied to inputs with `inputs` dims.
 * Throws a plain Error when the inputs do not fit the op (the front end has checked them).
 */
export function inferDims(attrs: OpAttrs, inputs: readonly (readonly Dim[])[], extras: InferExtras = {}): Dim[] {
  const [first = [], second = []] = inputs;
  switch (attrs.op) {
    case "param":
    case "full":
    case "iota":
    case "random":
      return [...(extras.dims ?? fail(`${attrs.op} needs its dims`))];
    case "unary":
    case "softmax":
    case "relayout":
    case "allReduce":
    case "allGather":
    case "reduceScatter":
    case "allToAll":
    case "localSlice":
      return [...first];
    case "binary":
      return inputs.length === 1 ? [...first] : broadcast(first, second);
    case "where":
      return broadcast(broadcast(second, inputs[2] ?? []), first);
    case "einsum": {
      const all = inputs.flat();
      return (extras.out ?? fail("einsum needs its output names")).map((name) => find(all, name, "einsum"));
    }
    case "transpose":
      return (extras.out ?? fail("transpose needs its output names")).map((name) => find(first, name, "transpose"));
    case "reduce":
      return first.filter((dim) => !attrs.dims.includes(dim.name));
    case "rename":
      return first.map((dim) => (dim.name === attrs.from ? { name: attrs.to, size: dim.size } : dim));
    case "splitDim":
      return first.flatMap((dim) => (dim.name === attrs.dim ? [...attrs.into] : [dim]));
    case "mergeDims": {
      const size = attrs.dims.reduce((product, name) => product * find(first, name, "mergeDims").size, 1);
      return first.flatMap((dim) => {
        if (dim.name === attrs.dims[0]) return [{ name: attrs.into, size }];
        return attrs.dims.includes(dim.name) ? [] : [dim];
      });
    }
    case "slice":
      return first.map((dim) => (dim.name === attrs.dim ? { name: dim.name, size: attrs.stop - attrs.start } : dim));
    case "concat": {
      const size = inputs.reduce((sum, dims) => sum + find(dims, attrs.dim, "concat").size, 0);
      return first.map((dim) => (dim.name === attrs.dim ? { name: dim.name, size } : dim));
    }
    case "oneHot":
      return [...first, attrs.dim];
    case "gather":
      return [...second, ...first.filter((dim) => dim.name !== attrs.dim)];
  }
}
