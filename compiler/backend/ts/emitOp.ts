/**
 * One lowered op as one TypeScript expression over local tensors: eager DSL
 * ops for computation, `ctx.<collective>` for communication. Sizes in the
 * code are local sizes (read from the output value's local dims).
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { Op, Value } from "../../ir/ir.ts";
import { localConv2dOptions } from "../../ir/opAttrs.ts";
import { collectiveUneven, maskedDims, splitDimsOf, type CollectiveUneven } from "../../ir/sharding.ts";
import type { MeshAxis } from "../../../dsl/mesh.ts";

/** The DSL function an op calls, for the import list; undefined for ops that call none. */
export function dslFunctionOf(op: Op): string | undefined {
  switch (op.op) {
    case "unary":
    case "binary":
      return op.fn;
    case "reduce":
      return op.fn;
    case "softmax":
      return op.log ? "logSoftmax" : "softmax";
    case "unaryGrad":
      return `${op.fn}Grad`;
    case "random":
      return op.dist === "normal" ? "randomNormal" : "randomUniform";
    case "constant":
      return "tensor";
    case "param":
    case "relayout":
    case "allReduce":
    case "allGather":
    case "reduceScatter":
    case "allToAll":
    case "localSlice":
    case "haloExchange":
    case "maskPadding":
      return undefined;
    default:
      return op.op;
  }
}

