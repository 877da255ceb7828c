/**
 * Loops with a static trip count, kept as IR loops (the body is read once):
 * `for (let i = start; i < N; i++)` and `for (const item of items)`. Variables
 * declared before the loop and reassigned in its body are carried; `arr[i]`
 * reads (and the items of a for...of) become indexed values. A for...of over
 * values that are not tensors (strings, numbers) is unrolled instead.
 */
import { Node, SyntaxKind, type ForOfStatement, type ForStatement, type Statement } from "ts-morph";
import type { Dim } from "../../dsl/tensor.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { Block, ValueId } from "../ir/ir.ts";
import { isLoop } from "../ir/opAttrs.ts";
import { bindName } from "./bindPattern.ts";
import { evalExpression, shortText } from "./evalExpression.ts";
import { figure, LengthNeeded, type Evaluator, type WorkSite } from "./evaluator.ts";
import { readForHeader } from "./loopHeader.ts";
import { runStatements, type Completion } from "./evalStatements.ts";
import type { Binding, Scope } from "./scope.ts";
import { describeValue, leaves, replaceLeaves, sameStructure, toValueTree, type LoopMarker, type StaticValue } from "./staticValue.ts";

/** Values that one indexed array contributes to a loop: one list of ids per leaf, and where they go in the body. */
interface IndexedGroup {
  readonly lists: readonly (readonly ValueId[])[];
  readonly place: (params: readonly ValueId[]) => void;
}

function inside(node: Node, container: Node): boolean {
  return node.getStart() >= container.getStart() && node.getEnd() <= container.getEnd();
}

function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((dim, index) => dim.name === b[index].name && dim.size === b[index].size);
}

function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((dim) => `${dim.name}=${dim.size}`).join(", ")}]`;
}

/** Why items differ (structure or dims), or undefined when every item has the shape of the first. */
function itemMismatch(ev: Evaluator, items: readonly StaticValue[]): string | undefined {
  const first = items[0];
  const firstLeaves = leaves(first).map((id) => ev.dimsOf(id));
  for (let index = 1; index < items.length; index++) {
    if (!sameStructure(items[index], first)) return `item ${index} has other fields than item 0`;
    const dims = leaves(items[index]).map((id) => ev.dimsOf(id));
    const at = dims.findIndex((item, leaf) => !sameDims(item, firstLeaves[leaf]));
    if (at >= 0) return `item ${index} has a tensor with dims ${formatDims(dims[at])} where item 0 has ${formatDims(firstLeaves[at])}`;
  }
  return undefined;
}

function leafLists(items: readonly StaticValue[]): ValueId[][] {
  const perItem = items.map(leaves);
  return perItem[0].map((_, leaf) => perItem.map((ids) => ids[leaf]));
}

/** Assignments in `body` to variables declared outside `loop`: name, binding and the first assignment. */
function carriedVariables(ev: Evaluator, loop: Node, body: Statement, scope: Scope): { name: string; binding: Binding; at: Node }[] {
  const found = new Map<string, { name: string; binding: Binding; at: Node }>();
  for (const node of body.getDescendants()) {
    let target: Node | undefined;
    if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() >= SyntaxKind.FirstAssignment
      && node.getOperatorToken().getKind() <= SyntaxKind.LastAssignment) target = node.getLeft();
    if ((Node.isPrefixUnaryExpression(node) || Node.isPostfixUnaryExpression(node))
      && (node.getOperatorToken() === SyntaxKind.PlusPlusToken || node.getOperatorToken() === SyntaxKind.MinusMinusToken)) target = node.getOperand();
    if (!target || !Node.isIdentifier(target)) continue;
    const declaration = target.getSymbol()?.getDeclarations()[0];
    if (!declaration || inside(declaration, loop) || found.has(target.getText())) continue;
    const binding = scope.lookup(target.getText());
    if (binding) found.set(target.getText(), { name: target.getText(), binding, at: node });
  }
  return [...found.values()];
}

/** Open a kept loop, read its body once, close it, and update the carried variables. */
function keptLoop(
  ev: Evaluator, loop: ForStatement | ForOfStatement, scope: Scope, count: number, marker: LoopMarker,
  groups: readonly IndexedGroup[], indexedNodes: Map<Node, StaticValue>, bindLoopVariable: (bodyScope: Scope) => void,
): Completion {
  const carried = carriedVariables(ev, loop, loop.getStatement(), scope);
  const inits = carried.map(({ name, binding, at }) => {
    const tree = toValueTree(binding.value);
    if (!tree || leaves(binding.value).length === 0) {
      return ev.fail(frontendMessages.loopCarried, { name, reason: `before the loop it holds ${describeValue(binding.value)}, not tensors` }, at);
    }
    return { init: binding.value, ids: leaves(binding.value) };
  });
  const open = ev.builder.openLoop(count, inits.flatMap((entry) => entry.ids), groups.flatMap((group) => group.lists), ev.loc(loop.getFirstChild() ?? loop));
  let next = 0;
  carried.forEach(({ binding }, index) => {
    const ids = open.carried.slice(next, next + inits[index].ids.length);
    next += ids.length;
    binding.value = replaceLeaves(inits[index].init, ids);
  });
  let nextIndexed = 0;
  for (const group of groups) {
    group.place(open.indexed.slice(nextIndexed, nextIndexed + group.lists.length));
    nextIndexed += group.lists.length;
  }
  const bodyScope = scope.child();
  bindLoopVariable(bodyScope);
  ev.loops.push({ marker, indexed: indexedNodes });
  ev.sites.push({ node: loop, what: `the loop over \`${marker.name}\``, count });
  const completion = runStatements(ev, [loop.getStatement()], bodyScope);
  ev.sites.pop();
  ev.loops.pop();
  if (completion) return ev.fail(frontendMessages.badLoop, { reason: "it returns from inside the loop body" }, completion.statement);
  const results = carried.flatMap(({ name, binding, at }, index) => {
    const init = inits[index].init;
    if (!sameStructure(binding.value, init)) {
      return ev.fail(frontendMessages.loopCarried, { name, reason: `at the end of the body it holds ${describeValue(binding.value)} with other fields than before the loop` }, at);
    }
    const ids = leaves(binding.value);
    ids.forEach((id, leaf) => {
      const before = ev.dimsOf(inits[index].ids[leaf]);
      if (!sameDims(ev.dimsOf(id), before)) {
        ev.fail(frontendMessages.loopCarried, { name, reason: `its dims change from ${formatDims(before)} to ${formatDims(ev.dimsOf(id))} in one iteration` }, at);
      }
    });
    return ids;
  });
  const outputs = ev.builder.closeLoop(results);
  checkLoopWork(ev, loop, marker.name);
  next = 0;
  carried.forEach(({ binding }, index) => {
    binding.value = replaceLeaves(inits[index].init, outputs.slice(next, next + inits[index].ids.length));
    next += inits[index].ids.length;
  });
  return undefined;
}

