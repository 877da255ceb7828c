/**
 * The graph the `optimize` ILP decides over (Alpa's intra-op formulation):
 * one node per op that has a choice, with its candidates (candidates.ts),
 * and one edge per value an op reads from another node. Element-wise ops,
 * renames and transposes are merged into the node of the op that makes
 * their (largest) operand (Alpa's simplification): they follow its
 * candidate's held sharding through their own rule, so they add no
 * variables. A loop body is in the graph once: its nodes' costs count
 * every iteration, and a carried or indexed value is a node of its own whose
 * sharding the init, the body's result and the items are converted to.
 *
 * A candidate's cost is the op's (and its followers') compute time, the
 * conversions inside the node (a pending sum reduced where it is held, a
 * follower's operand, a result brought to a whole state), times its runs; an
 * edge's cost is the conversion from the held sharding of the value to the
 * sharding the reader needs, times the reader's runs.
 */
import type { LayoutRule } from "../../../../dsl/parseLayout.ts";
import type { Dim } from "../../../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, Sharding, ValueId, ValueTree } from "../../../ir/ir.ts";
import { isLoop, loopYields } from "../../../ir/opAttrs.ts";
import type { OpStrategy } from "../../../ir/shardingAssignment.ts";
import { localDimsOf, replicatedState, sameSharding } from "../../../ir/sharding.ts";
import { rulesByValue } from "../../layoutRules.ts";
import { planOp } from "../opRules.ts";
import { heldVariants, opCandidates, shapeOf, type Candidate } from "./candidates.ts";
import type { PlanCosts } from "./planCosts.ts";
import { shardingKey, stateRules, wholeStates, type StateRules } from "./states.ts";

/** One candidate of a node: every op's strategy and every value's held sharding in it, its cost and its resident memory. */
export interface NodeCandidate {
  readonly strategies: ReadonlyMap<ValueId, OpStrategy>;
  readonly held: ReadonlyMap<ValueId, Sharding>;
  /** Seconds per call of the program. */
  readonly cost: number;
  /** Bytes per device of the node's values that stay in memory (params, saved activations). */
  readonly memory: number;
}

/** A node: the ops it decides (root first) or the loop values it holds, and its candidates. */
export interface PlanNode {
  readonly index: number;
  /** What the node is, for messages: the root op's kind and output. */
  readonly label: string;
  readonly values: readonly ValueId[];
  candidates: NodeCandidate[];
}

/**
 * A read of `value` (held by node `from`) by node `to`: per candidate of `to`,
 * the sharding it needs the value in. `follow` edges (a relayoutLike's second
 * input) need the value's held sharding, partial axes replicated, to equal it.
 */
export interface PlanEdge {
  readonly value: ValueId;
  readonly from: number;
  readonly to: number;
  readonly kind: "convert" | "follow";
  /** Runs per call of the read. */
  readonly runs: number;
  /** Per candidate of `to`: the sharding the read needs. */
  readonly required: readonly Sharding[];
}

/** The whole graph, with what the costs need. */
export interface PlanGraph {
  readonly nodes: PlanNode[];
  readonly edges: PlanEdge[];
  readonly nodeOf: ReadonlyMap<ValueId, number>;
  readonly program: Program;
}

/** A whole (never partial) version of a held sharding: partial axes replicated. */
export function wholeOf(sharding: Sharding): Sharding {
  return Object.fromEntries(Object.entries(sharding).map(([axis, state]) => [axis, state.kind === "partial" ? replicatedState : state]));
}

/** Seconds to convert a value with `dims` from `from` to `to`, or undefined when no conversion makes it (into a pending sum it is not). */
export function conversionCost(costs: PlanCosts, dims: readonly Dim[], from: Sharding, to: Sharding): number | undefined {
  for (const [axis, state] of Object.entries(to)) {
    if (state.kind === "partial" && !(from[axis]?.kind === "partial" && (from[axis] as { reduce: string }).reduce === state.reduce)) return undefined;
  }
  return costs.conversionSeconds(dims, from, to);
}

/** An edge's cost from held `from` to needed `to`, or undefined when the conversion cannot be made (into a partial, or a follow mismatch). */
export function edgeCost(graph: PlanGraph, costs: PlanCosts, edge: PlanEdge, from: Sharding, to: Sharding): number | undefined {
  if (edge.kind === "follow") return sameSharding(wholeOf(from), to) ? 0 : undefined;
  const seconds = conversionCost(costs, graph.program.values.get(edge.value)?.dims ?? [], from, to);
  return seconds === undefined ? undefined : seconds * edge.runs;
}

const elementsOf = (dims: readonly Dim[]): number => dims.reduce((product, dim) => product * dim.size, 1);