/** True when each of a binary op's two inputs lacks a dim of the output: the outer form (`mul.outer`) is needed. */
function isOuter(inputs: readonly (Value | undefined)[], output: Value): boolean {
  const lacks = (value: Value | undefined) => value !== undefined && value.dims.length < output.dims.length;
  return inputs.length === 2 && lacks(inputs[0]) && lacks(inputs[1]);
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function names(dims: readonly Dim[]): string {
  return quote(dims.map((dim) => dim.name).join(" "));
}

function sizesLiteral(dims: readonly Dim[]): string {
  return `{ ${dims.map((dim) => `${dim.name}: ${dim.size}`).join(", ")} }`;
}

/** `{ height: "h", padding: { height: "same" } }`: an object of strings (nested), as TypeScript. */
function objectLiteral(record: object): string {
  const fields = Object.entries(record).map(([key, value]) => `${key}: ${typeof value === "string" ? quote(value) : objectLiteral(value as object)}`);
  return `{ ${fields.join(", ")} }`;
}

function numberLiteral(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  return String(value);
}

/** `, { pad: true, size: 6283 }` for a collective over an uneven split, else nothing. */
function unevenArgument(uneven: CollectiveUneven): string {
  const fields = [...(uneven.pad ? ["pad: true"] : []), ...(uneven.size === undefined ? [] : [`size: ${uneven.size}`])];
  return fields.length === 0 ? "" : `, { ${fields.join(", ")} }`;
}

/**
 * The expression that computes `op` on one device. `input(k)` is the
 * identifier of the k-th input; `output` is the op's output value (its
 * `localDims` give the sizes); `mesh`, the program's (a collective over an
 * uneven split passes `{ pad }` / `{ size }`, see `collectiveUneven`).
 * Collectives are awaited.
 */
export function emitOpExpression(op: Op, inputs: readonly string[], output: Value, inputValues: readonly (Value | undefined)[] = [], mesh: readonly MeshAxis[] = []): string {
  const local = output.localDims ?? output.dims;
  const uneven = collectiveUneven(op, inputValues[0] ?? {}, output, mesh);
  const [first, second, third] = inputs;
  switch (op.op) {
    case "param":
      throw new Error("emitOpExpression: params are function arguments");
    case "full":
      return `full(dims(${sizesLiteral(local)}), ${names(local)}, ${numberLiteral(op.value)})`;
    case "iota":
      return `iota(dims(${sizesLiteral(local)}), ${quote(op.dim)})`;
    case "constant":
      // The whole tensor on every device (a sharded use slices its block): its data, exactly, as float32 values print.
      return `tensor(dims(${sizesLiteral(local)}), ${names(local)}, [${Array.from(op.data, numberLiteral).join(", ")}])`;
    case "random": {
      const options = op.dist === "normal" ? `std: ${numberLiteral(op.scale)}` : `low: 0, high: ${numberLiteral(op.scale)}`;
      return `${dslFunctionOf(op)}(dims(${sizesLiteral(local)}), ${names(local)}, { seed: ${op.seed}, name: ${quote(op.name)}, ${options} })`;
    }
    case "unary":
      return `${op.fn}(${first})`;
    case "binary":
      if (!op.scalar) return `${op.fn}${isOuter(inputValues, output) ? ".outer" : ""}(${first}, ${second})`;
      return op.scalar.position === 0 ? `${op.fn}(${numberLiteral(op.scalar.value)}, ${first})` : `${op.fn}(${first}, ${numberLiteral(op.scalar.value)})`;
    case "where":
      return `where(${first}, ${second}, ${third})`;
    case "dropout": {
      const key = `{ seed: ${op.seed}, name: ${quote(op.name)}${second === undefined ? "" : `, step: ${second}`} }`;
      const blocks = splitDimsOf(output).map((entry) => `${entry.dim}: blockDim(ctx, ${entry.size}, [${entry.axes.map(quote).join(", ")}])`);
      return `dropout(${first}, ${numberLiteral(op.rate)}, ${key}${blocks.length === 0 ? "" : `, { block: { ${blocks.join(", ")} } }`})`;
    }
    case "einsum":
      return `einsum(${inputs.join(", ")}, ${names(output.dims)})`;
    case "reduce":
      return `${op.fn}(${first}, ${quote(op.dims.join(" "))})`;
    case "softmax":
      return `${op.log ? "logSoftmax" : "softmax"}(${first}, ${quote(op.dim)})`;
    case "normalize":
      return `normalize(${first}, ${quote(op.dim)}, ${numberLiteral(op.epsilon)})`;
    case "normalizeGrad":
      return `normalizeGrad(${first}, ${second}, ${quote(op.dim)}, ${numberLiteral(op.epsilon)})`;
    case "unaryGrad":
      return `${op.fn}Grad(${first}, ${second})`;
    case "rename":
      return `rename(${first}, ${quote(op.from)}, ${quote(op.to)})`;
    case "transpose":
      return `transpose(${first}, ${names(output.dims)})`;
    case "splitDim": {
      const into = op.into.map((dim) => local.find((entry) => entry.name === dim.name) ?? dim);
      return `splitDim(${first}, ${quote(op.dim)}, ${names(into)}, ${sizesLiteral(into)})`;
    }
    case "mergeDims":
      return `mergeDims(${first}, ${quote(op.dims.join(" "))}, ${quote(op.into)})`;
    case "slice":
      return `slice(${first}, ${quote(op.dim)}, ${op.start}, ${op.stop})`;
    case "concat":
      return `concat([${inputs.join(", ")}], ${quote(op.dim)})`;
    case "oneHot":
      return `oneHot(${first}, ${quote(op.dim.name)}, ${op.dim.size})`;
    case "gather":
      return `gather(${first}, ${second}, ${quote(op.dim)})`;
    case "relayout":
      return first;
    case "allReduce":
      // over several axes at once: the axes as a list, ctx.allReduce(x, ["data", "fsdp"], "sum")
      return `await ctx.allReduce(${first}, ${op.alsoOver === undefined ? quote(op.axis) : `[${[op.axis, ...op.alsoOver].map(quote).join(", ")}]`}, ${quote(op.reduce)})`;
    case "allGather":
      return `await ctx.allGather(${first}, ${quote(op.axis)}, ${quote(op.dim)}${unevenArgument(uneven)})`;
    case "reduceScatter":
      return `await ctx.reduceScatter(${first}, ${quote(op.axis)}, ${quote(op.dim)}, ${quote(op.reduce)}${unevenArgument(uneven)})`;
    case "allToAll":
      return `await ctx.allToAll(${first}, ${quote(op.axis)}, ${quote(op.splitDim)}, ${quote(op.concatDim)}${unevenArgument(uneven)})`;
    case "localSlice":
      return `ctx.localSlice(${first}, ${quote(op.axis)}, ${quote(op.dim)}${unevenArgument(uneven)})`;
    case "maskPadding": {
      const lengths = maskedDims(op.dims, output).map((entry) => `${entry.dim}: validLength(ctx, ${entry.size}, [${entry.axes.map(quote).join(", ")}])`);
      return `maskPadding(${first}, { ${lengths.join(", ")} }, ${numberLiteral(op.fill)})`;
    }
    case "conv2d":
      return `conv2d(${first}, ${second}, ${objectLiteral(localConv2dOptions(op))})`;
    case "haloExchange": {
      // The input block is the output's size along dim less the two halos.
      const size = (local.find((dim) => dim.name === op.dim)?.size ?? 0) - 2 * op.halo;
      const fromPrevious = `await ctx.collectivePermute(slice(${first}, ${quote(op.dim)}, ${size - op.halo}, ${size}), ${quote(op.axis)}, 1)`;
      const fromNext = `await ctx.collectivePermute(slice(${first}, ${quote(op.dim)}, 0, ${op.halo}), ${quote(op.axis)}, -1)`;
      return `concat([${fromPrevious}, ${first}, ${fromNext}], ${quote(op.dim)})`;
    }
  }
}
