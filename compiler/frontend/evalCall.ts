/**
 * Calls in model code: DSL ops (emitted as IR ops), `dims`/`mesh`/`layout`
 * (static values), `Math` functions on static numbers, and user functions
 * (inlined). Anything else is a diagnostic.
 */
import { Node, type CallExpression, type NewExpression } from "ts-morph";
import { parseLayout } from "../../dsl/parseLayout.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { callArrayMethod, callArrayStatic, isArrayConstructor, isArrayMethod, maxBuiltItems } from "./arrayBuilders.ts";
import { classifyCallee, declarationOf, type DslEntity } from "./dslSymbols.ts";
import { emitOp } from "./dslOps.ts";
import { evalExpression, shortText } from "./evalExpression.ts";
import { callGrad, gradCallee, makeGrad } from "./evalGrad.ts";
import type { Evaluator } from "./evaluator.ts";
import { callFunction } from "./functions.ts";
import type { Scope } from "./scope.ts";
import { callMath, readField } from "./staticOps.ts";
import { describeValue, type StaticValue } from "./staticValue.ts";

/** The arguments of a call (or `new`), spreads of static arrays spread. */
export function evalArgs(ev: Evaluator, node: CallExpression | NewExpression, scope: Scope): StaticValue[] {
  const args: StaticValue[] = [];
  for (const argument of node.getArguments() ?? []) {
    if (Node.isSpreadElement(argument)) {
      const spread = evalExpression(ev, argument.getExpression(), scope);
      if (spread.kind !== "array") {
        return ev.fail(frontendMessages.unsupportedExpression, { kind: `spread of ${describeValue(spread)}`, text: argument.getText() }, argument);
      }
      args.push(...spread.items);
    } else if (Node.isExpression(argument)) {
      args.push(evalExpression(ev, argument, scope));
    }
  }
  return args;
}

function sizesOf(ev: Evaluator, value: StaticValue | undefined, node: CallExpression): Record<string, number> {
  if (value?.kind !== "object") return ev.fail(frontendMessages.notStatic, { what: "sizes", text: shortText(node), got: value ? describeValue(value) : "missing" }, node);
  const sizes: Record<string, number> = {};
  for (const [name, size] of value.fields) {
    if (size.kind !== "number") return ev.fail(frontendMessages.notStatic, { what: `size of ${name}`, text: shortText(node), got: describeValue(size) }, node);
    sizes[name] = size.value;
  }
  return sizes;
}

/** The data of module-level constants, by their data expression (see `constantTensor`). */
const constantData = new WeakMap<Node, StaticValue>();

/** Whether `node` is outside every function (its value cannot depend on a call's arguments). */
function isModuleLevel(node: Node): boolean {
  return node.getFirstAncestor((parent) => Node.isFunctionLikeDeclaration(parent) || Node.isArrowFunction(parent) || Node.isFunctionExpression(parent)) === undefined;
}

/**
 * `tensor(D, spec, data)`: a constant whose data the evaluator computes. Data
 * it cannot compute is reported (Evaluator.deferred) and read on with zeros in
 * its place, so that every such constant is named, not only the first.
 */
function constantTensor(ev: Evaluator, node: CallExpression, scope: Scope): StaticValue {
  const [dimsNode, specNode, dataNode, ...rest] = node.getArguments();
  if (!Node.isExpression(dimsNode) || !Node.isExpression(specNode) || !Node.isExpression(dataNode)) {
    return ev.fail(frontendMessages.constantData, { reason: "it needs declared dims, a dims string and the data" }, node);
  }
  const head = [evalExpression(ev, dimsNode, scope), evalExpression(ev, specNode, scope)];
  const options = rest.filter(Node.isExpression).map((argument) => evalExpression(ev, argument, scope));
  let data = constantData.get(dataNode);
  if (data === undefined) {
    // The data has a call budget of its own (a table of n entries built by a function makes n calls), and the model's count is kept.
    const [calls, limit] = [ev.calls, ev.callLimit];
    [ev.calls, ev.callLimit] = [0, maxBuiltItems];
    try {
      data = evalExpression(ev, dataNode, scope);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      const reason = error.diagnostics.map((item) => item.message).join(" ");
      ev.defer(frontendMessages.constantData, { reason: `its data \`${shortText(dataNode)}\` is not known at compile time (${reason})` }, dataNode);
      return emitOp({ ev, name: "zeros", node, args: head });
    } finally {
      [ev.calls, ev.callLimit] = [calls, limit];
    }
    // Module-level data is the same for every program and every use: computed once.
    if (isModuleLevel(node)) constantData.set(dataNode, data);
  }
  return emitOp({ ev, name: "tensor", node, args: [...head, data, ...options] });
}