/**
 * The operand a follower follows (Alpa merges element-wise ops into the
 * producer of their largest operand): unary, scalar-binary, rename and
 * transpose follow their one operand, dropout its x (the step is a scalar); binary, where and unaryGrad ops follow their
 * largest, the others read in whatever the followed one's sharding asks.
 * Undefined for ops that are nodes of their own.
 */
function followedOperand(op: Op, dims: (id: ValueId) => readonly Dim[]): number | undefined {
  if (op.op === "unary" || op.op === "dropout" || op.op === "rename" || op.op === "transpose" || (op.op === "binary" && op.scalar !== undefined)) return 0;
  if (op.op !== "binary" && op.op !== "where" && op.op !== "unaryGrad") return undefined;
  let best = 0;
  op.inputs.forEach((input, index) => {
    if (elementsOf(dims(input)) > elementsOf(dims(op.inputs[best]))) best = index;
  });
  return best;
}

class GraphBuilder {
  readonly nodes: PlanNode[] = [];
  readonly edges: PlanEdge[] = [];
  readonly nodeOf = new Map<ValueId, number>();
  private readonly own: ReadonlyMap<ValueId, readonly LayoutRule[]>;
  private readonly resident: ReadonlyMap<ValueId, "parameter" | "activation">;
  private readonly results: ReadonlySet<ValueId>;
  private runs = 1;

  /** Nodes that hold all their values in one sharding (param families, yields, loop values). */
  private readonly uniform = new Set<number>();
  /** Params that are the items of one indexed loop value (a layer's weights, layer by layer): one node holds them all. */
  private readonly families = new Map<ValueId, readonly ValueId[]>();

  constructor(private readonly program: Program, private readonly costs: PlanCosts) {
    this.own = rulesByValue(program);
    this.families = paramFamilies(program);
    this.resident = residentValues(program);
    this.results = new Set(treeLeaves(program.result));
  }

  dims(id: ValueId): readonly Dim[] {
    return this.program.values.get(id)?.dims ?? [];
  }

  rules(id: ValueId): StateRules {
    return stateRules(this.dims(id), this.own.get(id) ?? this.program.layout, this.program.mesh, this.program.openLayout === true);
  }

  bytes(id: ValueId, sharding: Sharding): number {
    const local = localDimsOf(this.dims(id), sharding, this.program.mesh);
    const perElement = this.resident.get(id) === "parameter" ? (this.costs.parameterBytesPerElement ?? this.costs.bytesPerElement) : this.costs.bytesPerElement;
    return perElement * local.reduce((product, dim) => product * dim.size, 1);
  }

  /** Cost and memory a node's value adds: a result brought to a whole state, resident bytes. */
  valueExtras(id: ValueId, held: Sharding): { cost: number; memory: number } {
    const cost = this.results.has(id) ? this.costs.conversionSeconds(this.dims(id), held, wholeOf(held)) : 0;
    return { cost, memory: this.resident.has(id) ? this.bytes(id, held) : 0 };
  }

  addNode(label: string, values: ValueId[], candidates: NodeCandidate[]): number {
    const index = this.nodes.length;
    this.nodes.push({ index, label, values, candidates });
    for (const value of values) this.nodeOf.set(value, index);
    return index;
  }

  /** A node for `op` with its candidates as they are (followers join later). */
  op(op: Op): void {
    const family = op.op === "param" ? this.families.get(op.output) : undefined;
    if (family !== undefined) {
      if (!this.nodeOf.has(op.output)) this.paramFamily(family);
      return;
    }
    const shape = shapeOf(this.program, op);
    const found = opCandidates(op, shape, this.program.mesh, this.rules(op.output));
    const candidates = found.map((candidate) => this.fromCandidate(op, shape, candidate));
    const node = this.addNode(`${op.op} %${op.output}`, [op.output], candidates);
    const inputs = op.op === "relayout" ? op.inputs.slice(0, 1) : op.inputs;
    inputs.forEach((input, index) => this.read(input, node, "convert", found.map((candidate) => candidate.strategy.operands[index])));
    if (op.op === "relayout" && op.inputs.length === 2) this.read(op.inputs[1], node, "follow", found.map((candidate) => candidate.held));
  }

  fromCandidate(op: Op, shape: ReturnType<typeof shapeOf>, candidate: Candidate): NodeCandidate {
    const compute = this.costs.opSeconds(op, shape, candidate.strategy);
    const hold = this.costs.conversionSeconds(shape.output, candidate.strategy.output, candidate.held);
    const extras = this.valueExtras(op.output, candidate.held);
    return {
      strategies: new Map([[op.output, candidate.strategy]]),
      held: new Map([[op.output, candidate.held]]),
      cost: (compute + hold) * this.runs + extras.cost,
      memory: extras.memory,
    };
  }

