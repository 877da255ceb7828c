/**
 * DSL op calls -> IR ops. Each op exported by dsl/ops is matched by its
 * exported name; its arguments are read as static values, its dims are
 * checked with the shared shape rules (dsl/ops/shapeRules.ts, so messages
 * match the eager ops), and one IR op is added at the call's location.
 */
import { Dims } from "../../dsl/dims.ts";
import { MeshtypeError } from "../../dsl/errors.ts";
import { parseDims } from "../../dsl/parseDims.ts";
import type { Dim } from "../../dsl/tensor.ts";
import * as rules from "../../dsl/ops/shapeRules.ts";
import { checkConv2dOptionNames, conv2dDims, isPatched, readConv2dOptions, readConv2dStrides, type Conv2dOptions } from "../../dsl/ops/shapeRulesConv.ts";
import { patchPlan } from "../../dsl/ops/patchConv.ts";
import { needsStridedPlan, stridedConv, type ConvSteps } from "../../dsl/ops/stridedConv.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { OpOptions, ProgramBuilder } from "../ir/builder.ts";
import { unaryFns } from "../../dsl/autodiff/primitive.ts";
import type { BinaryFn, ReduceFn, SourceLoc, ValueId } from "../ir/ir.ts";
import type { OpAttrs } from "../ir/opAttrs.ts";
import {
  dimsArg, numberArg, numberOption, optionsArg, sizesArg, stringArg, stringOption, tensorArg, tensorOrNumberArg, tensorsArg, type OpCall,
} from "./opArgs.ts";
import { describeValue, type StaticValue } from "./staticValue.ts";
import { shortText } from "./evalExpression.ts";
import { emitTreeMap } from "./treeMap.ts";
import { dropoutEmitter } from "./dslDropout.ts";

/** Run a shape rule; its MeshtypeError becomes a diagnostic at the call. */
function check<T>(call: OpCall, rule: () => T): T {
  try {
    return rule();
  } catch (error) {
    if (error instanceof MeshtypeError) return call.ev.fail(frontendMessages.opFailed, { op: call.name, reason: error.message }, call.node);
    throw error;
  }
}

/** The float32 data of each static array a constant was made from (a module-level one is read once: evalCall.ts). */
const constantArrays = new WeakMap<StaticValue, Float32Array>();

function add(call: OpCall, attrs: OpAttrs, inputs: readonly ValueId[], extras: Omit<OpOptions, "loc" | "hint"> = {}): StaticValue {
  const hint = call.ev.hints.get(call.node);
  const id = call.ev.builder.add(attrs, inputs, { ...extras, loc: call.ev.loc(call.node), hint });
  if (hint !== undefined) call.ev.nameValue(id, hint);
  else call.ev.rememberText(id, shortText(call.node));
  return { kind: "tensor", id };
}

const dimsOf = (call: OpCall, id: ValueId): readonly Dim[] => call.ev.dimsOf(id);
const what = (call: OpCall, id: ValueId): string => call.ev.describe(id);

const binaryFns: readonly BinaryFn[] = [
  "add", "sub", "mul", "div", "maximum", "minimum", "pow", "less", "lessEqual", "greater", "greaterEqual", "equal",
];
const reduceFns: readonly ReduceFn[] = ["sum", "max", "min", "mean", "logsumexp"];

/** A binary op; its outer form (`add.outer`) takes two tensors that may each have dims the other lacks. */
function binary(call: OpCall, fn: BinaryFn, outer = false): StaticValue {
  const a = outer ? { tensor: tensorArg(call, 0) } : tensorOrNumberArg(call, 0);
  const b = outer ? { tensor: tensorArg(call, 1) } : tensorOrNumberArg(call, 1);
  if ("tensor" in a && "tensor" in b) {
    const rule = outer ? rules.broadcastDims : rules.binaryDims;
    check(call, () => rule(dimsOf(call, a.tensor), dimsOf(call, b.tensor), [what(call, a.tensor), what(call, b.tensor)], call.name));
    return add(call, { op: "binary", fn }, [a.tensor, b.tensor]);
  }
  if ("tensor" in a && "number" in b) return add(call, { op: "binary", fn, scalar: { value: b.number, position: 1 } }, [a.tensor]);
  if ("number" in a && "tensor" in b) return add(call, { op: "binary", fn, scalar: { value: a.number, position: 0 } }, [b.tensor]);
  return add(call, { op: "binary", fn }, [tensorArg(call, 0), tensorArg(call, 1)]);
}

