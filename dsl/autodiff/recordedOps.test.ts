import { describe, expect, it } from "vitest";
import * as ops from "../ops/index.ts";
import type { Tensor } from "../tensor.ts";
import { generator } from "../testSupport.ts";
import { randomTensor } from "./gradCheck.ts";
import { unaryFns, type Primitive, type PrimitiveKind } from "./primitive.ts";
import { withRecorder, type OpRecorder } from "./recorder.ts";

// Every export of dsl/ops/index.ts must be listed below. An eager op that reads tensors must call recordOp:
// one it forgets gives zero gradients without a word (conv2d did). A new export fails "lists every export"
// until someone decides here which kind it is, and an op fails "records" until it records.
type T = Tensor<string>;

/** The eager ops with plain string arguments (the cases build dims at run time). */
const loose = ops as unknown as Record<string, (...args: unknown[]) => T>;
const next = generator(5);
const tensor = (spec: string, integers?: number) => randomTensor(spec, next, integers === undefined ? "signed" : { integers });

/** How to call one export, and what it must leave on an open tape. */
type Entry =
  /** An op with tensor inputs: `call` returns its result and the tensors it read; the tape must get `primitive`. */
  | { readonly records: PrimitiveKind; readonly call: () => { readonly result: T; readonly reads: readonly T[] } }
  /** An op made of other ops (`clamp` is maximum then minimum): the tape must lead from its result back to every tensor it read. */
  | { readonly composes: readonly PrimitiveKind[]; readonly call: () => { readonly result: T; readonly reads: readonly T[] } }
  /** An op that returns its input itself (nothing to record: the cotangent reaches the input unchanged). */
  | { readonly identity: () => { readonly result: T; readonly input: T } }
  /** Not an op on tensors: says why nothing is recorded. */
  | { readonly notAnOp: string };

const x = () => tensor("b=2 d=3");
const unaryOp = (name: string): Entry => ({ records: "unary", call: () => { const a = x(); return { result: loose[name](a), reads: [a] }; } });
const binaryOp = (name: string): Entry => ({ records: "binary", call: () => { const [a, b] = [x(), tensor("d=3")]; return { result: loose[name](a, b), reads: [a, b] }; } });
const reduceOp = (name: string): Entry => ({ records: "reduce", call: () => { const a = x(); return { result: loose[name](a, "d"), reads: [a] }; } });
const creation: Entry = { notAnOp: "a creation op: no tensor inputs, so nothing to differentiate" };
const shapeRule: Entry = { notAnOp: "a shape rule on dims (no tensors)" };
const message: Entry = { notAnOp: "writes an error message" };
const randomHelper: Entry = { notAnOp: "counter-based random numbers on plain numbers" };