  /**
   * Merge follower `op` into the node that makes its followed operand: each
   * candidate carries it through its rule, the followed operand read as the
   * node holds it, the others read split along the same dims (or pending,
   * where the followed one is and the rule keeps a pending sum). A candidate
   * under which the follower's result cannot meet its constraints gets an
   * infinite cost (pruned later, so the edges' per-candidate arrays stay aligned).
   */
  follow(op: Op, node: number, followed: number): void {
    const shape = shapeOf(this.program, op);
    const rules = this.rules(op.output);
    const mesh = this.program.mesh;
    const replicated: Sharding = Object.fromEntries(mesh.map((axis) => [axis.name, replicatedState]));
    const names = shape.operands.map((dims) => dims.map((dim) => dim.name));
    const kept: NodeCandidate[] = [];
    const required: Sharding[][] = op.inputs.map(() => []);
    for (const candidate of this.nodes[node].candidates) {
      const main = candidate.held.get(op.inputs[followed]) as Sharding;
      const operands = names.map((dims, index) => ({
        dims,
        sharding: index === followed ? main : Object.fromEntries(mesh.map((axis) => {
          const state = main[axis.name];
          if (state.kind === "split") return [axis.name, dims.includes(state.dim) ? state : replicatedState];
          return [axis.name, state.kind === "partial" ? state : replicatedState];
        })) as Sharding,
      }));
      const plan = planOp(op, operands, shape.output.map((dim) => dim.name), replicated, mesh);
      const strategy: OpStrategy = "ambiguous" in plan ? { operands: operands.map((operand) => operand.sharding), output: main } : plan;
      strategy.operands.forEach((state, index) => required[index].push(state));
      const held = "ambiguous" in plan ? undefined : heldVariants(strategy.output, shape.output, mesh, rules)[0];
      if (held === undefined) {
        kept.push({ ...candidate, strategies: new Map([...candidate.strategies, [op.output, strategy]]), held: new Map([...candidate.held, [op.output, strategy.output]]), cost: Infinity });
        continue;
      }
      const own = this.costs.opSeconds(op, shape, strategy) + this.costs.conversionSeconds(shape.operands[followed], main, strategy.operands[followed]);
      const hold = this.costs.conversionSeconds(shape.output, strategy.output, held);
      const extras = this.valueExtras(op.output, held);
      kept.push({
        strategies: new Map([...candidate.strategies, [op.output, strategy]]),
        held: new Map([...candidate.held, [op.output, held]]),
        cost: candidate.cost + (own + hold) * this.runs + extras.cost,
        memory: candidate.memory + extras.memory,
      });
    }
    const target = this.nodes[node];
    // an operand the node itself makes is converted inside the node, per candidate
    op.inputs.forEach((input, index) => {
      if (index === followed || this.nodeOf.get(input) !== node) return;
      kept.forEach((candidate, k) => {
        const cost = conversionCost(this.costs, this.dims(input), candidate.held.get(input) as Sharding, required[index][k]);
        kept[k] = { ...candidate, cost: cost === undefined ? Infinity : candidate.cost + cost * this.runs };
      });
    });
    target.candidates = kept;
    (target.values as ValueId[]).push(op.output);
    this.nodeOf.set(op.output, node);
    op.inputs.forEach((input, index) => {
      if (index !== followed && this.nodeOf.get(input) !== node) this.read(input, node, "convert", required[index]);
    });
  }

  read(value: ValueId, to: number, kind: PlanEdge["kind"], required: readonly Sharding[], times = 1): void {
    const from = this.nodeOf.get(value);
    if (from === undefined) throw new Error(`optimize: %${value} is read before a node holds it`);
    this.edges.push({ value, from, to, kind, runs: this.runs * times, required });
  }

  /** One node for a family of params (the items of an indexed loop value), all held in one sharding. */
  paramFamily(items: readonly ValueId[]): void {
    const node = this.loopValues([...items], items[0]);
    const target = this.nodes[node];
    target.candidates = target.candidates.map((candidate) => {
      const state = candidate.held.get(items[0]) as Sharding;
      return { ...candidate, strategies: new Map(items.map((id) => [id, { operands: [], output: state }])) };
    });
  }