/** A number given where `where` takes a tensor becomes a scalar `full`. */
function tensorOrScalar(call: OpCall, index: number): ValueId {
  const arg = tensorOrNumberArg(call, index);
  if ("tensor" in arg) return arg.tensor;
  return call.ev.builder.add({ op: "full", value: arg.number }, [], { dims: [], loc: call.ev.loc(call.node) });
}

function creationDims(call: OpCall): Dim[] {
  const sizes = dimsArg(call, 0);
  const spec = stringArg(call, 1);
  return check(call, () => new Dims(sizes).shape(spec));
}

function random(call: OpCall, dist: "normal" | "uniform"): StaticValue {
  const dims = creationDims(call);
  const options = optionsArg(call, 2);
  const seed = numberOption(call, options, "seed", 2);
  const name = stringOption(call, options, "name", 2);
  const shift = dist === "normal" ? numberOption(call, options, "mean", 2, 0) : numberOption(call, options, "low", 2, 0);
  const scale = dist === "normal" ? numberOption(call, options, "std", 2, 1) : numberOption(call, options, "high", 2, 1) - shift;
  if (shift === 0) return add(call, { op: "random", name, seed, dist, scale }, [], { dims });
  const raw = call.ev.builder.add({ op: "random", name, seed, dist, scale }, [], { dims, loc: call.ev.loc(call.node) });
  return add(call, { op: "binary", fn: "add", scalar: { value: shift, position: 1 } }, [raw]);
}

type Emitter = (call: OpCall) => StaticValue;

