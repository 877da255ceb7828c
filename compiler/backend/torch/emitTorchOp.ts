/**
 * One lowered op as one Python expression over local torch tensors: torch ops
 * for computation (matching the eager TypeScript ops of dsl/ops), and the
 * collectives of `mesh` (a meshtype_torch.MeshContext) for communication.
 * Sizes are local sizes; a dim is addressed by its position in the local
 * tensor, which the compiler knows, so the code needs no dim names at run time.
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { BinaryFn, Op, UnaryFn, Value } from "../../ir/ir.ts";
import { collectiveUneven, maskedDims, type CollectiveUneven } from "../../ir/sharding.ts";
import { fail } from "../../diagnostics/diagnostic.ts";
import { splitDimsOf } from "../../ir/sharding.ts";
import { torchMessages } from "../../diagnostics/torchMessages.ts";
import { einsumEquation, maxEinsumDims } from "./einsumSubscripts.ts";
import { emitConv2d, emitHaloExchange } from "./emitTorchConv.ts";
import { pythonNumber, pythonString, pythonTuple } from "./python.ts";
import { allReduceGroup } from "./collectiveBuckets.ts";
import { lowerEinsum } from "./matmulLowering.ts";

/** An input of an op: the identifier that holds it, and its value (for its local dims). */
export interface TorchOperand {
  readonly name: string;
  readonly value: Value;
}

const float32 = "torch.float32";

function localDims(value: Value): readonly Dim[] {
  return value.localDims ?? value.dims;
}

function namesOf(value: Value): string[] {
  return localDims(value).map((dim) => dim.name);
}

function sizesOf(value: Value): number[] {
  return localDims(value).map((dim) => dim.size);
}

/** The position of dim `name` in `operand`; a missing dim is a compiler bug. */
function axisOf(operand: TorchOperand, name: string): number {
  const index = namesOf(operand.value).indexOf(name);
  if (index < 0) throw new Error(`emitTorchOp: ${operand.name} has no dim "${name}" (dims ${namesOf(operand.value).join(" ")})`);
  return index;
}

/**
 * `operand` laid out along `target` (dim names, in order) for torch broadcasting:
 * its dims permuted into target order, with `None` where it lacks a target dim.
 */
export function alignTo(operand: TorchOperand, target: readonly string[]): string {
  const own = namesOf(operand.value);
  const present = target.filter((name) => own.includes(name));
  const order = present.map((name) => own.indexOf(name));
  let expression = order.some((position, index) => position !== index) ? `${operand.name}.permute${pythonTuple(order)}` : operand.name;
  if (present.length < target.length) expression += `[${target.map((name) => (own.includes(name) ? ":" : "None")).join(", ")}]`;
  return expression;
}

/**
 * `operands` laid out along `target` for an element-wise op (torch broadcasting), as `alignTo` but with no index
 * view (`scale[None, None, :]`, a call each) where broadcasting already aligns: an operand whose dims, in target
 * order, are its last ones (numpy aligns trailing dims). An index view stays where the dims are not a suffix, and
 * on every operand when none would then have the result's rank (the result would lack the leading dims).
 */
export function broadcastAll(operands: readonly TorchOperand[], target: readonly string[]): string[] {
  const suffix = (operand: TorchOperand): boolean => {
    const own = namesOf(operand.value);
    const present = target.filter((name) => own.includes(name));
    return present.every((name, index) => name === target[target.length - present.length + index]);
  };
  const full = operands.some((operand) => !suffix(operand) || target.every((name) => namesOf(operand.value).includes(name)));
  return operands.map((operand) => {
    if (!full || !suffix(operand)) return alignTo(operand, target);
    return alignTo(operand, target.filter((name) => namesOf(operand.value).includes(name)));
  });
}

