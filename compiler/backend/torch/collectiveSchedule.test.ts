/**
 * The overlap of gradient collectives with the backward (collectiveSchedule.ts)
 * on the GPT training step: each layer's gradients are added to a bucket queue
 * at the end of its backward iteration and waited on in the update loop before
 * any use; the final norm's and unembedding's gradients are added before the
 * backward loop and the embedding's after it; at the example's dims the queue
 * is one bucket per step (one call per kind, where one per layer ran before),
 * and where a layer's gradients fill a bucket each layer's starts at the end
 * of its iteration. The generated Python says so in that order (asyncWaits.ts,
 * itself checked on code with the wait moved after a use, or missing, or a
 * flush missing).
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import type { Loop, Op, Program } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { asyncWaits, enclosingFor } from "../../testing/torch/asyncWaits.ts";
import { loadPrograms } from "../../../examples/train/runSteps.ts";
import { collectiveSchedule, type AsyncBucket, type CollectiveSchedule, type ScheduledCall } from "./collectiveSchedule.ts";
import { emitTorchModule } from "./emitTorchModule.ts";
import { queueCalls } from "./queues.ts";

const trainFile = fileURLToPath(new URL("../../../examples/train/gptTrain.ts", import.meta.url));
const lowered = new Map<string, Program>();
beforeAll(() => {
  const programs = loadPrograms(trainFile);
  for (const name of ["gptTrainData", "gptTrainDataSharded", "gptTrainMegatron"]) {
    const program = programs.get(name);
    if (!program) throw new Error(`${trainFile} binds no ${name}`);
    lowered.set(name, compileProgram(program));
  }
}, 180_000);

function get(name: string): Program {
  const program = lowered.get(name);
  if (!program) throw new Error(`${name} was not lowered`);
  return program;
}

/**
 * The calls of `kind` one step issues under `schedule`: synchronous calls and asynchronous buckets started by their
 * own call where they run (times the iterations of the loops around them), and each queue's flushes.
 */
function callsPerStep(program: Program, schedule: CollectiveSchedule, kind: "allReduce" | "reduceScatter"): number {
  let calls = 0;
  const visit = (block: Program["body"], times: number): void => {
    const own = schedule.block(block);
    for (const call of [...own.calls.values()].flat()) if (call.kind === "sync" && call.ops[0].op === kind) calls += times;
    for (const bucket of [...own.startsBefore.values()].flat()) if (!bucket.queue && bucket.ops[0].op === kind) calls += times;
    for (const statement of block) {
      if (!isLoop(statement)) continue;
      for (const bucket of schedule.loopEnd(statement)) if (!bucket.queue && bucket.ops[0].op === kind) calls += times * statement.count;
      for (const queue of schedule.queues(statement)) if (queue.op.op === kind) calls += times * queueCalls(queue);
      visit(statement.body, times * statement.count);
    }
  };
  visit(program.body, 1);
  return calls;
}

/** The text of function `name` in `module`. */
function functionText(module: string, name: string): string {
  const begin = module.indexOf(`def ${name}(`);
  return module.slice(begin, module.indexOf(`${name}_meta =`, begin));
}

function waitsOf(calls: ReadonlyMap<Op, readonly ScheduledCall[]>): AsyncBucket[] {
  return [...calls.values()].flat().flatMap((call) => (call.kind === "wait" ? [call.bucket] : []));
}

