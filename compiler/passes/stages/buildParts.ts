/**
 * Building the part programs of a placed program: each part's units in
 * program order, with the floating units it reads, the params it receives
 * (`recv`, `saved`, `accumulated`) and the results it hands on (`out`,
 * `send`, `saved`, `accumulate`), and the transfers between stages.
 */
import type { Block, Loop, Op, Program, Value, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import type { Placement, Unit } from "./placeUnits.ts";
import { partName, stagePhases, type ResultLeaf, type StagePart, type StagePartRef, type StagePhase, type Transfer } from "./stagedProgram.ts";

const keyOf = (ref: StagePartRef): string => `${ref.stage}/${ref.phase}`;
const tagOf = (id: ValueId): string => `v${id}`;

/** What one part collects before its program is made. */
interface PartPlan {
  readonly ref: StagePartRef;
  readonly units: Unit[];
  readonly recv: Transfer[];
  readonly send: Transfer[];
  readonly savedIn: ValueId[];
  readonly savedOut: ValueId[];
  readonly accumulatedIn: ValueId[];
  readonly accumulateOut: ValueId[];
  readonly out: { key: string; value: ValueId }[];
}

function pushOnce(list: ValueId[], id: ValueId): void {
  if (!list.includes(id)) list.push(id);
}

/** The parts of `program` as placed, the transfers between them and the result leaves. */
export function buildParts(
  program: Program,
  placement: Placement,
  stageMesh: Program["mesh"],
): { parts: StagePart[]; inputs: { path: string; dims: Value["dims"] }[]; result: ResultLeaf[] } {
  const plans = new Map<string, PartPlan>();
  const plan = (ref: StagePartRef): PartPlan => {
    const key = keyOf(ref);
    let found = plans.get(key);
    if (found === undefined) {
      found = { ref, units: [], recv: [], send: [], savedIn: [], savedOut: [], accumulatedIn: [], accumulateOut: [], out: [] };
      plans.set(key, found);
    }
    return found;
  };
  const dimsOf = (id: ValueId): Value["dims"] => (placement.values.get(id) ?? { dims: [] }).dims;
  const transfer = (id: ValueId, from: StagePartRef, to: StagePartRef): void => {
    const receiver = plan(to);
    if (receiver.recv.some((entry) => entry.value === id)) return;
    const entry: Transfer = { value: id, tag: tagOf(id), from, to, dims: dimsOf(id) };
    receiver.recv.push(entry);
    plan(from).send.push(entry);
  };
  /** `to` reads `id`, defined in part `from`. */
  const read = (id: ValueId, from: StagePartRef, to: StagePartRef): void => {
    if (keyOf(from) === keyOf(to)) return;
    if (from.phase === "backward" && to.phase === "update") {
      const owner: StagePartRef = { stage: from.stage, phase: "update" };
      pushOnce(plan(from).accumulateOut, id);
      pushOnce(plan(owner).accumulatedIn, id);
      if (owner.stage !== to.stage) transfer(id, owner, to);
      return;
    }
    if (from.stage === to.stage && from.phase === "forward" && to.phase === "backward") {
      pushOnce(plan(from).savedOut, id);
      pushOnce(plan(to).savedIn, id);
      return;
    }
    // a forward value of another stage that this stage's forward already receives (a fused norm's input, read again
    // by its backward): the forward keeps it for the backward, rather than receiving it a second time
    const forwardHere: StagePartRef = { stage: to.stage, phase: "forward" };
    if (from.phase === "forward" && to.phase === "backward" && plans.get(keyOf(forwardHere))?.recv.some((entry) => entry.value === id)) {
      pushOnce(plan(forwardHere).savedOut, id);
      pushOnce(plan(to).savedIn, id);
      return;
    }
    transfer(id, from, to);
  };
  for (const unit of placement.units) {
    if (unit.place === undefined) continue;
    plan(unit.place).units.push(unit);
    for (const id of unit.inputs) {
      const from = placement.placeOf.get(id);
      if (from !== undefined) read(id, from, unit.place);
    }
  }
  // the result leaves: where they are computed, or (floating) the last phase of stage 0
  const hasUpdate = placement.units.some((unit) => unit.place?.phase === "update");
  const floatingHome: StagePartRef = { stage: 0, phase: hasUpdate ? "update" : "forward" };
  const result: ResultLeaf[] = [];
  const walkResult = (tree: ValueTree, path: string): void => {
    if (tree.kind === "tensor") {
      const key = `r${result.length}`;
      const from = placement.placeOf.get(tree.value);
      const home = from ?? floatingHome;
      plan(home).out.push({ key, value: tree.value });
      const perMicrobatch = from !== undefined && from.phase !== "update";
      const combine = !perMicrobatch ? "once" : dimsOf(tree.value).some((dim) => dim.name === "batch") ? "concat" : "mean";
      result.push({ key, path, from: home, combine });
    } else if (tree.kind === "array") tree.items.forEach((item, index) => walkResult(item, path === "" ? String(index) : `${path}.${index}`));
    else Object.entries(tree.fields).forEach(([field, item]) => walkResult(item, path === "" ? field : `${path}.${field}`));
  };
  walkResult(program.result, "");
  const inputs: { path: string; dims: Value["dims"] }[] = [];
  const inputIndex = new Map<string, number>();
  for (const statement of program.body) {
    if (!isLoop(statement) && statement.op === "param") {
      inputIndex.set(statement.path, inputs.length);
      inputs.push({ path: statement.path, dims: dimsOf(statement.output) });
    }
  }
  const ordered = [...plans.values()].sort((a, b) => a.ref.stage - b.ref.stage || stagePhases.indexOf(a.ref.phase) - stagePhases.indexOf(b.ref.phase));
  const parts = ordered.map((part) => ({
    stage: part.ref.stage,
    phase: part.ref.phase,
    recv: part.recv,
    send: part.send,
    program: partProgram(program, placement, part, stageMesh, inputIndex),
  }));
  return { parts, inputs, result };
}

/** An object tree of `v<id>` (or given keys) fields. */
function objectTree(entries: readonly { key: string; value: ValueId }[]): ValueTree {
  return { kind: "object", fields: Object.fromEntries(entries.map((entry) => [entry.key, { kind: "tensor", value: entry.value } as ValueTree])) };
}

function partProgram(program: Program, placement: Placement, part: PartPlan, stageMesh: Program["mesh"], inputIndex: ReadonlyMap<string, number>): Program {
  const own = new Set(part.units);
  const definedBy = new Map<ValueId, Unit>();
  for (const unit of placement.units) for (const id of unit.outputs) definedBy.set(id, unit);
  // floating units this part reads, transitively
  const needed = new Set<Unit>();
  const need = (id: ValueId): void => {
    if (placement.placeOf.has(id)) return;
    const unit = definedBy.get(id);
    if (unit === undefined || needed.has(unit)) return;
    needed.add(unit);
    unit.inputs.forEach(need);
  };
  for (const unit of part.units) unit.inputs.forEach(need);
  for (const entry of part.out) need(entry.value);
  const loc = program.loc;
  const paramOps: Op[] = [];
  const params: { name: string; tree: ValueTree }[] = [];
  const inputFields: { key: string; value: ValueId }[] = [];
  const received = (name: string, ids: readonly ValueId[]): void => {
    if (ids.length === 0) return;
    for (const id of ids) paramOps.push({ op: "param", path: `${name}.${tagOf(id)}`, inputs: [], output: id, loc });
    params.push({ name, tree: objectTree(ids.map((id) => ({ key: tagOf(id), value: id }))) });
  };
  const body: (Op | Loop)[] = [];
  for (const unit of placement.units) {
    if (!own.has(unit) && !needed.has(unit)) continue;
    const statement = unit.statement;
    if (!isLoop(statement) && statement.op === "param") {
      const key = `p${inputIndex.get(statement.path) ?? -1}`;
      inputFields.push({ key, value: statement.output });
      paramOps.push({ ...statement, path: `inputs.${key}` });
      continue;
    }
    body.push(statement);
  }
  if (inputFields.length > 0) params.unshift({ name: "inputs", tree: objectTree(inputFields) });
  received("recv", part.recv.map((entry) => entry.value));
  received("saved", part.savedIn);
  received("accumulated", part.accumulatedIn);
  const resultFields: Record<string, ValueTree> = {};
  const addResult = (name: string, entries: readonly { key: string; value: ValueId }[]): void => {
    if (entries.length > 0) resultFields[name] = objectTree(entries);
  };
  addResult("out", part.out);
  addResult("send", part.send.map((entry) => ({ key: entry.tag, value: entry.value })));
  addResult("saved", part.savedOut.map((id) => ({ key: tagOf(id), value: id })));
  addResult("accumulate", part.accumulateOut.map((id) => ({ key: tagOf(id), value: id })));
  const fullBody: Block = [...paramOps, ...body];
  const values = new Map<ValueId, Value>();
  const keep = (id: ValueId): void => {
    const value = placement.values.get(id);
    if (value === undefined) throw new Error(`stages: %${id} has no value`);
    values.set(id, value);
  };
  const walk = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        keep(statement.output);
        continue;
      }
      for (const entry of statement.carried) [entry.param, entry.output].forEach(keep);
      for (const entry of statement.indexed) keep(entry.param);
      for (const entry of loopYields(statement)) entry.items.forEach(keep);
      walk(statement.body);
    }
  };
  walk(fullBody);
  const { gradients: _gradients, valueRules: _rules, assignment: _assignment, pipeline: _pipeline, weightUpdateSharding: _update, ...rest } = program;
  return {
    ...rest,
    name: partName(program.name, part.ref),
    mesh: stageMesh,
    params,
    body: fullBody,
    result: { kind: "object", fields: resultFields },
    values,
  };
}

/** The phase order of a stage's parts, for the runtime. */
export function phaseRank(phase: StagePhase): number {
  return stagePhases.indexOf(phase);
}