const unaryCalls: Readonly<Record<UnaryFn, (x: string) => string>> = {
  relu: (x) => `torch.relu(${x})`,
  // dsl/ops/unary.ts: GELU with the tanh approximation (GPT-2).
  gelu: (x) => `torch.nn.functional.gelu(${x}, approximate="tanh")`,
  sigmoid: (x) => `torch.sigmoid(${x})`,
  exp: (x) => `torch.exp(${x})`,
  log: (x) => `torch.log(${x})`,
  tanh: (x) => `torch.tanh(${x})`,
  sqrt: (x) => `torch.sqrt(${x})`,
  rsqrt: (x) => `torch.rsqrt(${x})`,
  neg: (x) => `torch.neg(${x})`,
  abs: (x) => `torch.abs(${x})`,
  square: (x) => `torch.square(${x})`,
  reciprocal: (x) => `torch.reciprocal(${x})`,
  sin: (x) => `torch.sin(${x})`,
  cos: (x) => `torch.cos(${x})`,
  floor: (x) => `torch.floor(${x})`,
  // dsl/ops/unary.ts: halves to the even neighbour, as torch.round does.
  round: (x) => `torch.round(${x})`,
};

const infix: Partial<Record<BinaryFn, string>> = { add: "+", sub: "-", mul: "*", div: "/", less: "<", lessEqual: "<=", greater: ">", greaterEqual: ">=", equal: "==" };
const comparisons: ReadonlySet<BinaryFn> = new Set(["less", "lessEqual", "greater", "greaterEqual", "equal"]);

function binaryExpression(fn: BinaryFn, left: string, right: string, scalarSide: 0 | 1 | undefined, dtype: string): string {
  const operator = infix[fn];
  if (operator !== undefined) {
    const expression = `${left} ${operator} ${right}`;
    return comparisons.has(fn) ? `(${expression}).to(${dtype})` : expression;
  }
  if (scalarSide === undefined) return `torch.${fn}(${left}, ${right})`;
  const tensor = scalarSide === 0 ? right : left;
  const scalar = scalarSide === 0 ? left : right;
  if (fn === "maximum") return `torch.clamp(${tensor}, min=${scalar})`;
  if (fn === "minimum") return `torch.clamp(${tensor}, max=${scalar})`;
  return `torch.pow(${left}, ${right})`;
}

/** `a, b, c, d, e, f, ... z9`: a long list of names cut short for a message (the first six and the last). */
function shortList(names: readonly string[]): string {
  return names.length <= 8 ? names.join(", ") : `${names.slice(0, 6).join(", ")}, ... ${names[names.length - 1]}`;
}

const reduceCalls = { sum: "torch.sum", max: "torch.amax", min: "torch.amin", mean: "torch.mean", logsumexp: "torch.logsumexp" } as const;

/** `, pad=True, size=6283` for a collective over an uneven split (`collectiveUneven`), else nothing. */
function unevenKeywords(uneven: CollectiveUneven): string {
  return `${uneven.pad ? ", pad=True" : ""}${uneven.size === undefined ? "" : `, size=${uneven.size}`}`;
}

/**
 * The expression that computes `op` on one device from its operands; `output` is the op's output value,
 * `dtype` the torch dtype it computes in (what creation ops, comparisons and one-hots make; precision.ts) and
 * `mesh` the program's (for the options of a collective over an uneven split).
 */
