/**
 * A seeded mutator of model sources, for the fuzz test: each mutation is one
 * small edit a user could make by mistake (or on purpose), of one of the
 * classes below, found with TypeScript's parser (no type checker, so it is
 * cheap). The same seed gives the same edit of the same text.
 */
import { ts } from "ts-morph";

/** The kinds of edit, as issue 16 lists them. */
export const mutationClasses = [
  "deleteStatement", "deleteToken", "changeDims", "changeLayout", "changeSize", "insertConstruct", "swapArguments", "wrongArity", "wrapHelper",
] as const;

/** One kind of edit. */
export type MutationClass = (typeof mutationClasses)[number];

/** An edit: replace `[start, end)` of the text with `insert`. */
export interface Mutation {
  readonly kind: MutationClass;
  readonly start: number;
  readonly end: number;
  readonly insert: string;
  /** What was done, for messages: `changeSize: 8 -> 2147483648 at 12:20`. */
  readonly description: string;
}

/** A deterministic draw of integers in [0, n) (xorshift32). */
export function draws(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

type Draw = (n: number) => number;

function pick<T>(draw: Draw, items: readonly T[]): T {
  return items[draw(items.length)] as T;
}

/** Every node of `file` that `keep` accepts, in source order. */
function nodesOf<T extends ts.Node>(file: ts.SourceFile, keep: (node: ts.Node) => node is T): T[] {
  const found: T[] = [];
  const visit = (node: ts.Node): void => {
    if (keep(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The strings of imports and exports are module paths, not model text. */
function isModulePath(node: ts.Node): boolean {
  const parent = node.parent;
  return parent !== undefined && (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent) || ts.isLiteralTypeNode(parent) && ts.isImportTypeNode(parent.parent));
}

function stringLiterals(file: ts.SourceFile): (ts.StringLiteral | ts.NoSubstitutionTemplateLiteral)[] {
  return nodesOf(file, (node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral =>
    (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && !isModulePath(node));
}

const dimsString = /^[A-Za-z_][A-Za-z0-9_]*( +[A-Za-z_][A-Za-z0-9_]*)*$/;
const layoutString = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*:/;

function lineCol(file: ts.SourceFile, position: number): string {
  const { line, character } = file.getLineAndCharacterOfPosition(position);
  return `${line + 1}:${character + 1}`;
}

function replaceNode(kind: MutationClass, file: ts.SourceFile, node: ts.Node, insert: string, what: string): Mutation {
  const start = node.getStart(file);
  return { kind, start, end: node.getEnd(), insert, description: `${kind}: ${what} at ${lineCol(file, start)}` };
}

function quoted(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral, text: string): string {
  return ts.isNoSubstitutionTemplateLiteral(node) ? `\`${text}\`` : JSON.stringify(text);
}

/** The other dim and axis names the file mentions, to swap in. */
function namesIn(file: ts.SourceFile): string[] {
  const names = new Set<string>();
  for (const literal of stringLiterals(file)) {
    if (dimsString.test(literal.text)) for (const name of literal.text.split(/ +/)) names.add(name);
    if (layoutString.test(literal.text)) for (const name of literal.text.split(/[\s,:()]+/)) if (name !== "") names.add(name);
  }
  return [...names];
}

function misspell(draw: Draw, name: string): string {
  if (name.length < 2) return `${name}x`;
  const at = draw(name.length - 1);
  return name.slice(0, at) + name[at + 1] + name[at] + name.slice(at + 2);
}

const mutators: Record<MutationClass, (draw: Draw, file: ts.SourceFile) => Mutation | undefined> = {
  deleteStatement(draw, file) {
    // Statements of function bodies and blocks, and the file's own statements other than imports.
    const statements = nodesOf(file, (node): node is ts.Statement => {
      const parent = node.parent as ts.Node | undefined;
      if (parent === undefined || !(ts.isBlock(parent) || ts.isSourceFile(parent))) return false;
      return (parent.statements as readonly ts.Node[]).includes(node) && !ts.isImportDeclaration(node);
    });
    if (statements.length === 0) return undefined;
    const statement = pick(draw, statements);
    return replaceNode("deleteStatement", file, statement, "", `deleted \`${statement.getText(file).split("\n")[0]?.slice(0, 50)}\``);
  },
  deleteToken(draw, file) {
    const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, file.text);
    const tokens: { start: number; end: number }[] = [];
    for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
      if (scanner.getTokenStart() >= firstCodePosition(file)) tokens.push({ start: scanner.getTokenStart(), end: scanner.getTokenEnd() });
    }
    if (tokens.length === 0) return undefined;
    const token = pick(draw, tokens);
    return { kind: "deleteToken", start: token.start, end: token.end, insert: "", description: `deleteToken: \`${file.text.slice(token.start, token.end)}\` at ${lineCol(file, token.start)}` };
  },
  changeDims(draw, file) {
    const literals = stringLiterals(file).filter((literal) => dimsString.test(literal.text));
    if (literals.length === 0) return undefined;
    const literal = pick(draw, literals);
    const names = literal.text.split(/ +/);
    const others = namesIn(file);
    const index = draw(names.length);
    const edits: (() => string[])[] = [
      () => names.filter((_, at) => at !== index),
      () => [...names, names[index] as string],
      () => names.map((name, at) => (at === index ? misspell(draw, name) : name)),
      () => names.map((name, at) => (at === index ? pick(draw, others) : name)),
      () => [...names].reverse(),
      () => [...names, pick(draw, others)],
    ];
    const text = pick(draw, edits)().join(" ");
    return replaceNode("changeDims", file, literal, quoted(literal, text), `"${literal.text}" -> "${text}"`);
  },
  changeLayout(draw, file) {
    const literals = stringLiterals(file).filter((literal) => layoutString.test(literal.text));
    if (literals.length === 0) return undefined;
    const literal = pick(draw, literals);
    const rules = literal.text.split(",").map((rule) => rule.trim()).filter((rule) => rule !== "");
    const others = namesIn(file);
    const index = draw(rules.length);
    const [dim = "", axis = ""] = (rules[index] ?? "").split(":").map((part) => part.trim());
    const edits: (() => string[])[] = [
      () => rules.filter((_, at) => at !== index),
      () => rules.map((rule, at) => (at === index ? `${dim}:${misspell(draw, axis)}` : rule)),
      () => rules.map((rule, at) => (at === index ? `${pick(draw, others)}:${axis}` : rule)),
      () => rules.map((rule, at) => (at === index ? `${dim}:${pick(draw, others)}` : rule)),
      () => [...rules, `${pick(draw, others)}:${axis}`],
      () => [...rules, rules[index] as string],
      () => rules.map((rule, at) => (at === index ? `${dim}:padded(${axis})` : rule)),
      () => [...rules, "auto"],
      () => rules.map((rule, at) => (at === index ? `${dim}:(${axis}, ${pick(draw, others)})` : rule)),
      () => rules.map((rule, at) => (at === index ? `${dim}:` : rule)),
    ];
    const text = pick(draw, edits)().join(", ");
    return replaceNode("changeLayout", file, literal, quoted(literal, text), `"${literal.text}" -> "${text}"`);
  },
  changeSize(draw, file) {
    const numbers = nodesOf(file, (node): node is ts.NumericLiteral => ts.isNumericLiteral(node));
    if (numbers.length === 0) return undefined;
    const literal = pick(draw, numbers);
    const value = pick(draw, ["0", "1", "3", "7", "-1", "2.5", "1000000", "2147483648", "1e12", "NaN"]);
    return replaceNode("changeSize", file, literal, value, `${literal.text} -> ${value}`);
  },
  insertConstruct(draw, file) {
    const blocks = nodesOf(file, (node): node is ts.Block => ts.isBlock(node) && node.parent !== undefined && ts.isFunctionLike(node.parent));
    if (blocks.length === 0) return undefined;
    const block = pick(draw, blocks);
    const constructs = [
      "while (false) {}", "for (;;) break;", "switch (1) { default: }", "try {} finally {}", "throw new Error(\"fuzz\");",
      "if (Math.random() > 2) {}", "console.log(\"fuzz\");", "class Fuzz {}", "let fuzz = 0; fuzz++;", "debugger;",
      "const fuzz = new Float32Array(4);", "for (let i = 0; i < 1000000; i++) {}", "return undefined as never;", "return 3 as never;",
      "const fuzz = [1, 2, 3].map((v) => v * 2);", "label: for (const v of [1]) break label;", "void 0;", "const { fuzz = 1 } = {} as { fuzz?: number };",
    ];
    const construct = pick(draw, constructs);
    const at = block.getStart(file) + 1;
    return { kind: "insertConstruct", start: at, end: at, insert: `\n  ${construct}`, description: `insertConstruct: \`${construct}\` at ${lineCol(file, at)}` };
  },
  swapArguments(draw, file) {
    const calls = nodesOf(file, (node): node is ts.CallExpression => ts.isCallExpression(node) && node.arguments.length >= 2);
    if (calls.length === 0) return undefined;
    const call = pick(draw, calls);
    const first = draw(call.arguments.length);
    let second = draw(call.arguments.length - 1);
    if (second >= first) second++;
    const args = call.arguments.map((argument) => argument.getText(file));
    [args[first], args[second]] = [args[second] as string, args[first] as string];
    const text = `${call.expression.getText(file)}(${args.join(", ")})`;
    return replaceNode("swapArguments", file, call, text, `arguments ${first + 1} and ${second + 1} of \`${call.expression.getText(file)}\``);
  },
  wrongArity(draw, file) {
    const calls = nodesOf(file, (node): node is ts.CallExpression => ts.isCallExpression(node) && node.arguments.length >= 1);
    if (calls.length === 0) return undefined;
    const call = pick(draw, calls);
    const args = call.arguments.map((argument) => argument.getText(file));
    const edits: (() => string[])[] = [() => args.slice(0, -1), () => args.slice(1), () => [...args, args[0] as string], () => [...args, "undefined"]];
    const text = `${call.expression.getText(file)}(${pick(draw, edits)().join(", ")})`;
    return replaceNode("wrongArity", file, call, text, `\`${call.getText(file).slice(0, 40)}\` -> \`${text.slice(0, 40)}\``);
  },
  wrapHelper(draw, file) {
    const functions = nodesOf(file, (node): node is ts.FunctionDeclaration => ts.isFunctionDeclaration(node) && node.body !== undefined);
    const calls = nodesOf(file, (node): node is ts.CallExpression => ts.isCallExpression(node) && !isModulePath(node));
    if (draw(4) === 0 && functions.length > 0) {
      const fn = pick(draw, functions);
      const keyword = fn.getChildren(file).find((child) => child.kind === ts.SyntaxKind.FunctionKeyword);
      if (keyword === undefined) return undefined;
      const insert = pick(draw, ["async function", "function*"]);
      return replaceNode("wrapHelper", file, keyword, insert, `\`${fn.name?.getText(file) ?? "function"}\` made ${insert}`);
    }
    if (calls.length === 0) return undefined;
    const call = pick(draw, calls);
    const text = call.getText(file);
    const wrappers = [`(() => ${text})()`, `((t) => t)(${text})`, `[${text}][0]`, `({ v: ${text} }).v`, `(${text} as never)`, `(true ? ${text} : ${text})`];
    const wrapped = pick(draw, wrappers);
    return replaceNode("wrapHelper", file, call, wrapped, `\`${text.slice(0, 30)}\` wrapped as \`${wrapped.slice(0, 40)}\``);
  },
};

/** Where code starts: after the leading comment and the imports, so that edits hit the model. */
function firstCodePosition(file: ts.SourceFile): number {
  const first = file.statements.find((statement) => !ts.isImportDeclaration(statement));
  return first === undefined ? file.text.length : first.getStart(file);
}

/** One mutation of `text` of class `kind` drawn from `seed`, or undefined when the text has nothing to mutate that way. */
export function mutation(text: string, kind: MutationClass, seed: number): Mutation | undefined {
  const file = ts.createSourceFile("mutant.ts", text, ts.ScriptTarget.Latest, true);
  const found = mutators[kind](draws(seed), file);
  return found === undefined || (found.start === found.end && found.insert === "") ? undefined : found;
}

/** `text` with `edit` applied. */
export function applyMutation(text: string, edit: Mutation): string {
  return text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
}
