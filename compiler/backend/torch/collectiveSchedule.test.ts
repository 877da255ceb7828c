/**
 * The overlap of gradient collectives with the backward (collectiveSchedule.ts)
 * on the GPT training step: each layer's gradient bucket starts at the end of
 * its backward iteration and is waited on in the update loop before any use;
 * the final norm's and unembedding's gradients start before the backward
 * loop; the generated Python says so in that order (asyncWaits.ts, itself
 * checked on code with the wait moved after a use, or missing).
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import type { Loop, Op, Program } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { asyncWaits, enclosingFor } from "../../testing/torch/asyncWaits.ts";
import { loadPrograms } from "../../../examples/train/runSteps.ts";
import { collectiveSchedule, type AsyncBucket, type ScheduledCall } from "./collectiveSchedule.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

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
    expect(lines[appended[0].line]).toContain(kind === "allReduce" ? "mesh.all_reduce_many_start(" : "mesh.reduce_scatter_many_start(");
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

  test("a wait removed", () => {
    const lines = moduleOf().split("\n");
    const { waits } = asyncWaits(lines.join("\n"), "gptTrainData");
    for (const wait of [...waits].reverse()) lines.splice(wait.line, 1);
    const { problems } = asyncWaits(lines.join("\n"), "gptTrainData");
    expect(problems.some((problem) => problem.includes("never waited on"))).toBe(true);
  });
});