export function emitTorchOp(op: Op, operands: readonly TorchOperand[], output: Value, dtype: string = float32, mesh: readonly MeshAxis[] = []): string {
  const [first, second, third] = operands;
  const uneven = first === undefined ? {} : collectiveUneven(op, first.value, output, mesh);
  const outNames = namesOf(output);
  const outSizes = sizesOf(output);
  switch (op.op) {
    case "param":
      throw new Error("emitTorchOp: params are function arguments");
    case "full":
      return `torch.full(${pythonTuple(outSizes)}, ${pythonNumber(op.value)}, dtype=${dtype}, device=mesh.device)`;
    case "constant":
      // The whole tensor on every rank (a sharded use slices its block), embedded: float32 values print exactly.
      return `torch.tensor([${Array.from(op.data, pythonNumber).join(", ")}], dtype=${dtype}, device=mesh.device).reshape(${pythonTuple(outSizes)})`;
    case "iota":
      return `torch.arange(${outSizes[0]}, dtype=${dtype}, device=mesh.device)`;
    case "random": {
      const options = op.dist === "normal" ? `std=${pythonNumber(op.scale)}` : `low=0.0, high=${pythonNumber(op.scale)}`;
      const fn = op.dist === "normal" ? "mt.random_normal" : "mt.random_uniform";
      return `${fn}([${outSizes.join(", ")}], ${op.seed}, ${pythonString(op.name)}, ${options}, device=mesh.device)`;
    }
    case "unary":
      return unaryCalls[op.fn](first.name);
    case "binary": {
      if (!op.scalar) {
        const [left, right] = broadcastAll([first, second], outNames);
        return binaryExpression(op.fn, left, right, undefined, dtype);
      }
      const scalar = pythonNumber(op.scalar.value);
      return op.scalar.position === 0 ? binaryExpression(op.fn, scalar, first.name, 0, dtype) : binaryExpression(op.fn, first.name, scalar, 1, dtype);
    }
    case "dropout": {
      const split = new Map(splitDimsOf(output).map((entry) => [entry.dim, entry]));
      const offsets = output.dims.map((dim) => {
        const entry = split.get(dim.name);
        return entry === undefined ? "0" : `mt.block_offset(mesh, ${entry.size}, [${entry.axes.map(pythonString).join(", ")}])`;
      });
      const block = split.size === 0 ? "" : `, sizes=[${output.dims.map((dim) => dim.size).join(", ")}], offsets=[${offsets.join(", ")}]`;
      return `mt.dropout(${first.name}, ${pythonNumber(op.rate)}, ${op.seed}, ${pythonString(op.name)}, ${second === undefined ? "None" : second.name}${block})`;
    }
    case "where": {
      const [condition, then, otherwise] = broadcastAll([first, second, third], outNames);
      return `torch.where(${condition} != 0, ${then}, ${otherwise})`;
    }
    case "einsum": {
      // torch.mm / bmm / matmul on views, or torch.sum, where the dims allow (matmulLowering.ts); else torch.einsum
      const lowered = lowerEinsum(operands.map((operand) => ({ name: operand.name, dims: localDims(operand.value) })), outNames);
      if (lowered !== undefined) return lowered;
      const distinct = [...new Set([...operands.flatMap((operand) => namesOf(operand.value)), ...outNames])];
      if (distinct.length > maxEinsumDims) fail(torchMessages.einsumTooManyDims, { count: distinct.length, dims: shortList(distinct) }, op.loc);
      return `torch.einsum(${pythonString(einsumEquation(operands.map((operand) => namesOf(operand.value)), outNames))}, ${operands.map((operand) => operand.name).join(", ")})`;
    }
    case "reduce":
      return `${reduceCalls[op.fn]}(${first.name}, dim=${pythonTuple(op.dims.map((dim) => axisOf(first, dim)))})`;
    case "softmax":
      return `torch.${op.log ? "log_softmax" : "softmax"}(${first.name}, dim=${axisOf(first, op.dim)})`;
    case "normalize":
    case "normalizeGrad":
      return emitNormalization(op, first, second);
    case "softmaxGrad":
      // torch's softmax backward kernels (1.13 and 2.x): grad, the softmax's output, dim, the dtype it computed in
      return `torch.${op.log ? "_log_softmax_backward_data" : "_softmax_backward_data"}(${alignTo(second, namesOf(first.value))}, ${first.name}, ${axisOf(first, op.dim)}, ${dtype})`;
    case "unaryGrad":
      // dsl/ops/fused.ts geluGrad: the tanh form, as the forward (unaryCalls.gelu)
      return `torch.ops.aten.gelu_backward(${alignTo(second, namesOf(first.value))}, ${first.name}, approximate="tanh")`;
    case "rename":
    case "relayout":
      return first.name;
    case "transpose":
      return `${first.name}.permute${pythonTuple(outNames.map((name) => axisOf(first, name)))}`;
    case "splitDim":
      return `${first.name}.reshape${pythonTuple(outSizes)}`;
    case "mergeDims": {
      const order = outNames.flatMap((name) => (name === op.into ? op.dims.map((merged) => axisOf(first, merged)) : [axisOf(first, name)]));
      const permuted = order.some((position, index) => position !== index) ? `${first.name}.permute${pythonTuple(order)}` : first.name;
      return `${permuted}.reshape${pythonTuple(outSizes)}`;
    }
    case "slice":
      return `${first.name}.narrow(${axisOf(first, op.dim)}, ${op.start}, ${op.stop - op.start})`;
    case "concat":
      return `torch.cat([${operands.map((operand) => operand.name).join(", ")}], dim=${axisOf(first, op.dim)})`;
    case "oneHot":
      // dsl/ops/embedding.ts: an id outside [0, size) gives a row of zeros.
      return `(${first.name}[..., None] == torch.arange(${op.dim.size}, dtype=${first.name}.dtype, device=${first.name}.device)).to(${dtype})`;
    case "gather":
      return `${first.name}.movedim(${axisOf(first, op.dim)}, 0)[${second.name}.long()]`;
    case "allReduce":
      // over several axes at once: the runtime's group of all of them, named in mesh order, mesh.all_reduce(x, "data+fsdp", "sum")
      return `mesh.all_reduce(${first.name}, ${pythonString(allReduceGroup(op))}, ${pythonString(op.reduce)})`;
    case "allGather":
      return `mesh.all_gather(${first.name}, ${pythonString(op.axis)}, dim=${axisOf(first, op.dim)}${unevenKeywords(uneven)})`;
    case "reduceScatter":
      return `mesh.reduce_scatter(${first.name}, ${pythonString(op.axis)}, dim=${axisOf(first, op.dim)}, reduce=${pythonString(op.reduce)}${unevenKeywords(uneven)})`;
    case "allToAll":
      return `mesh.all_to_all(${first.name}, ${pythonString(op.axis)}, split_dim=${axisOf(first, op.splitDim)}, concat_dim=${axisOf(first, op.concatDim)}${unevenKeywords(uneven)})`;
    case "localSlice":
      return `mesh.local_slice(${first.name}, ${pythonString(op.axis)}, dim=${axisOf(first, op.dim)}${unevenKeywords(uneven)})`;
    case "maskPadding": {
      // the real length of each masked dim on this rank, by the dim's position
      const lengths = maskedDims(op.dims, output).map((entry) => `${axisOf(first, entry.dim)}: mesh.valid_length(${entry.size}, [${entry.axes.map(pythonString).join(", ")}])`);
      return `mt.mask_padding(${first.name}, {${lengths.join(", ")}}, ${pythonNumber(op.fill)})`;
    }
    case "conv2d":
      return emitConv2d(op, first, second, output);
    case "haloExchange":
      return emitHaloExchange(op, first);
  }
  return unsupportedOp(op);
}

