/**
 * `grad(f)` and `valueAndGrad(f)` in model code. `grad(f)` is a static value
 * holding f; calling it reads f at the call site (inlined; its loops stay
 * loops, and their backward is a reverse loop), then differentiates the IR just made with respect to every
 * tensor of the first argument (compiler/autodiff/differentiate.ts). The
 * result is the gradient tree, or `{ value, grad }`.
 */
import { Node, type CallExpression } from "ts-morph";
import { differentiate } from "../autodiff/differentiate.ts";
import { autodiffMessages } from "../diagnostics/autodiffMessages.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { declarationOf, dslRelativePath } from "./dslSymbols.ts";
import type { Evaluator } from "./evaluator.ts";
import type { ValueId } from "../ir/ir.ts";
import { callFunction } from "./functions.ts";
import { describeValue, leaves, replaceLeaves, toValueTree, undefinedValue, type StaticValue } from "./staticValue.ts";

/** Which of meshtype's gradient functions (or `checkpoint`) a callee is, if any. */
export function gradCallee(callee: Node): "grad" | "valueAndGrad" | "checkpoint" | undefined {
  const declaration = declarationOf(callee);
  if (!declaration || !Node.isFunctionDeclaration(declaration)) return undefined;
  if (dslRelativePath(declaration.getSourceFile().getFilePath()) !== "autodiff/grad.ts") return undefined;
  const name = declaration.getName();
  return name === "grad" || name === "valueAndGrad" || name === "checkpoint" ? name : undefined;
}

/**
 * `grad(f)` / `valueAndGrad(f)`: the static value that differentiates f when called;
 * `checkpoint(f)`: f, marked so that a call's ops are recomputed in the backward (callFunction marks them).
 */
export function makeGrad(ev: Evaluator, kind: "grad" | "valueAndGrad" | "checkpoint", args: readonly StaticValue[], node: CallExpression): StaticValue {
  const [fn] = args;
  if (kind === "checkpoint") {
    if (fn?.kind !== "function") return ev.fail(autodiffMessages.checkpointNotFunction, { got: fn ? describeValue(fn) : "nothing" }, node);
    return ev.checkpoints ? { ...fn, checkpoint: true } : fn;
  }
  if (fn?.kind !== "function") return ev.fail(autodiffMessages.gradNotFunction, { call: `${kind}(...)`, got: fn ? describeValue(fn) : "nothing" }, node);
  return { kind: "grad", fn, withValue: kind === "valueAndGrad" };
}

/** The first parameter array of unknown length in `value`, if any. */
function firstLazyArray(value: StaticValue): Extract<StaticValue, { kind: "lazyArray" }> | undefined {
  if (value.kind === "lazyArray") return value;
  const children = value.kind === "array" ? value.items : value.kind === "object" ? [...value.fields.values()] : [];
  for (const child of children) {
    const found = firstLazyArray(child);
    if (found) return found;
  }
  return undefined;
}

/** MT4002 unless `params` is a tree of distinct tensors. */
function checkParams(ev: Evaluator, call: string, params: StaticValue, node: CallExpression): void {
  const wrt = leaves(params);
  if (toValueTree(params) === undefined || wrt.length === 0) {
    ev.fail(autodiffMessages.gradParams, { call, reason: `it is ${describeValue(params)}, not a tensor or an object/array of tensors` }, node);
  }
  const seen = new Set<ValueId>();
  const repeated = wrt.find((id) => seen.size === seen.add(id).size);
  if (repeated !== undefined) ev.fail(autodiffMessages.gradParams, { call, reason: `${ev.describe(repeated)} appears in it twice` }, node);
}

/** Call a `grad(f)` value with `args`: read f, differentiate, and return the gradient tree (with the value for valueAndGrad). */
export function callGrad(ev: Evaluator, grad: Extract<StaticValue, { kind: "grad" }>, args: readonly StaticValue[], node: CallExpression): StaticValue {
  const call = `${grad.withValue ? "valueAndGrad" : "grad"}(${grad.fn.name})`;
  const params = args[0] ?? undefinedValue;
  // A params array of unknown length (`layers: readonly Layer[]`) learns its length while f is read: the
  // first index into it throws LengthNeeded and the program is read again. So check the tree after f then.
  const lazy = firstLazyArray(params);
  if (lazy === undefined) checkParams(ev, call, params, node);
  const from = ev.builder.currentBlock().length;
  ev.sites.push({ node, what: `the call ${call}` });
  const value = callFunction(ev, grad.fn, args, node);
  if (lazy !== undefined) return ev.fail(frontendMessages.arrayLengthUnknown, { path: lazy.path, type: lazy.type }, node);
  const wrt = leaves(params);
  if (value.kind !== "tensor" || ev.dimsOf(value.id).length !== 0) {
    const got = value.kind === "tensor" ? `a tensor with dims "${ev.dimsOf(value.id).map((dim) => dim.name).join(" ")}"` : describeValue(value);
    return ev.fail(autodiffMessages.gradNotScalar, { call, got }, node);
  }
  const gradients = differentiate(ev.builder, value.id, wrt, { loc: ev.loc(node), from, recompute: ev.recompute });
  ev.sites.pop();
  const tree = replaceLeaves(params, gradients);
  if (!grad.withValue) return tree;
  return { kind: "object", fields: new Map([["value", value], ["grad", tree]]) };
}
