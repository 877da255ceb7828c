/**
 * The parameters of a model function, read from their types: `Tensor<"dims">`
 * gives a tensor with the declared sizes; object types give trees of their
 * fields; tuples give arrays. A plain array type (`readonly Layer[]`) has no
 * static length: it is "lazy" until the model indexes it (see LengthNeeded).
 */
import { Node, type ParameterDeclaration, type Type } from "ts-morph";
import { MeshtypeError } from "../../dsl/errors.ts";
import { parseDims } from "../../dsl/parseDims.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { ParamShape } from "../ir/builder.ts";
import type { SourceLoc, ValueTree } from "../ir/ir.ts";
import { defaultWorkLimits, figure, type WorkLimits } from "./evaluator.ts";
import { isTensorType } from "./dslSymbols.ts";
import type { Locator } from "./location.ts";
import { literalString, propertyType } from "./readTypes.ts";
import { fromValueTree, type StaticValue } from "./staticValue.ts";

/** A parameter's shape, where an array may still have an unknown length. */
export type ParamSpec =
  | { readonly kind: "tensor"; readonly shape: ParamShape }
  | { readonly kind: "object"; readonly fields: ReadonlyMap<string, ParamSpec> }
  | { readonly kind: "array"; readonly items: readonly ParamSpec[] }
  | { readonly kind: "lazy"; readonly path: string; readonly type: string };

/** What reading a parameter needs: the declared sizes, the array lengths learned so far, and where to report. */
export interface ParamContext {
  readonly sizes: Readonly<Record<string, number>>;
  readonly lengths: ReadonlyMap<string, number>;
  readonly locator: Locator;
  /** The program's name and where each learned length was read, for MT1701 when an array has too many tensors. */
  readonly program?: string;
  readonly lengthSites?: ReadonlyMap<string, SourceLoc>;
  readonly limits?: WorkLimits;
  /** Called when a spec reads a learned array length (an item's spec then depends on its index). */
  readonly lengthRead?: () => void;
}

/** The tensors of a spec (lazy arrays count none). */
function tensorCount(spec: ParamSpec): number {
  switch (spec.kind) {
    case "tensor":
      return 1;
    case "lazy":
      return 0;
    case "array":
      return spec.items.reduce((total, item) => total + tensorCount(item), 0);
    case "object":
      return [...spec.fields.values()].reduce((total, item) => total + tensorCount(item), 0);
  }
}

/** The items of an array parameter of `length` items, or MT1701 before building them when they are more tensors than a program may have. */
function arrayItems(element: Type, length: number, path: string, node: Node, context: ParamContext, depth: number): ParamSpec[] {
  if (length === 0) return [];
  let usesLengths = false;
  const probe: ParamContext = { ...context, lengthRead: () => { usesLengths = true; context.lengthRead?.(); } };
  const first = readParamSpec(element, `${path}.0`, node, probe, depth + 1);
  const perItem = Math.max(1, tensorCount(first));
  const limit = (context.limits ?? defaultWorkLimits).values;
  if (length * perItem > limit) {
    const where = `for parameter \`${path}\`: the model reads ${figure(length)} of its items (${figure(perItem)} ${perItem === 1 ? "tensor" : "tensors"} each)`;
    const loc = context.lengthSites?.get(path) ?? context.locator.of(node);
    return fail(frontendMessages.programTooLarge, { program: context.program ?? "this", limit: figure(limit), where }, loc);
  }
  // Items of one type read the same spec unless it holds arrays whose lengths were learned per path
  // (`params.layers.3.heads`): read once, not once per layer (a spec is read-only data).
  if (!usesLengths) return Array.from({ length }, () => first);
  const items = [first];
  for (let index = 1; index < length; index++) items.push(readParamSpec(element, `${path}.${index}`, node, context, depth + 1));
  return items;
}

function tensorSpec(type: Type, path: string, node: Node, context: ParamContext): ParamSpec {
  const spec = literalString(propertyType(type, "__dims", node));
  const loc = context.locator.of(node);
  if (spec === undefined) return fail(frontendMessages.tensorDimsNotLiteral, { path, type: type.getText(node) }, loc);
  let names: string[];
  try {
    names = parseDims(spec);
  } catch (error) {
    if (!(error instanceof MeshtypeError)) throw error;
    return fail(frontendMessages.badDimsString, { spec, reason: error.message }, loc);
  }
  const dims = names.map((name) => {
    const size = context.sizes[name];
    if (size === undefined) {
      return fail(frontendMessages.unknownParamDim, { path, dim: name, declared: Object.keys(context.sizes).join(", ") }, loc);
    }
    return { name, size };
  });
  return { kind: "tensor", shape: { kind: "tensor", dims } };
}

