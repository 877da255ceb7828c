/**
 * Recognising meshtype's own functions and classes in the user's code: a callee
 * or a type is resolved through imports, re-exports and aliases to its
 * declaration, and the declaration's file tells what it is. A file belongs to
 * meshtype when it lies under the `dsl/` folder of a package named "meshtype"
 * (this repository, or node_modules/meshtype in a user's project).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Node, type Symbol as MorphSymbol, type Type } from "ts-morph";

const packageNames = new Map<string, string | undefined>();

function packageNameAt(dir: string): string | undefined {
  if (!packageNames.has(dir)) {
    let name: string | undefined;
    try {
      const json: unknown = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      if (typeof json === "object" && json !== null && "name" in json && typeof json.name === "string") name = json.name;
    } catch {
      name = undefined;
    }
    packageNames.set(dir, name);
  }
  return packageNames.get(dir);
}

/**
 * The path of `filePath` inside meshtype's `dsl/` folder (e.g. `ops/einsum.ts`),
 * or undefined when the file is not part of meshtype's DSL.
 */
export function dslRelativePath(filePath: string): string | undefined {
  const normalized = filePath.split(path.sep).join("/");
  const index = normalized.lastIndexOf("/dsl/");
  if (index < 0) return undefined;
  const root = normalized.slice(0, index);
  if (packageNameAt(root) !== "meshtype") return undefined;
  return normalized.slice(index + "/dsl/".length);
}

/**
 * True for a file of an installed package (under node_modules) or of
 * meshtype's own `dsl/` or `stdlib/` folder: code the user did not write,
 * which the build does not type-check and whose errors it reports at the
 * user's call into it.
 */
export function isPackageFile(filePath: string): boolean {
  const normalized = filePath.split(path.sep).join("/");
  if (normalized.includes("/node_modules/")) return true;
  for (const folder of ["/dsl/", "/stdlib/"]) {
    const index = normalized.lastIndexOf(folder);
    if (index >= 0 && packageNameAt(normalized.slice(0, index)) === "meshtype") return true;
  }
  return false;
}

/** Follow import/export aliases to the symbol that declares the thing. */
export function unalias(symbol: MorphSymbol | undefined): MorphSymbol | undefined {
  if (symbol === undefined) return undefined;
  return symbol.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
}

const declarations = new WeakMap<Node, Node>();

/**
 * The declaration an identifier or property name refers to, through aliases
 * (cached per node). A cached declaration in a file edited since (watch mode,
 * the fuzz test) has been forgotten by ts-morph and is looked up again; a name
 * with no declaration is not cached, since an edit elsewhere may declare it.
 */
export function declarationOf(node: Node): Node | undefined {
  const cached = declarations.get(node);
  if (cached !== undefined && !cached.wasForgotten()) return cached;
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  const found = unalias(target.getSymbol())?.getDeclarations()[0];
  if (found !== undefined) declarations.set(node, found);
  return found;
}

/** What a DSL declaration is: an op (by its exported name), or one of the binding helpers. */
export type DslEntity =
  | { readonly kind: "op"; readonly name: string }
  | { readonly kind: "program" }
  | { readonly kind: "dims" }
  | { readonly kind: "mesh" }
  | { readonly kind: "layout" }
  | { readonly kind: "tensorClass" }
  | { readonly kind: "dimsClass" }
  | { readonly kind: "meshClass" }
  | { readonly kind: "layoutClass" };

function declaredName(declaration: Node): string | undefined {
  if (Node.isFunctionDeclaration(declaration) || Node.isClassDeclaration(declaration)) return declaration.getName();
  if (Node.isVariableDeclaration(declaration)) return declaration.getName();
  return undefined;
}

/** Classify a declaration as a meshtype DSL entity, or undefined when it is the user's (or anyone else's). */
export function classifyDeclaration(declaration: Node | undefined): DslEntity | undefined {
  if (declaration === undefined) return undefined;
  const relative = dslRelativePath(declaration.getSourceFile().getFilePath());
  const name = declaredName(declaration);
  if (relative === undefined || name === undefined) return undefined;
  if (relative.startsWith("ops/") && !relative.startsWith("ops/types/")) return { kind: "op", name };
  if (relative === "program.ts" && name === "program") return { kind: "program" };
  if (relative === "dims.ts" && name === "dims") return { kind: "dims" };
  if (relative === "mesh.ts" && name === "mesh") return { kind: "mesh" };
  if (relative === "layout.ts" && name === "layout") return { kind: "layout" };
  if (relative === "tensor.ts" && name === "Tensor") return { kind: "tensorClass" };
  if (relative === "dims.ts" && name === "Dims") return { kind: "dimsClass" };
  if (relative === "mesh.ts" && name === "Mesh") return { kind: "meshClass" };
  if (relative === "layout.ts" && name === "Layout") return { kind: "layoutClass" };
  return undefined;
}

/** Classify the callee of a call (an identifier or `ns.name`); `add.outer` is the op `add.outer`. */
export function classifyCallee(callee: Node): DslEntity | undefined {
  if (Node.isPropertyAccessExpression(callee) && callee.getName() === "outer") {
    const base = classifyDeclaration(declarationOf(callee.getExpression()));
    if (base?.kind === "op") return { kind: "op", name: `${base.name}.outer` };
  }
  return classifyDeclaration(declarationOf(callee));
}

/** Which of meshtype's classes (Tensor, Dims, Mesh, Layout) `type` is an instance of, if any. */
export function classifyType(type: Type): DslEntity | undefined {
  const symbol = type.getSymbol() ?? type.getAliasSymbol();
  return classifyDeclaration(symbol?.getDeclarations()[0]);
}

/** True when `type` is meshtype's `Tensor<...>` class type. */
export function isTensorType(type: Type): boolean {
  return classifyType(type)?.kind === "tensorClass";
}
