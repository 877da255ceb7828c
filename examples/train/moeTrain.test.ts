/**
 * The MoE training step through the compiler: data parallel and with the
 * experts on their own mesh axis, and expert parallel with all-to-alls, one
 * compiled step equals the eager step (params, AdamW state and loss); only the
 * second communicates over `expert`, only the third uses all-to-alls.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { randomNormal } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, type Args } from "../../compiler/testing/harness.ts";
import { D } from "../moe/moe.ts";
import { makeMoeInputs } from "../moe/inputs.ts";
import { moeTrainStep } from "./moeTrain.ts";
import { asTree, loadPrograms, runCompiledSteps } from "./runSteps.ts";

let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("moeTrain.ts", import.meta.url)));
}, 180_000);

const { x, params } = makeMoeInputs(0);
const target = randomNormal(D, "batch seq d_model", { seed: 1, name: "target" });
const state = initAdamWState(D, params);
const args: Args = [
  { name: "params", tree: asTree(params) },
  { name: "state", tree: asTree(state) },
  { name: "x", tree: x },
  { name: "target", tree: target },
];

describe("one compiled MoE training step equals the eager step", () => {
  const eager = moeTrainStep(params, state, x, target);
  test("the eager step moves the router and the experts (their gradients are not zero)", () => {
    expect(maxDifference(eager.params.moe.router, params.moe.router)).toBeGreaterThan(1e-3);
    expect(maxDifference(eager.params.moe.experts.up, params.moe.experts.up)).toBeGreaterThan(1e-3);
  });
  test.each(["moeTrainData", "moeTrainExpertAxis", "moeTrainExpertParallel"])("%s", async (name) => {
    const program = programs.get(name);
    if (!program) throw new Error(`no program ${name}`);
    const { last, firstStats } = await runCompiledSteps(program, args, 1);
    expect(maxDifference(last.loss, eager.loss)).toBeLessThan(1e-5);
    expect(maxDifference(last.params, asTree(eager.params))).toBeLessThan(1e-5);
    expect(maxDifference(last.state, asTree(eager.state))).toBeLessThan(1e-5);
    const axes = new Set(firstStats.entries().filter((entry) => entry.wireBytes > 0).map((entry) => entry.axis));
    expect(axes.has("expert")).toBe(name === "moeTrainExpertAxis");
    // 2 all-to-alls forward and 2 backward, on each of the 4 devices
    const allToAllCalls = firstStats.entries().filter((entry) => entry.kind === "allToAll" && entry.wireBytes > 0).reduce((sum, entry) => sum + entry.calls, 0);
    expect(allToAllCalls).toBe(name === "moeTrainExpertParallel" ? 4 * 4 : 0);
  });
});
