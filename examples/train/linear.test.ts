/**
 * The linear-regression training steps (hand-written gradients) through the
 * compiler: one compiled step equals the eager step; weight-update sharding
 * gives the same parameters with the bytes of the formula; 50 steps lower the
 * loss eagerly and compiled.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { einsum, randomNormal } from "meshtype";
import { initAdamWState, initSgdState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, type Args } from "../../compiler/testing/harness.ts";
import { adamStep, D, sgdStep, type LinearParams } from "./linear.ts";
import { asTree, loadPrograms, runCompiledSteps, wireBytesPerDevice } from "./runSteps.ts";

let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("linear.ts", import.meta.url)));
}, 120_000);

function program(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}`);
  return found;
}

const params: LinearParams = {
  w: randomNormal(D, "d_in d_out", { seed: 1, name: "w", std: 0.1 }),
  b: randomNormal(D, "d_out", { seed: 1, name: "b", std: 0.1 }),
};
const x = randomNormal(D, "batch d_in", { seed: 3, name: "x" });
/** Targets of a linear teacher, so the loss can go to zero. */
const y = einsum(x, randomNormal(D, "d_in d_out", { seed: 2, name: "teacher" }), "batch d_out");

const adamArgs: Args = [
  { name: "params", tree: asTree(params) },
  { name: "state", tree: asTree(initAdamWState(D, params)) },
  { name: "x", tree: x },
  { name: "y", tree: y },
];
const sgdArgs: Args = adamArgs.map((arg) => (arg.name === "state" ? { name: "state", tree: asTree(initSgdState(params)) } : arg));

/** Float32 bytes of every weight: w (d_in x d_out) and b (d_out). */
const paramBytes = 4 * (D.sizes.d_in * D.sizes.d_out + D.sizes.d_out);
const devices = 4;
const share = (devices - 1) / devices;

describe("one compiled step equals the eager step", () => {
  test.each(["adamData", "adamDataSharded"])("%s: params, state and loss", async (name) => {
    const eager = adamStep(params, initAdamWState(D, params), x, y);
    const { last } = await runCompiledSteps(program(name), adamArgs, 1);
    expect(maxDifference(last.params, asTree(eager.params))).toBeLessThan(1e-6);
    expect(maxDifference(last.state, asTree(eager.state))).toBeLessThan(1e-6);
    expect(maxDifference(last.loss, eager.loss)).toBeLessThan(1e-6);
  });
  test.each(["sgdData", "sgdDataSharded"])("%s: params, state and loss", async (name) => {
    const eager = sgdStep(params, initSgdState(params), x, y);
    const { last } = await runCompiledSteps(program(name), sgdArgs, 1);
    expect(maxDifference(last.params, asTree(eager.params))).toBeLessThan(1e-6);
    expect(maxDifference(last.state, asTree(eager.state))).toBeLessThan(1e-6);
  });
});

describe("weight-update sharding over data=4", () => {
  test("gives the same parameters as the plain step after 3 steps", async () => {
    const plain = await runCompiledSteps(program("adamData"), adamArgs, 3);
    const sharded = await runCompiledSteps(program("adamDataSharded"), adamArgs, 3);
    expect(maxDifference(sharded.last.params, plain.last.params)).toBeLessThan(1e-6);
    expect(maxDifference(sharded.last.state, plain.last.state)).toBeLessThan(1e-6);
  });
  test("plain: one all-reduce of the gradients, 2(n-1)/n x param bytes per device (+ the scalar loss)", async () => {
    const { firstStats } = await runCompiledSteps(program("adamData"), adamArgs, 1);
    expect(wireBytesPerDevice(firstStats, devices)).toEqual([`allReduce data: ${2 * share * paramBytes + 2 * share * 4}`]);
  });
  test("sharded: (n-1)/n x param bytes reduce-scattered and (n-1)/n x param bytes all-gathered per device", async () => {
    const { firstStats } = await runCompiledSteps(program("adamDataSharded"), adamArgs, 1);
    expect(wireBytesPerDevice(firstStats, devices)).toEqual([
      `reduceScatter data: ${share * paramBytes}`,
      `allGather data: ${share * paramBytes}`,
      `allReduce data: ${2 * share * 4}`,
    ]);
  });
  test("SGD with momentum: the momentum buffer stays sharded, the same bytes as Adam", async () => {
    const { firstStats } = await runCompiledSteps(program("sgdDataSharded"), sgdArgs, 1);
    expect(wireBytesPerDevice(firstStats, devices)).toEqual([
      `reduceScatter data: ${share * paramBytes}`,
      `allGather data: ${share * paramBytes}`,
      `allReduce data: ${2 * share * 4}`,
    ]);
  });
});

describe("50 steps lower the loss", () => {
  test("eagerly and compiled (sharded update), along the same curve", async () => {
    let current = { params, state: initAdamWState(D, params) };
    const eagerLosses: number[] = [];
    for (let step = 0; step < 50; step++) {
      const next = adamStep(current.params, current.state, x, y);
      eagerLosses.push(next.loss.data[0]);
      current = next;
    }
    const { losses } = await runCompiledSteps(program("adamDataSharded"), adamArgs, 50);
    expect(eagerLosses[49]).toBeLessThan(0.1 * eagerLosses[0]);
    expect(losses[49]).toBeLessThan(0.1 * losses[0]);
    losses.forEach((loss, step) => expect(Math.abs(loss - eagerLosses[step])).toBeLessThan(1e-4 * Math.max(1, eagerLosses[step])));
  });
});