/** Parameters nest at most this deep (objects in arrays in objects...); deeper is taken for a recursive type. */
const maxParamDepth = 32;

/** The spec of a value of type `type` at `path` (e.g. `params.layers`), read at `node`. */
export function readParamSpec(type: Type, path: string, node: Node, context: ParamContext, depth = 0): ParamSpec {
  if (depth > maxParamDepth) {
    const text = `${type.getText(node)} (nested too deep: a recursive type?)`;
    return fail(frontendMessages.unsupportedParamType, { path, type: text }, context.locator.of(node));
  }
  if (isTensorType(type)) return tensorSpec(type, path, node, context);
  if (type.isTuple()) {
    return { kind: "array", items: type.getTupleElements().map((item, index) => readParamSpec(item, `${path}.${index}`, node, context, depth + 1)) };
  }
  if (type.isArray() || type.isReadonlyArray()) {
    const element = type.getArrayElementType() ?? type.getTypeArguments()[0];
    context.lengthRead?.();
    const length = context.lengths.get(path);
    if (length === undefined || element === undefined) return { kind: "lazy", path, type: type.getText(node) };
    return { kind: "array", items: arrayItems(element, length, path, node, context, depth) };
  }
  if (type.isObject() && type.getCallSignatures().length === 0 && !type.isUnion()) {
    const fields = new Map<string, ParamSpec>();
    for (const property of type.getProperties()) {
      fields.set(property.getName(), readParamSpec(property.getTypeAtLocation(node), `${path}.${property.getName()}`, node, context, depth + 1));
    }
    return { kind: "object", fields };
  }
  return fail(frontendMessages.unsupportedParamType, { path, type: type.getText(node) }, context.locator.of(node));
}

/** The builder's shape of a spec without its lazy arrays (undefined when nothing is left). */
export function toParamShape(spec: ParamSpec): ParamShape | undefined {
  switch (spec.kind) {
    case "tensor":
      return spec.shape;
    case "lazy":
      return undefined;
    case "array": {
      const items = spec.items.map(toParamShape);
      return items.every((item) => item !== undefined) ? { kind: "array", items: items as ParamShape[] } : undefined;
    }
    case "object": {
      const fields: Record<string, ParamShape> = {};
      for (const [name, field] of spec.fields) {
        const shape = toParamShape(field);
        if (shape) fields[name] = shape;
      }
      return { kind: "object", fields };
    }
  }
}

/** The static value of a parameter: the builder's tree, with the lazy arrays put back in. */
export function paramValue(spec: ParamSpec, tree: ValueTree | undefined): StaticValue {
  if (spec.kind === "lazy") return { kind: "lazyArray", path: spec.path, type: spec.type };
  if (spec.kind === "object" && tree?.kind === "object") {
    const fields = new Map<string, StaticValue>();
    for (const [name, field] of spec.fields) fields.set(name, paramValue(field, tree.fields[name]));
    return { kind: "object", fields };
  }
  if (spec.kind === "array" && tree?.kind === "array") {
    return { kind: "array", items: spec.items.map((item, index) => paramValue(item, tree.items[index])) };
  }
  return tree ? fromValueTree(tree) : { kind: "undefined" };
}

/** The first lazy array left in a spec (an array parameter the model never indexed). */
export function firstLazy(spec: ParamSpec): Extract<ParamSpec, { kind: "lazy" }> | undefined {
  if (spec.kind === "lazy") return spec;
  const children = spec.kind === "object" ? [...spec.fields.values()] : spec.kind === "array" ? spec.items : [];
  for (const child of children) {
    const found = firstLazy(child);
    if (found) return found;
  }
  return undefined;
}

/** The spec of one parameter declaration of the model, named `name`. */
export function readParameter(parameter: ParameterDeclaration, name: string, context: ParamContext): ParamSpec {
  const node: Node = Node.isIdentifier(parameter.getNameNode()) ? parameter.getNameNode() : parameter;
  return readParamSpec(parameter.getType(), name, node, context);
}
