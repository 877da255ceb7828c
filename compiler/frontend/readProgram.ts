/**
 * Reading one program binding into IR: the model's parameters become params
 * (from their types), its body is run by the static evaluator, and what it
 * returns becomes the program's result. An array parameter without a static
 * length is read again once the model has shown how many items it uses.
 */
import { Node, type ParameterDeclaration } from "ts-morph";
import { CompileError, fail } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { ProgramBuilder, ValueLimitReached } from "../ir/builder.ts";
import type { Program, SourceLoc } from "../ir/ir.ts";
import { bindName } from "./bindPattern.ts";
import { evalExpression } from "./evalExpression.ts";
import { runStatements } from "./evalStatements.ts";
import { defaultWorkLimits, Evaluator, figure, LengthNeeded, type WorkLimits } from "./evaluator.ts";
import type { ProgramBinding } from "./findPrograms.ts";
import type { Locator } from "./location.ts";
import { firstLazy, paramValue, readParameter, toParamShape, type ParamSpec } from "./readParams.ts";
import { Scope } from "./scope.ts";
import { describeValue, leaves, toValueTree, type StaticValue } from "./staticValue.ts";

function parameterName(parameter: ParameterDeclaration, index: number): string {
  return Node.isIdentifier(parameter.getNameNode()) ? parameter.getName() : `arg${index}`;
}

function readOnce(
  binding: ProgramBinding, lengths: ReadonlyMap<string, number>, lengthSites: ReadonlyMap<string, SourceLoc>, locator: Locator, limits: WorkLimits,
): Program {
  const builder = new ProgramBuilder({
    name: binding.name, mesh: binding.mesh, layoutSpec: binding.layoutSpec, layout: binding.layout, loc: binding.loc,
    weightUpdateSharding: binding.weightUpdateSharding, maxValues: limits.values,
    dtype: binding.dtype, sources: binding.sources,
  });
  const ev = new Evaluator({
    builder, locator, mesh: binding.mesh, sizes: binding.sizes, limits, ...(binding.recompute === undefined ? {} : { recompute: binding.recompute }),
    ...(binding.checkpoints === undefined ? {} : { checkpoints: binding.checkpoints }),
  });
  try {
    const program = readInto(ev, binding, lengths, lengthSites, locator);
    if (ev.deferred.length > 0) throw new CompileError(ev.deferred);
    return program;
  } catch (error) {
    // what was deferred came first in the model: report it with the error that stopped the reading
    if (error instanceof CompileError && ev.deferred.length > 0 && error.diagnostics !== ev.deferred) throw new CompileError([...ev.deferred, ...error.diagnostics]);
    if (!(error instanceof ValueLimitReached)) throw error;
    return reportTooLarge(ev, binding, error.limit);
  }
}

/** MT1701 at the open loop with the largest trip count (the one that made the program grow), else the innermost site, else the binding. */
function reportTooLarge(ev: Evaluator, binding: ProgramBinding, limit: number): never {
  const loops = ev.sites.filter((site) => site.count !== undefined);
  const site = loops.length > 0 ? loops.reduce((best, item) => ((item.count ?? 0) > (best.count ?? 0) ? item : best)) : ev.sites[ev.sites.length - 1];
  const program = binding.name;
  if (site === undefined) return fail(frontendMessages.programTooLarge, { program, limit: figure(limit), where: "while reading its model" }, binding.loc);
  const iteration = site.iteration === undefined ? "" : `, and the limit was reached in iteration ${figure(site.iteration + 1)}`;
  const where = site.count === undefined ? `while reading ${site.what}` : `while reading ${site.what}, which runs ${figure(site.count)} times${iteration}`;
  return ev.fail(frontendMessages.programTooLarge, { program, limit: figure(limit), where }, site.node);
}

function readInto(
  ev: Evaluator, binding: ProgramBinding, lengths: ReadonlyMap<string, number>, lengthSites: ReadonlyMap<string, SourceLoc>, locator: Locator,
): Program {
  const builder = ev.builder;
  const scope = new Scope();
  const specs: { parameter: ParameterDeclaration; spec: ParamSpec }[] = [];
  binding.model.getParameters().forEach((parameter, index) => {
    const name = parameterName(parameter, index);
    const spec = readParameter(parameter, name, { sizes: binding.sizes, lengths, locator, program: binding.name, lengthSites, limits: ev.limits });
    const shape = toParamShape(spec);
    const tree = shape ? builder.addParam(name, shape, locator.of(parameter)) : undefined;
    const value = paramValue(spec, tree);
    for (const id of leaves(value)) ev.nameValue(id, name);
    bindName(ev, parameter.getNameNode(), value, scope, true);
    specs.push({ parameter, spec });
  });
  const body = binding.model.getBody();
  let result: StaticValue = { kind: "undefined" };
  let returnedAt: Node = binding.model;
  if (body && Node.isBlock(body)) {
    const completion = runStatements(ev, body.getStatements(), scope);
    if (completion) [result, returnedAt] = [completion.value, completion.statement];
  } else if (body && Node.isExpression(body)) {
    [result, returnedAt] = [evalExpression(ev, body, scope), body];
  }
  for (const { parameter, spec } of specs) {
    const lazy = firstLazy(spec);
    if (lazy) fail(frontendMessages.arrayLengthUnknown, { path: lazy.path, type: lazy.type }, locator.of(parameter));
  }
  const tree = toValueTree(result);
  if (!tree || leaves(result).length === 0) fail(frontendMessages.badReturn, { got: describeValue(result) }, locator.of(returnedAt));
  builder.setResult(tree);
  return builder.finish();
}

/** Read `binding` into a Program (stage "global"); a user error throws a CompileError. */
export function readProgram(binding: ProgramBinding, locator: Locator, limits: WorkLimits = defaultWorkLimits): Program {
  const lengths = new Map<string, number>();
  const lengthSites = new Map<string, SourceLoc>();
  for (;;) {
    try {
      return readOnce(binding, lengths, lengthSites, locator, limits);
    } catch (error) {
      if (!(error instanceof LengthNeeded)) throw error;
      if (lengths.has(error.path)) {
        fail(frontendMessages.arrayLengthUnknown, { path: error.path, type: "an array nested in an array" }, binding.loc);
      }
      lengths.set(error.path, error.length);
      if (error.loc) lengthSites.set(error.path, error.loc);
    }
  }
}