const emitters: Record<string, Emitter> = {
  einsum(call) {
    const inputs = call.args.length >= 3 ? [tensorArg(call, 0), tensorArg(call, 1)] : [tensorArg(call, 0)];
    const out = stringArg(call, inputs.length);
    const dims = check(call, () => rules.einsumDims(inputs.map((id) => dimsOf(call, id)), out, inputs.map((id) => what(call, id))));
    return add(call, { op: "einsum" }, inputs, { out: dims.map((dim) => dim.name) });
  },
  dot(call) {
    const inputs = [tensorArg(call, 0), tensorArg(call, 1)];
    const [a, b] = inputs.map((id) => dimsOf(call, id));
    const described = inputs.map((id) => what(call, id));
    const all = call.args.length < 3 || call.args[2].kind === "undefined";
    const dims = check(call, () => (all ? rules.contractDims(a, b, described) : rules.dotDims(a, b, stringArg(call, 2), described)));
    return add(call, { op: "einsum" }, inputs, { out: dims.map((dim) => dim.name) });
  },
  where(call) {
    const inputs = [tensorArg(call, 0), tensorOrScalar(call, 1), tensorOrScalar(call, 2)];
    check(call, () => rules.whereDims(dimsOf(call, inputs[0]), dimsOf(call, inputs[1]), dimsOf(call, inputs[2])));
    return add(call, { op: "where" }, inputs);
  },
  conv2d,
  softmax: (call) => softmax(call, false),
  logSoftmax: (call) => softmax(call, true),
  normalize(call) {
    const x = tensorArg(call, 0);
    const dim = stringArg(call, 1);
    check(call, () => rules.softmaxDims(dimsOf(call, x), dim, what(call, x), call.name));
    return add(call, { op: "normalize", dim, epsilon: numberArg(call, 2) }, [x]);
  },
  normalizeGrad(call) {
    const [x, g] = [tensorArg(call, 0), tensorArg(call, 1)];
    const dim = stringArg(call, 2);
    check(call, () => rules.softmaxDims(dimsOf(call, x), dim, what(call, x), call.name));
    check(call, () => rules.cotangentDims(dimsOf(call, x), dimsOf(call, g), [what(call, x), what(call, g)], call.name));
    return add(call, { op: "normalizeGrad", dim, epsilon: numberArg(call, 3) }, [x, g]);
  },
  geluGrad(call) {
    const [x, g] = [tensorArg(call, 0), tensorArg(call, 1)];
    check(call, () => rules.cotangentDims(dimsOf(call, x), dimsOf(call, g), [what(call, x), what(call, g)], call.name));
    return add(call, { op: "unaryGrad", fn: "gelu" }, [x, g]);
  },
  rename(call) {
    const x = tensorArg(call, 0);
    const [from, to] = [stringArg(call, 1), stringArg(call, 2)];
    check(call, () => rules.renameDims(dimsOf(call, x), from, to, what(call, x)));
    return add(call, { op: "rename", from, to }, [x]);
  },
  transpose(call) {
    const x = tensorArg(call, 0);
    const perm = stringArg(call, 1);
    const dims = check(call, () => rules.transposeDims(dimsOf(call, x), perm, what(call, x)));
    // The order x already has (`transpose(y, dimsOf(y))` in a generic layer): no op.
    if (dims.every((dim, index) => dim.name === dimsOf(call, x)[index].name)) return { kind: "tensor", id: x };
    return add(call, { op: "transpose" }, [x], { out: dims.map((dim) => dim.name) });
  },
  splitDim(call) {
    const x = tensorArg(call, 0);
    const [dim, names] = [stringArg(call, 1), stringArg(call, 2)];
    const sizes = sizesArg(call, 3);
    const result = check(call, () => rules.splitDims(dimsOf(call, x), dim, names, sizes, what(call, x)));
    const into = check(call, () => parseDims(names)).map((name) => result.find((item) => item.name === name) ?? { name, size: 0 });
    return add(call, { op: "splitDim", dim, into }, [x]);
  },
  mergeDims(call) {
    const x = tensorArg(call, 0);
    const [names, into] = [stringArg(call, 1), stringArg(call, 2)];
    check(call, () => rules.mergedDims(dimsOf(call, x), names, into, what(call, x)));
    return add(call, { op: "mergeDims", dims: parseDims(names), into }, [x]);
  },
  slice(call) {
    const x = tensorArg(call, 0);
    const dim = stringArg(call, 1);
    const [start, stop] = [numberArg(call, 2), numberArg(call, 3)];
    check(call, () => rules.sliceDims(dimsOf(call, x), dim, start, stop, what(call, x)));
    return add(call, { op: "slice", dim, start, stop }, [x]);
  },
  concat(call) {
    const inputs = tensorsArg(call, 0);
    const dim = stringArg(call, 1);
    check(call, () => rules.concatDims(inputs.map((id) => dimsOf(call, id)), dim, inputs.map((id) => what(call, id))));
    return add(call, { op: "concat", dim }, inputs);
  },
  oneHot(call) {
    const ids = tensorArg(call, 0);
    const [name, size] = [stringArg(call, 1), numberArg(call, 2)];
    check(call, () => rules.oneHotDims(dimsOf(call, ids), name, size, what(call, ids)));
    return add(call, { op: "oneHot", dim: { name, size } }, [ids]);
  },
  gather(call) {
    const [table, ids] = [tensorArg(call, 0), tensorArg(call, 1)];
    const dim = stringArg(call, 2);
    check(call, () => rules.gatherDims(dimsOf(call, table), dimsOf(call, ids), dim, [what(call, table), what(call, ids)]));
    return add(call, { op: "gather", dim }, [table, ids]);
  },
  relayout(call) {
    const x = tensorArg(call, 0);
    const spec = stringArg(call, 1);
    const layoutRules = check(call, () => rules.relayoutRules(dimsOf(call, x), spec, what(call, x)));
    return add(call, { op: "relayout", rules: layoutRules }, [x]);
  },
  zeros: (call) => add(call, { op: "full", value: 0 }, [], { dims: creationDims(call) }),
  ones: (call) => add(call, { op: "full", value: 1 }, [], { dims: creationDims(call) }),
  full(call) {
    const dims = creationDims(call);
    return add(call, { op: "full", value: numberArg(call, 2) }, [], { dims });
  },
  iota(call) {
    const dims = creationDims(call);
    if (dims.length !== 1) return call.ev.fail(frontendMessages.opFailed, { op: "iota", reason: `iota takes one dim, not "${stringArg(call, 1)}".` }, call.node);
    return add(call, { op: "iota", dim: dims[0].name }, [], { dims });
  },
  randomNormal: (call) => random(call, "normal"),
  randomUniform: (call) => random(call, "uniform"),
  tensor(call) {
    const dims = creationDims(call);
    const value = call.args[2];
    const count = dims.reduce((product, dim) => product * dim.size, 1);
    const at = call.node.getArguments()[2] ?? call.node;
    if (value?.kind !== "array") {
      return call.ev.fail(frontendMessages.constantData, { reason: `its data is ${value ? describeValue(value) : "missing"}, not an array of numbers` }, at);
    }
    const data = constantArrays.get(value) ?? new Float32Array(value.items.length);
    if (!constantArrays.has(value)) {
      for (const [index, item] of value.items.entries()) {
        if (item.kind !== "number") return call.ev.fail(frontendMessages.constantData, { reason: `item ${index} of its data is ${describeValue(item)}, not a number` }, at);
        data[index] = item.value;
      }
      constantArrays.set(value, data);
    }
    if (data.length !== count) {
      const shape = dims.map((dim) => `${dim.name}=${dim.size}`).join(", ");
      return call.ev.fail(frontendMessages.constantData, { reason: `dims [${shape}] need ${count} elements but its data has ${data.length}` }, at);
    }
    return add(call, { op: "constant", data }, [], { dims });
  },
  clamp(call) {
    const x = tensorArg(call, 0);
    const [low, high] = [numberArg(call, 1), numberArg(call, 2)];
    const raised = call.ev.builder.add({ op: "binary", fn: "maximum", scalar: { value: low, position: 1 } }, [x], { loc: call.ev.loc(call.node) });
    return add(call, { op: "binary", fn: "minimum", scalar: { value: high, position: 1 } }, [raised]);
  },
  treeMap: (call) => emitTreeMap(call),
  alignAs(call) {
    const [y, like] = [tensorArg(call, 0), tensorArg(call, 1)];
    const dims = check(call, () => rules.alignDims(dimsOf(call, y), dimsOf(call, like), [what(call, y), what(call, like)]));
    if (dims.every((dim, index) => dim.name === dimsOf(call, y)[index].name)) return { kind: "tensor", id: y };
    return add(call, { op: "transpose" }, [y], { out: dims.map((dim) => dim.name) });
  },
  // No op: the dims of a tensor are known while the model is read.
  dimsOf: (call) => ({ kind: "string", value: dimsOf(call, tensorArg(call, 0)).map((dim) => dim.name).join(" ") }),
  elementCount: (call) => ({ kind: "number", value: dimsOf(call, tensorArg(call, 0)).reduce((product, dim) => product * dim.size, 1) }),
};