const table: Readonly<Record<string, Entry>> = {
  tensor: creation, full: creation, zeros: creation, ones: creation, iota: creation, randomNormal: creation, randomUniform: creation,
  fmix32: randomHelper, hashName: randomHelper, streamKey: randomHelper, randomBits: randomHelper, uniformAt: randomHelper, normalAt: randomHelper,
  describeDims: shapeRule, requireDim: shapeRule, einsumDims: shapeRule, einsumSummedDims: shapeRule, broadcastDims: shapeRule, binaryDims: shapeRule, dotDims: shapeRule, contractDims: shapeRule, alignDims: shapeRule, whereDims: shapeRule,
  reduceDims: shapeRule, softmaxDims: shapeRule, renameDims: shapeRule, transposeDims: shapeRule, splitDims: shapeRule, mergedDims: shapeRule,
  sliceDims: shapeRule, concatDims: shapeRule, oneHotDims: shapeRule, gatherDims: shapeRule, relayoutRules: shapeRule, regionDims: shapeRule,
  conv2dDims: shapeRule, readConv2dOptions: { notAnOp: "reads conv2d's options" }, convSpatial: { notAnOp: "reads conv2d's options" },
  opErrorCodes: { notAnOp: "a table of error codes" },
  writeOpUnknownDimMessage: message, writeOpDimExistsMessage: message, writeOpRepeatedDimMessage: message, writeOpNoDimsMessage: message,
  writeEinsumStrayDimMessage: message, writeNotPermutationMessage: message, writeSplitSizeKeyMessage: message, writeSplitMissingSizesMessage: message,
  writeGatherClashMessage: message, writeSizeMismatchMessage: message, writeOneDimMessage: message, writeConcatDimsDifferMessage: message,
  writeRelayoutAxisReusedMessage: message,
  dimsOf: { notAnOp: "reads a tensor's dims string" },
  alignAs: { records: "transpose", call: () => { const [a, like] = [x(), tensor("d=3 b=2")]; return { result: loose.alignAs(a, like), reads: [a] }; } },
  elementCount: { notAnOp: "reads a tensor's element count" },
  treeMap: { notAnOp: "maps a function over trees; the ops that function runs record themselves" },
  ...Object.fromEntries(unaryFns.map((name) => [name, unaryOp(name)])),
  ...Object.fromEntries(["add", "sub", "mul", "div", "maximum", "minimum", "pow", "less", "lessEqual", "greater", "greaterEqual", "equal"].map((name) => [name, binaryOp(name)])),
  ...Object.fromEntries(["sum", "max", "min", "mean", "logsumexp"].map((name) => [name, reduceOp(name)])),
  dot: { records: "einsum", call: () => { const [a, b] = [x(), tensor("d=3 c=2")]; return { result: loose.dot(a, b, "d"), reads: [a, b] }; } },
  einsum: { records: "einsum", call: () => { const [a, b] = [x(), tensor("d=3 c=2")]; return { result: loose.einsum(a, b, "b c"), reads: [a, b] }; } },
  dropout: { records: "dropout", call: () => { const a = x(); return { result: loose.dropout(a, 0.3, { seed: 1, name: "h" }), reads: [a] }; } },
  checkDropoutKey: { notAnOp: "checks a dropout key's seed and name" }, checkDropoutRate: { notAnOp: "checks a dropout rate" },
  dropoutStep: { notAnOp: "reads the step of a dropout key" }, dropoutStreamKey: randomHelper,
  where: { records: "where", call: () => { const [cond, a, b] = [tensor("b=2 d=3", 2), x(), tensor("d=3")]; return { result: loose.where(cond, a, b), reads: [cond, a, b] }; } },
  softmax: { records: "softmax", call: () => { const a = x(); return { result: loose.softmax(a, "d"), reads: [a] }; } },
  logSoftmax: { records: "softmax", call: () => { const a = x(); return { result: loose.logSoftmax(a, "d"), reads: [a] }; } },
  normalize: { records: "normalize", call: () => { const a = x(); return { result: loose.normalize(a, "d", 1e-5), reads: [a] }; } },
  normalizeGrad: { records: "normalizeGrad", call: () => { const [a, g] = [x(), x()]; return { result: loose.normalizeGrad(a, g, "d", 1e-5), reads: [a, g] }; } },
  geluGrad: { records: "unaryGrad", call: () => { const [a, g] = [x(), x()]; return { result: loose.geluGrad(a, g), reads: [a, g] }; } },
  cotangentDims: shapeRule,
  rename: { records: "rename", call: () => { const a = x(); return { result: loose.rename(a, "d", "e"), reads: [a] }; } },
  transpose: { records: "transpose", call: () => { const a = x(); return { result: loose.transpose(a, "d b"), reads: [a] }; } },
  splitDim: { records: "splitDim", call: () => { const a = tensor("b=2 m=6"); return { result: loose.splitDim(a, "m", "h e", { h: 2, e: 3 }), reads: [a] }; } },
  mergeDims: { records: "mergeDims", call: () => { const a = x(); return { result: loose.mergeDims(a, "b d", "m"), reads: [a] }; } },
  slice: { records: "slice", call: () => { const a = x(); return { result: loose.slice(a, "d", 1, 3), reads: [a] }; } },
  concat: { records: "concat", call: () => { const [a, b] = [x(), tensor("b=2 d=2")]; return { result: loose.concat([a, b], "d"), reads: [a, b] }; } },
  oneHot: { records: "oneHot", call: () => { const ids = tensor("b=3", 4); return { result: loose.oneHot(ids, "v", 4), reads: [ids] }; } },
  gather: { records: "gather", call: () => { const [table, ids] = [tensor("v=4 d=2"), tensor("b=3", 4)]; return { result: loose.gather(table, ids, "v"), reads: [table, ids] }; } },
  conv2d: {
    records: "conv2d",
    call: () => {
      const [input, kernel] = [tensor("n=1 h=4 w=4 c=2"), tensor("kh=3 kw=1 c=2 o=3")];
      const result = loose.conv2d(input, kernel, { height: "h", width: "w", kernelHeight: "kh", kernelWidth: "kw", in: "c", out: "o" });
      return { result, reads: [input, kernel] };
    },
  },
  relayout: { identity: () => { const a = x(); return { result: loose.relayout(a, "b:data"), input: a }; } },
  clamp: { composes: ["binary", "binary"], call: () => { const a = x(); return { result: loose.clamp(a, -0.5, 0.5), reads: [a] }; } },
};