/**
 * `normalize` and `normalizeGrad` (dsl/ops/fused.ts) as torch's layer norm kernels with no weight or bias: the norm
 * dim moved last when it is not (torch normalizes trailing dims). The backward recomputes mean and rstd with the
 * forward kernel (the IR keeps one output per op) and asks `native_layer_norm_backward` for dx only.
 */
function emitNormalization(op: Extract<Op, { op: "normalize" | "normalizeGrad" }>, x: TorchOperand, g: TorchOperand | undefined): string {
  const axis = axisOf(x, op.dim);
  const last = namesOf(x.value).length - 1;
  const moved = (expression: string): string => (axis === last ? expression : `${expression}.movedim(${axis}, -1)`);
  const back = (expression: string): string => (axis === last ? expression : `${expression}.movedim(-1, ${axis})`);
  const shape = `[${sizesOf(x.value)[axis]}]`;
  const epsilon = pythonNumber(op.epsilon);
  const input = moved(x.name);
  if (op.op === "normalize") return back(`torch.native_layer_norm(${input}, ${shape}, None, None, ${epsilon})[0]`);
  if (g === undefined) throw new Error("emitTorchOp: normalizeGrad takes x and the cotangent");
  const cotangent = moved(alignTo(g, namesOf(x.value)));
  const statistics = `*torch.native_layer_norm(${input}, ${shape}, None, None, ${epsilon})[1:]`;
  return back(`torch.ops.aten.native_layer_norm_backward(${cotangent}, ${input}, ${shape}, ${statistics}, None, None, [True, False, False])[0]`);
}

/** An op this back end cannot emit yet (the IR grew an op kind): a compiler error that says what to do. */
function unsupportedOp(op: { readonly op: string }): never {
  throw new Error(
    `The torch back end has no lowering for op "${op.op}" yet. Build this program with the TypeScript back end (--target ts), ` +
      `or add "${op.op}" to compiler/backend/torch/emitTorchOp.ts.`,
  );
}
