/**
 * cse: common-subexpression elimination. Two ops of the same kind with the
 * same attributes, the same inputs and the same result dims compute the same
 * value (every op of the IR is a pure function of its inputs: `random` of its
 * seed and name too), so the later one goes and its readers read the first.
 * The front end inlines every helper at each call, so a model that asks twice
 * for one thing (a load-balancing loss that recomputes the router's softmax,
 * a module-level constant read in two layers) builds it twice; after this
 * pass it is computed, and communicated, once.
 *
 * Params are never merged (two params are two inputs), nor are loops. An op
 * in a loop body may merge with one before the loop (which is in scope there)
 * or with an earlier one in the same body; nothing merges out of a body.
 * Ops of different autodiff phases stay apart: a backward op that repeats a
 * forward one is recomputed, not saved from the forward pass, as the VJP rule
 * asked.
 */
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { attrsOf, isLoop } from "../ir/opAttrs.ts";

/** A stable text of a JSON-like value (object keys sorted), for the keys of ops. */
function stableText(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "undefined";
  if (value instanceof Float32Array) return `f32[${Array.from(value, stableText).join(",")}]`;
  if (Array.isArray(value)) return `[${value.map(stableText).join(",")}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableText(item)}`).join(",")}}`;
}

class Eliminator {
  /** Merged value -> the value that replaces it. */
  readonly replaced = new Map<ValueId, ValueId>();

  constructor(private readonly program: Program) {}

  use(id: ValueId): ValueId {
    return this.replaced.get(id) ?? id;
  }

  private key(op: Op): string | undefined {
    if (op.op === "param") return undefined;
    const dims = this.program.values.get(op.output)?.dims.map((dim) => `${dim.name}=${dim.size}`).join(" ") ?? "";
    return `${stableText(attrsOf(op))}|${op.phase ?? ""}|${op.inputs.map((input) => this.use(input)).join(",")}|${dims}`;
  }

  /**
   * The block with its repeated ops taken out; `seen` holds the ops in scope (a
   * body's starts from the enclosing one's). An op that makes a loop's carried
   * result (or a value it yields) stays, so that the result is defined in the body.
   */
  block(block: Block, seen: Map<string, ValueId>, kept: ReadonlySet<ValueId> = new Set()): Block {
    const out: (Op | Loop)[] = [];
    for (const statement of block) {
      if (isLoop(statement)) {
        out.push(this.loop(statement, seen));
        continue;
      }
      const op: Op = { ...statement, inputs: statement.inputs.map((input) => this.use(input)) };
      const key = this.key(op);
      const earlier = key === undefined ? undefined : seen.get(key);
      if (earlier !== undefined && !kept.has(op.output)) {
        this.replaced.set(op.output, earlier);
        continue;
      }
      if (key !== undefined) seen.set(key, op.output);
      out.push(op);
    }
    return out;
  }

  private loop(loop: Loop, seen: Map<string, ValueId>): Loop {
    const carried = loop.carried.map((entry) => ({ ...entry, init: this.use(entry.init) }));
    const indexed = loop.indexed.map((entry) => ({ ...entry, items: entry.items.map((item) => this.use(item)) }));
    const results = [...loop.carried.map((entry) => entry.result), ...(loop.yields ?? []).map((entry) => entry.result)];
    const body = this.block(loop.body, new Map(seen), new Set(results));
    const yields = loop.yields?.map((entry) => ({ ...entry, result: this.use(entry.result) }));
    return { ...loop, carried: carried.map((entry) => ({ ...entry, result: this.use(entry.result) })), indexed, ...(yields ? { yields } : {}), body };
  }

  tree(tree: ValueTree): ValueTree {
    switch (tree.kind) {
      case "tensor":
        return { kind: "tensor", value: this.use(tree.value) };
      case "array":
        return { kind: "array", items: tree.items.map((item) => this.tree(item)) };
      case "object":
        return { kind: "object", fields: Object.fromEntries(Object.entries(tree.fields).map(([name, field]) => [name, this.tree(field)])) };
    }
  }
}

/** The cse pass (see the module comment). */
export function cse(program: Program): Program {
  const eliminator = new Eliminator(program);
  const body = eliminator.block(program.body, new Map());
  if (eliminator.replaced.size === 0) return program;
  const values = new Map(program.values);
  for (const id of eliminator.replaced.keys()) values.delete(id);
  const use = (id: ValueId) => eliminator.use(id);
  return {
    ...program,
    body,
    values,
    result: eliminator.tree(program.result),
    ...(program.gradients ? { gradients: program.gradients.map((pair) => ({ wrt: use(pair.wrt), gradient: use(pair.gradient) })) } : {}),
  };
}