interface RecordedCall {
  readonly primitive: Primitive;
  readonly inputs: readonly T[];
  readonly output: T;
}

/** What `body` returns, and everything recordOp was called with while it ran. */
function recorded<R>(body: () => R): { readonly value: R; readonly seen: readonly RecordedCall[] } {
  const seen: RecordedCall[] = [];
  const recorder: OpRecorder = { record: (primitive, inputs, output) => void seen.push({ primitive, inputs, output }) };
  const value = withRecorder(recorder, body);
  return { value, seen };
}

describe("every eager op records itself on an open tape", () => {
  it("lists every export of dsl/ops/index.ts, and nothing else", () => {
    const exported = Object.keys(ops).sort();
    expect(exported.filter((name) => !(name in table)), "exports with no entry: decide how each is called and what it records").toEqual([]);
    expect(Object.keys(table).filter((name) => !exported.includes(name)), "entries for names no longer exported").toEqual([]);
  });

  for (const [name, entry] of Object.entries(table)) {
    if ("records" in entry) {
      it(`${name} records a ${entry.records} with its inputs and its result`, () => {
        const { value, seen } = recorded(entry.call);
        const own = seen.filter((item) => item.output === value.result);
        expect(own.map((item) => item.primitive.op), `${name} must call recordOp once for its result`).toEqual([entry.records]);
        expect(own[0].inputs).toHaveLength(value.reads.length);
        own[0].inputs.forEach((input, index) => expect(input, `input ${index} of ${name}`).toBe(value.reads[index]));
      });
    } else if ("composes" in entry) {
      it(`${name} records ${entry.composes.join(" then ")} leading from what it read to its result`, () => {
        const { value, seen } = recorded(entry.call);
        const chain: RecordedCall[] = [];
        let frontier: readonly T[] = [value.result];
        while (frontier.length > 0) {
          const made = seen.filter((item) => frontier.includes(item.output));
          chain.unshift(...made);
          frontier = made.flatMap((item) => item.inputs).filter((input) => !value.reads.includes(input));
        }
        expect(chain.map((item) => item.primitive.op)).toEqual(entry.composes);
        for (const read of value.reads) expect(chain.some((item) => item.inputs.includes(read)), "every tensor read is an input of the chain").toBe(true);
      });
    } else if ("identity" in entry) {
      it(`${name} returns its input itself`, () => {
        const { result, input } = entry.identity();
        expect(result).toBe(input);
      });
    }
  }
});
