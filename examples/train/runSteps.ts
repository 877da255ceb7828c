/**
 * Test helpers for training steps: load the programs of a file, run a
 * compiled step on the simulated mesh, and run it in a loop where each step's
 * `params` and `state` results are the next step's `params` and `state`
 * arguments (the functional training loop).
 */
import { expect } from "vitest";
import { readPrograms } from "../../compiler/frontend/frontend.ts";
import { loadProjects } from "../../compiler/frontend/loadProject.ts";
import type { Program } from "../../compiler/ir/ir.ts";
import { compileProgram } from "../../compiler/passes/pipeline.ts";
import { runLowered, type Args } from "../../compiler/testing/harness.ts";
import type { TensorTree } from "../../compiler/testing/interpret.ts";
import type { CommStats } from "../../dsl/runtime/stats.ts";
import { Tensor } from "../../dsl/tensor.ts";

/** Every program bound in `file`, by name (no diagnostics allowed). */
export function loadPrograms(file: string): Map<string, Program> {
  const programs = new Map<string, Program>();
  for (const loaded of loadProjects([file])) {
    const result = readPrograms(loaded.files);
    expect(result.diagnostics).toEqual([]);
    for (const program of result.programs) programs.set(program.name, program);
  }
  return programs;
}

/** A params or state object (an interface without an index signature) seen as a tree of tensors. */
export function asTree(value: object): TensorTree {
  return value as TensorTree;
}

/** What a training step returns. */
export interface StepResult {
  readonly params: TensorTree;
  readonly state: TensorTree;
  readonly loss: Tensor<"">;
}

function asStepResult(tree: TensorTree): StepResult {
  const fields = tree as Readonly<Record<string, TensorTree>>;
  if (!(fields.loss instanceof Tensor) || fields.params === undefined || fields.state === undefined) {
    throw new Error("a training step must return { params, state, loss }");
  }
  return { params: fields.params, state: fields.state, loss: fields.loss as Tensor<"">};
}

/**
 * Compile `program` once and run `steps` steps of it on the simulated mesh,
 * feeding `params` and `state` back; the losses (before each step), the last
 * result and the byte counters of the first step.
 */
export async function runCompiledSteps(program: Program, args: Args, steps: number): Promise<{ losses: number[]; last: StepResult; firstStats: CommStats }> {
  const lowered = compileProgram(program);
  let current = args;
  const losses: number[] = [];
  let last: StepResult | undefined;
  let firstStats: CommStats | undefined;
  for (let step = 0; step < steps; step++) {
    const { result, stats } = await runLowered(lowered, current);
    firstStats ??= stats;
    last = asStepResult(result);
    losses.push(last.loss.data[0]);
    const next = last;
    current = current.map((arg) => (arg.name === "params" ? { name: arg.name, tree: next.params } : arg.name === "state" ? { name: arg.name, tree: next.state } : arg));
  }
  if (!last || !firstStats) throw new Error("runCompiledSteps: steps must be at least 1");
  return { losses, last, firstStats };
}

/** The wire bytes (ring model) per device of one step, by collective kind, as `kind axis: bytes`. */
export function wireBytesPerDevice(stats: CommStats, devices: number): string[] {
  return stats.entries().filter((entry) => entry.wireBytes > 0).map((entry) => `${entry.kind} ${entry.axis}: ${entry.wireBytes / devices}`);
}