describe.each([["gptTrainData", "allReduce"], ["gptTrainDataSharded", "reduceScatter"]])("%s", (name, kind) => {
  test(`each layer's ${kind} bucket starts at the end of its backward iteration and the update loop waits on it`, () => {
    const program = get(name);
    const schedule = collectiveSchedule(program);
    const loops = program.body.filter(isLoop);
    const starting = loops.filter((loop) => schedule.loopEnd(loop).length > 0);
    expect(starting, "one loop (the backward) starts buckets").toHaveLength(1);
    const [backward] = starting;
    const [bucket] = schedule.loopEnd(backward);
    expect(bucket.ops).toHaveLength(12);
    expect(bucket.queue?.loop, "added to a queue filled by the backward loop").toBe(backward);
    expect(new Set(bucket.ops.map((op) => `${op.op} ${op.axis}`))).toEqual(new Set([`${kind} data`]));
    if (bucket.start.kind !== "loopEnd") throw new Error("not started in a loop");
    // it starts on what the backward loop yields per iteration, and the update loop reads them last layer first
    const yielded = new Set(loopYields(backward).map((entry) => entry.result));
    for (const input of bucket.start.inputs) expect(yielded.has(input)).toBe(true);
    expect(bucket.start.reversed).toBe(true);
    const waiting = loops.filter((loop) => waitsOf(schedule.block(loop.body).calls).includes(bucket));
    expect(waiting, "one loop (the update) waits on it").toHaveLength(1);
    expect(program.body.indexOf(waiting[0])).toBeGreaterThan(program.body.indexOf(backward));
  });

  test("the final norm's and unembedding's gradients start before the backward loop, from values that exist there", () => {
    const program = get(name);
    const schedule = collectiveSchedule(program);
    const top = schedule.block(program.body);
    const early = [...top.startsBefore.entries()].flatMap(([index, buckets]) => buckets.map((bucket) => ({ index, bucket })));
    expect(early.length).toBeGreaterThan(0);
    const backward = program.body.find((statement): statement is Loop => isLoop(statement) && schedule.loopEnd(statement).length > 0);
    for (const { index, bucket } of early) {
      expect(program.body[index]).toBe(backward);
      expect(waitsOf(top.calls)).toContain(bucket);
      const definedBefore = new Set(program.body.slice(0, index).flatMap((statement) => (isLoop(statement) ? [] : [statement.output])));
      for (const op of bucket.ops) expect(definedBefore.has(op.inputs[0]), `%${op.inputs[0]}`).toBe(true);
    }
  });

  test("without overlap every bucket is synchronous where it was", () => {
    const program = get(name);
    const schedule = collectiveSchedule(program, { overlap: false });
    const blocks = [program.body, ...program.body.filter(isLoop).map((loop) => loop.body)];
    for (const block of blocks) {
      expect(waitsOf(schedule.block(block).calls)).toEqual([]);
      expect(schedule.block(block).startsBefore.size).toBe(0);
    }
    for (const loop of program.body.filter(isLoop)) expect(schedule.loopEnd(loop)).toEqual([]);
  });

  test("the generated Python starts the bucket inside the backward loop and waits on it before any use", () => {
    const module = emitTorchModule([get(name)], "examples/train/gptTrain.ts");
    const { starts, waits, problems } = asyncWaits(module, name);
    expect(problems).toEqual([]);
    const appended = starts.filter((start) => start.appended);
    expect(appended).toHaveLength(1);
    const lines = module.split("\n");
    const queue = appended[0].queue ?? "";
    expect(lines[appended[0].line]).toContain(`.append(${queue}.add([`);
    expect(functionText(module, name)).toContain(`${queue} = ${kind === "allReduce" ? "mesh.all_reduce_queue(" : "mesh.reduce_scatter_queue("}"data", "sum")`);
    const backwardLoop = enclosingFor(module, appended[0].line);
    const wait = waits.find((entry) => entry.handle === appended[0].handle);
    if (!backwardLoop || !wait) throw new Error("no backward loop around the start, or no wait");
    const updateLoop = enclosingFor(module, wait.line);
    if (!updateLoop) throw new Error("the wait is not in a loop");
    expect(backwardLoop.last).toBeLessThan(updateLoop.first);
    // the backward loop computes gradients (vjp values) and the wait picks the iteration's handle, last layer first
    expect(lines.slice(backwardLoop.first, backwardLoop.last).join("\n")).toMatch(/_vjp/);
    expect(lines[wait.line]).toMatch(new RegExp(`${wait.handle}\\[1 - index_\\d\\]\\.wait\\(\\)`));
    // the synchronous call it replaces is gone from the update loop
    expect(lines.slice(updateLoop.first, updateLoop.last).join("\n")).not.toMatch(kind === "allReduce" ? /mesh\.all_reduce_many\(/ : /mesh\.reduce_scatter_many\(/);
  });
});

describe.each([["gptTrainData", "allReduce"], ["gptTrainDataSharded", "reduceScatter"]] as const)("%s's gradient buckets, as DDP's", (name, kind) => {
  test(`at the example's dims (KBs per layer) one step's ${kind}s of gradients are one call, not one per layer and two more`, () => {
    const program = get(name);
    expect(callsPerStep(program, collectiveSchedule(program), kind)).toBe(1);
    // before the queues: the buckets before the loop, one per layer and the one after it
    const backward = program.body.filter(isLoop).find((loop) => collectiveSchedule(program).loopEnd(loop).length > 0);
    expect(callsPerStep(program, collectiveSchedule(program, { firstBucketBytes: 1, bucketCapBytes: 1 }), kind)).toBe(1 + (backward?.count ?? 0) + 1);
  });

  test("the generated Python: one flush of one queue, after the backward loop, and no other call of that kind", () => {
    const text = functionText(emitTorchModule([get(name)], "examples/train/gptTrain.ts"), name);
    const flushes = text.split("\n").filter((line) => /\.flush\(\)/.test(line));
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toMatch(/^ {4}\w+\.flush\(\)/);
    const call = kind === "allReduce" ? /mesh\.all_reduce(_many)?(_start)?\(/ : /mesh\.reduce_scatter(_many)?(_start)?\(/;
    expect(text.split("\n").filter((line) => call.test(line))).toEqual([]);
  });

  test("where a layer's gradients fill a bucket (large dims), each layer's bucket starts at the end of its iteration", () => {
    const program = get(name);
    const bucketBytes = { first: 4096, cap: 8192 };
    const schedule = collectiveSchedule(program, { firstBucketBytes: bucketBytes.first, bucketCapBytes: bucketBytes.cap });
    const backward = program.body.filter(isLoop).find((loop) => schedule.queues(loop).length > 0);
    if (!backward) throw new Error("no loop fills a queue");
    const [queue] = schedule.queues(backward);
    expect(queue.flushAfter).toEqual(Array.from({ length: backward.count }, (_, index) => index));
    expect(callsPerStep(program, schedule, kind)).toBeGreaterThanOrEqual(backward.count);
    const module = emitTorchModule([program], { sourceFile: "examples/train/gptTrain.ts", bucketBytes });
    const { starts, problems } = asyncWaits(module, name);
    expect(problems).toEqual([]);
    const appended = starts.find((start) => start.appended);
    if (!appended) throw new Error("nothing is added in the backward loop");
    const lines = module.split("\n");
    const backwardLoop = enclosingFor(module, appended.line);
    if (!backwardLoop) throw new Error("the add is not in a loop");
    const flush = lines.findIndex((line, index) => index > appended.line && line.trim().startsWith(`${appended.queue}.flush()`));
    expect(flush, "an unconditional flush after the add, in the same iteration").toBeGreaterThan(appended.line);
    expect(flush).toBeLessThanOrEqual(backwardLoop.last);
    expect(lines[flush].length - lines[flush].trimStart().length).toBe(appended.indent);
  });
});

test("a program with no earlier gradient to overlap (Megatron: no data axis) starts nothing", () => {
  const module = emitTorchModule([get("gptTrainMegatron")], "examples/train/gptTrain.ts");
  expect(asyncWaits(module, "gptTrainMegatron").starts).toEqual([]);
});

describe("asyncWaits finds a wait after a use, or none", () => {
  const moduleOf = (): string => emitTorchModule([get("gptTrainData")], "examples/train/gptTrain.ts");

  test("a wait moved below the first line that reads its result", () => {
    const lines = moduleOf().split("\n");
    const { waits } = asyncWaits(lines.join("\n"), "gptTrainData");
    const wait = waits.find((entry) => entry.handle !== "pending" && entry.outputs.length > 1) ?? waits[0];
    const [moved] = lines.splice(wait.line, 1);
    // the first line past the wait that reads the output (an op's operand, or an item of a foreach call's list)
    const reads = new RegExp(`(^|[^\\w.])${wait.outputs[0]}([^\\w]|$)`);
    const use = lines.findIndex((line, index) => index >= wait.line && reads.test(line.split("#")[0].split(" = ").slice(1).join(" = ")));
    expect(use).toBeGreaterThanOrEqual(wait.line);
    lines.splice(use + 1, 0, moved);
    expect(asyncWaits(lines.join("\n"), "gptTrainData").problems.join("\n")).toMatch(new RegExp(`${wait.outputs[0]} is read on line \\d+, before the wait`));
  });

  test("a flush removed", () => {
    const lines = moduleOf().split("\n");
    const flushes = [...asyncWaits(lines.join("\n"), "gptTrainData").flushes.values()].flat();
    expect(flushes.length).toBeGreaterThan(0);
    for (const line of [...flushes].sort((a, b) => b - a)) lines.splice(line, 1);
    expect(asyncWaits(lines.join("\n"), "gptTrainData").problems.join("\n")).toMatch(/is added to \w+ but \w+ is not flushed before the wait/);
  });

  test("a wait removed", () => {
    const lines = moduleOf().split("\n");
    const { waits } = asyncWaits(lines.join("\n"), "gptTrainData");
    for (const wait of [...waits].reverse()) lines.splice(wait.line, 1);
    const { problems } = asyncWaits(lines.join("\n"), "gptTrainData");
    expect(problems.some((problem) => problem.includes("never waited on"))).toBe(true);
  });
});