function callDsl(ev: Evaluator, entity: DslEntity, node: CallExpression, scope: Scope): StaticValue {
  if (entity.kind === "op") {
    if (entity.name === "tensor") return constantTensor(ev, node, scope);
    return emitOp({ ev, name: entity.name, node, args: evalArgs(ev, node, scope) });
  }
  const args = evalArgs(ev, node, scope);
  if (entity.kind === "dims") return { kind: "dims", sizes: sizesOf(ev, args[0], node) };
  if (entity.kind === "mesh") {
    return { kind: "mesh", axes: Object.entries(sizesOf(ev, args[0], node)).map(([name, size]) => ({ name, size })) };
  }
  if (entity.kind === "layout") {
    const [meshValue, dimsValue, spec] = args;
    if (meshValue?.kind !== "mesh" || dimsValue?.kind !== "dims" || spec?.kind !== "string") {
      return ev.fail(frontendMessages.notStatic, { what: "layout", text: shortText(node), got: "not made of a mesh, dims and a string" }, node);
    }
    try {
      parseLayout(spec.value);
    } catch (error) {
      return ev.fail(frontendMessages.badLayoutSpec, { spec: spec.value, reason: error instanceof Error ? error.message : String(error) }, node);
    }
    return { kind: "layout", spec: spec.value, mesh: meshValue.axes, sizes: dimsValue.sizes };
  }
  return ev.fail(frontendMessages.unknownFunction, { text: shortText(node.getExpression()) }, node);
}

/** Evaluate the call `node` in `scope`. */
export function evalCall(ev: Evaluator, node: CallExpression, scope: Scope): StaticValue {
  const callee = node.getExpression();
  const local = Node.isIdentifier(callee) ? scope.lookup(callee.getText()) : undefined;
  const entity = local ? undefined : classifyCallee(callee);
  if (entity) return callDsl(ev, entity, node, scope);
  const gradKind = local ? undefined : gradCallee(callee);
  if (gradKind) return makeGrad(ev, gradKind, evalArgs(ev, node, scope), node);
  if (Node.isPropertyAccessExpression(callee) && isArrayConstructor(callee.getExpression())) {
    const result = callArrayStatic(ev, callee.getExpression().getText(), callee.getName(), evalArgs(ev, node, scope), node);
    return result ?? ev.fail(frontendMessages.unknownFunction, { text: shortText(callee) }, node);
  }
  const declaration = local ? undefined : declarationOf(callee);
  const isMath = Node.isPropertyAccessExpression(callee) && callee.getExpression().getText() === "Math";
  // `data.map(fn)`, `data.fill(0)` on a static array: the methods are the standard library's.
  const target = Node.isPropertyAccessExpression(callee) && isArrayMethod(declaration)
    ? evalExpression(ev, callee.getExpression(), scope) : undefined;
  if (target?.kind === "array" && Node.isPropertyAccessExpression(callee)) {
    const result = callArrayMethod(ev, target, callee.getName(), evalArgs(ev, node, scope), node);
    if (result) return result;
  }
  if (declaration?.getSourceFile().isDeclarationFile() && !isMath) {
    return ev.fail(frontendMessages.unknownFunction, { text: shortText(callee) }, node);
  }
  let fn: StaticValue;
  if (Node.isPropertyAccessExpression(callee)) {
    const target = evalExpression(ev, callee.getExpression(), scope);
    if (target.kind === "math") {
      const result = callMath(ev, callee.getName(), evalArgs(ev, node, scope), node);
      return result ?? ev.fail(frontendMessages.unknownFunction, { text: shortText(callee) }, node);
    }
    fn = readField(ev, target, callee.getName(), callee);
  } else {
    fn = evalExpression(ev, callee, scope);
  }
  if (fn.kind === "function") return callFunction(ev, fn, evalArgs(ev, node, scope), node);
  if (fn.kind === "grad") return callGrad(ev, fn, evalArgs(ev, node, scope), node);
  if (fn.kind === "op") return emitOp({ ev, name: fn.name, node, args: evalArgs(ev, node, scope) });
  return ev.fail(frontendMessages.unknownFunction, { text: shortText(callee) }, node);
}