  /** A node for loop values held in one sharding (a carried param and output, or an indexed param). */
  loopValues(values: ValueId[], dims: ValueId): number {
    const states = wholeStates(this.dims(dims), this.program.mesh, this.rules(dims));
    const candidates = states.map((state) => {
      const extras = values.map((id) => this.valueExtras(id, state));
      return {
        strategies: new Map(),
        held: new Map(values.map((id) => [id, state])),
        cost: extras.reduce((total, extra) => total + extra.cost, 0),
        memory: extras.reduce((total, extra) => total + extra.memory, 0),
      };
    });
    const node = this.addNode(`loop value %${values[0]}`, values, candidates);
    this.uniform.add(node);
    return node;
  }

  loop(loop: Loop): void {
    const carried = loop.carried.map((entry) => {
      const node = this.loopValues([entry.param, entry.output], entry.param);
      this.read(entry.init, node, "convert", this.nodes[node].candidates.map((candidate) => candidate.held.get(entry.param) as Sharding));
      return node;
    });
    for (const entry of loop.indexed) {
      const node = this.loopValues([entry.param], entry.param);
      const states = this.nodes[node].candidates.map((candidate) => candidate.held.get(entry.param) as Sharding);
      const holder = this.nodeOf.get(entry.items[0]);
      if (holder !== undefined && this.uniform.has(holder) && entry.items.every((item) => this.nodeOf.get(item) === holder)) {
        // a node that holds every item alike (a param family, a loop's yields): one read, paid once per item
        this.read(entry.items[0], node, "convert", states, entry.items.length);
      } else for (const item of entry.items) this.read(item, node, "convert", states);
    }
    const outer = this.runs;
    this.runs = outer * loop.count;
    this.block(loop.body);
    loop.carried.forEach((entry, index) => {
      const node = carried[index];
      this.read(entry.result, node, "convert", this.nodes[node].candidates.map((candidate) => candidate.held.get(entry.param) as Sharding));
    });
    // The items a loop yields: one node holding them all in one (whole) sharding, the body value converted to it every iteration.
    for (const entry of loopYields(loop)) {
      const node = this.loopValues([...entry.items], entry.items[0]);
      this.read(entry.result, node, "convert", this.nodes[node].candidates.map((candidate) => candidate.held.get(entry.items[0]) as Sharding));
    }
    this.runs = outer;
  }

  block(block: Block): void {
    const local = new Set<number>();
    for (const statement of block) {
      if (isLoop(statement)) {
        this.loop(statement);
        continue;
      }
      const followed = followedOperand(statement, (id) => this.dims(id));
      const producer = followed === undefined ? undefined : this.nodeOf.get(statement.inputs[followed]);
      if (followed !== undefined && producer !== undefined && local.has(producer)) {
        this.follow(statement, producer, followed);
        continue;
      }
      this.op(statement);
      local.add(this.nodes.length - 1);
    }
  }
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** Params that are all the items of an indexed loop value, with the same dims: each maps to the whole list. */
function paramFamilies(program: Program): Map<ValueId, readonly ValueId[]> {
  const params = new Set<ValueId>();
  const families = new Map<ValueId, readonly ValueId[]>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        if (statement.op === "param") params.add(statement.output);
        continue;
      }
      for (const entry of statement.indexed) {
        if (entry.items.length < 2 || entry.items.some((item) => !params.has(item) || families.has(item))) continue;
        for (const item of entry.items) families.set(item, entry.items);
      }
      visit(statement.body);
    }
  };
  visit(program.body);
  return families;
}

/** Values that stay in memory through a step: params, forward values a backward op reads (saved activations), and every value a loop yields. */
function residentValues(program: Program): Map<ValueId, "parameter" | "activation"> {
  const resident = new Map<ValueId, "parameter" | "activation">();
  const phases = new Map<ValueId, Op>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        // what a loop yields lives on after it: a forward loop's values saved for the reverse loop, its gradients
        for (const entry of loopYields(statement)) for (const item of entry.items) resident.set(item, "activation");
        visit(statement.body);
        continue;
      }
      phases.set(statement.output, statement);
      if (statement.op === "param") resident.set(statement.output, "parameter");
      if (statement.phase === "backward") for (const input of statement.inputs) if (phases.get(input)?.phase === "forward") resident.set(input, "activation");
    }
  };
  visit(program.body);
  return resident;
}

/** The plan graph of a global program (see the module comment). */
export function buildPlanGraph(program: Program, costs: PlanCosts): PlanGraph {
  const builder = new GraphBuilder(program, costs);
  builder.block(program.body);
  return { nodes: builder.nodes, edges: builder.edges, nodeOf: builder.nodeOf, program };
}

/** The key of a sharding in the program's mesh order (for grouping candidates by state). */
export function keyOf(graph: PlanGraph, sharding: Sharding): string {
  return shardingKey(sharding, graph.program.mesh);
}