/** A static padding option as the shape rule reads it (a wrong kind is the rule's "not same or valid" message). */
function paddingOption(value: StaticValue | undefined): unknown {
  if (value === undefined || value.kind === "undefined") return undefined;
  if (value.kind === "string") return value.value;
  if (value.kind !== "object") return value.kind;
  return Object.fromEntries([...value.fields].map(([field, inner]) => [field, inner.kind === "string" ? inner.value : inner.kind]));
}

/** A static stride option as the shape rule reads it (a wrong kind is the rule's "not a positive integer" message). */
function strideOption(value: StaticValue | undefined): unknown {
  if (value === undefined || value.kind === "undefined") return undefined;
  if (value.kind === "number") return value.value;
  if (value.kind !== "object") return value.kind;
  return Object.fromEntries([...value.fields].map(([field, inner]) => [field, inner.kind === "number" ? inner.value : inner.kind]));
}

/** The strided conv2d plan's steps as IR ops at `loc`. */
function irConvSteps(builder: ProgramBuilder, loc: SourceLoc): ConvSteps<ValueId> {
  return {
    dims: (value) => builder.dimsOf(value),
    zeros: (dims) => builder.add({ op: "full", value: 0 }, [], { dims, loc }),
    rename: (value, from, to) => builder.add({ op: "rename", from, to }, [value], { loc }),
    slice: (value, dim, start, stop) => builder.add({ op: "slice", dim, start, stop }, [value], { loc }),
    concat: (values, dim) => builder.add({ op: "concat", dim }, values, { loc }),
    splitDim: (value, dim, into) => builder.add({ op: "splitDim", dim, into }, [value], { loc }),
    einsum: (a, b, out) => builder.add({ op: "einsum" }, [a, b], { out, loc }),
    add: (a, b) => builder.add({ op: "binary", fn: "add" }, [a, b], { loc }),
  };
}