/** Op executions of one run of `block`: one per op, a loop's trip count times its body's. */
function blockWork(block: Block): number {
  let work = 0;
  for (const statement of block) work += isLoop(statement) ? statement.count * blockWork(statement.body) : 1;
  return work;
}

/** MT1702 when the loop just closed (the last statement of the current block) makes too many op executions. */
function checkLoopWork(ev: Evaluator, loop: Node, name: string): void {
  const block = ev.builder.currentBlock();
  const closed = block[block.length - 1];
  if (!closed || !isLoop(closed)) return;
  const body = blockWork(closed.body);
  const work = closed.count * body;
  if (work <= ev.limits.loopWork) return;
  ev.fail(frontendMessages.loopTooLong, { name, count: figure(closed.count), body: figure(body), work: figure(work), limit: figure(ev.limits.loopWork) }, loop);
}

/** `for (let i = start; i < N; i++) body` with static start and N. */
export function evalForStatement(ev: Evaluator, node: ForStatement, scope: Scope): Completion {
  const header = readForHeader(ev, node, scope);
  if (header.count <= 0) return undefined;
  const marker: LoopMarker = { name: header.name };
  const indexedNodes = new Map<Node, StaticValue>();
  const groups = new Map<StaticValue, { group: IndexedGroup; nodes: Node[]; shape: StaticValue }>();
  for (const access of node.getStatement().getDescendantsOfKind(SyntaxKind.ElementAccessExpression)) {
    const argument = access.getArgumentExpression();
    if (!argument || !Node.isIdentifier(argument) || argument.getSymbol()?.getDeclarations()[0] !== header.declaration) continue;
    const arrayNode = access.getExpression();
    const local = arrayNode.getDescendantsOfKind(SyntaxKind.Identifier).concat(Node.isIdentifier(arrayNode) ? [arrayNode] : [])
      .find((identifier) => { const declaration = identifier.getSymbol()?.getDeclarations()[0]; return declaration !== undefined && inside(declaration, node); });
    if (local) {
      return ev.fail(frontendMessages.loopIndexed, { name: arrayNode.getText(), reason: `\`${local.getText()}\` is declared inside the loop; index arrays declared before it` }, access);
    }
    if (header.start < 0) {
      const reason = `the loop starts at ${header.name} = ${header.start}, so its first iteration would read item ${header.start}, which no array has; start the loop at 0 or above`;
      return ev.fail(frontendMessages.loopIndexed, { name: arrayNode.getText(), reason }, access);
    }
    const array = evalExpression(ev, arrayNode, scope);
    if (array.kind === "lazyArray") throw new LengthNeeded(array.path, header.start + header.count, ev.loc(node));
    if (array.kind !== "array") {
      return ev.fail(frontendMessages.loopIndexed, { name: arrayNode.getText(), reason: `it is ${describeValue(array)}, not an array` }, access);
    }
    const existing = groups.get(array);
    if (existing) {
      existing.nodes.push(access);
      continue;
    }
    if (array.items.length < header.start + header.count) {
      return ev.fail(frontendMessages.loopIndexed, { name: arrayNode.getText(), reason: `it has ${array.items.length} items but the loop reads items ${header.start} to ${header.start + header.count - 1}` }, access);
    }
    const items = array.items.slice(header.start, header.start + header.count);
    if (items.some((item) => !toValueTree(item) || leaves(item).length === 0)) {
      return ev.fail(frontendMessages.loopIndexed, { name: arrayNode.getText(), reason: "its items are not tensors (or objects of tensors)" }, access);
    }
    const mismatch = itemMismatch(ev, items);
    if (mismatch) return ev.fail(frontendMessages.loopIndexed, { name: arrayNode.getText(), reason: mismatch }, access);
    const entry = { nodes: [access as Node], shape: items[0], group: { lists: leafLists(items), place: (params: readonly ValueId[]) => {
      for (const target of entry.nodes) indexedNodes.set(target, replaceLeaves(entry.shape, params));
    } } };
    groups.set(array, entry);
  }
  return keptLoop(ev, node, scope, header.count, marker, [...groups.values()].map((entry) => entry.group), indexedNodes, (bodyScope) => {
    bodyScope.declare(header.name, { kind: "loopIndex", loop: marker }, false);
  });
}

/** `for (const item of items) body`: a kept loop over tensors, unrolled over anything else. */
export function evalForOf(ev: Evaluator, node: ForOfStatement, scope: Scope): Completion {
  const list = node.getInitializer();
  const declaration = Node.isVariableDeclarationList(list) ? list.getDeclarations()[0] : undefined;
  if (!declaration || node.isAwaited()) {
    return ev.fail(frontendMessages.badLoop, { reason: "for...of must declare its variable: `for (const item of items)`" }, node);
  }
  const iterable = evalExpression(ev, node.getExpression(), scope);
  if (iterable.kind === "lazyArray") {
    return ev.fail(frontendMessages.arrayLengthUnknown, { path: iterable.path, type: iterable.type }, node.getExpression());
  }
  if (iterable.kind !== "array") {
    return ev.fail(frontendMessages.badLoop, { reason: `\`${shortText(node.getExpression())}\` is ${describeValue(iterable)}, not an array with a static length` }, node.getExpression());
  }
  if (iterable.items.length === 0) return undefined;
  const tensors = iterable.items.every((item) => toValueTree(item) !== undefined && leaves(item).length > 0);
  if (!tensors) {
    for (const item of iterable.items) {
      const bodyScope = scope.child();
      bindName(ev, declaration.getNameNode(), item, bodyScope, false);
      const completion = runStatements(ev, [node.getStatement()], bodyScope);
      if (completion) return completion;
    }
    return undefined;
  }
  const mismatch = itemMismatch(ev, iterable.items);
  if (mismatch) return ev.fail(frontendMessages.loopIndexed, { name: shortText(node.getExpression()), reason: mismatch }, node.getExpression());
  let item: StaticValue = iterable.items[0];
  const group: IndexedGroup = { lists: leafLists(iterable.items), place: (params) => { item = replaceLeaves(iterable.items[0], params); } };
  const marker: LoopMarker = { name: declaration.getName() };
  return keptLoop(ev, node, scope, iterable.items.length, marker, [group], new Map(), (bodyScope) => {
    bindName(ev, declaration.getNameNode(), item, bodyScope, false);
  });
}