function conv2d(call: OpCall): StaticValue {
  const [x, kernel] = [tensorArg(call, 0), tensorArg(call, 1)];
  const options = optionsArg(call, 2);
  check(call, () => checkConv2dOptionNames(options.keys()));
  const role = (name: string): string => stringOption(call, options, name, 2);
  const given = {
    height: role("height"), width: role("width"), kernelHeight: role("kernelHeight"), kernelWidth: role("kernelWidth"),
    in: role("in"), out: role("out"), padding: paddingOption(options.get("padding")), stride: strideOption(options.get("stride")),
  } as Conv2dOptions;
  const spec = check(call, () => readConv2dOptions(given));
  check(call, () => conv2dDims(dimsOf(call, x), dimsOf(call, kernel), given, [what(call, x), what(call, kernel)]));
  const strides = check(call, () => readConv2dStrides(given));
  const patched = isPatched(strides, dimsOf(call, kernel), spec);
  const loc = call.ev.loc(call.node);
  if (needsStridedPlan(strides, dimsOf(call, kernel), spec, patched)) {
    // Overlapping windows, other strides, even windows: slices, splits and einsums (dsl/ops/stridedConv.ts), as the eager op computes them.
    const steps = irConvSteps(call.ev.builder, loc);
    const result = stridedConv(steps, x, kernel, spec, strides);
    const hint = call.ev.hints.get(call.node);
    if (hint !== undefined) call.ev.nameValue(result, hint);
    else call.ev.rememberText(result, shortText(call.node));
    return { kind: "tensor", id: result };
  }
  if (!patched) return add(call, { op: "conv2d", ...spec }, [x, kernel]);
  // Non-overlapping patches: slices, splits and one einsum (dsl/ops/patchConv.ts), as the eager op computes them.
  const plan = patchPlan(dimsOf(call, x), dimsOf(call, kernel), spec);
  let patches = x;
  for (const cut of plan.slices) patches = call.ev.builder.add({ op: "slice", dim: cut.dim, start: 0, stop: cut.stop }, [patches], { loc });
  for (const split of plan.splits) patches = call.ev.builder.add({ op: "splitDim", dim: split.dim, into: split.into }, [patches], { loc });
  return add(call, { op: "einsum" }, [patches, kernel], { out: [...plan.out] });
}

function softmax(call: OpCall, log: boolean): StaticValue {
  const x = tensorArg(call, 0);
  const dim = stringArg(call, 1);
  check(call, () => rules.softmaxDims(dimsOf(call, x), dim, what(call, x), call.name));
  return add(call, { op: "softmax", dim, log }, [x]);
}

emitters.dropout = dropoutEmitter({ add: (call, attrs, inputs) => add(call, attrs, inputs), check });

for (const fn of unaryFns) emitters[fn] = (call) => add(call, { op: "unary", fn }, [tensorArg(call, 0)]);
for (const fn of binaryFns) {
  emitters[fn] = (call) => binary(call, fn);
  emitters[`${fn}.outer`] = (call) => binary(call, fn, true);
}
for (const fn of reduceFns) {
  emitters[fn] = (call) => {
    const x = tensorArg(call, 0);
    const all = call.args.length < 2 || call.args[1].kind === "undefined";
    // With no dims listed, every dim (a scalar stays itself, as the eager op returns it).
    if (all && dimsOf(call, x).length === 0) return { kind: "tensor", id: x };
    const spec = all ? dimsOf(call, x).map((dim) => dim.name).join(" ") : stringArg(call, 1);
    check(call, () => rules.reduceDims(dimsOf(call, x), spec, what(call, x), call.name));
    return add(call, { op: "reduce", fn, dims: parseDims(spec) }, [x]);
  };
}

/** True when `name` is a DSL op the compiler can lower. */
export function isCompiledOp(name: string): boolean {
  return Object.hasOwn(emitters, name);
}

/** Emit the IR for the DSL op call `call` (its name must satisfy `isCompiledOp`); its result. */
export function emitOp(call: OpCall): StaticValue {
  const emitter = emitters[call.name];
  if (!emitter) return call.ev.fail(frontendMessages.opNotCompiled, { name: call.name }, call.node);
  return emitter(call);
}
