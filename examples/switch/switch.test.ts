/**
 * examples/switch through the compiler: every forward program equals the
 * eager layer and communicates the bytes docs/communication.md derives (Switch
 * section); the model that computes the router again for its auxiliary loss
 * compiles to the same collectives (cse); one compiled training step equals
 * the eager step under data parallelism and with the experts on their own axis.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, type Args } from "../../compiler/testing/harness.ts";
import { expectMinimum } from "../expectCommunication.ts";
import { expectFinite } from "../../stdlib/expectTensor.ts";
import { asTree, loadPrograms, runCompiledSteps } from "../train/runSteps.ts";
import { makeSwitchInputs } from "./inputs.ts";
import { D, switchData, switchLayer, switchLayerRecomputed, switchTrainStep } from "./switch.ts";

const BYTES = 4;
let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("switch.ts", import.meta.url)));
}, 180_000);

function named(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  return found;
}

const { x, target, params } = makeSwitchInputs(0);
const forwardArgs: Args = [{ name: "x", tree: x }, { name: "params", tree: asTree(params) }];

describe("examples/switch", () => {
  test("runs eagerly: capacity computed as ceil(1.25 * 8 / 4) = 3, a finite output, an auxiliary loss near 1", () => {
    expect(D.sizes.capacity).toBe(3);
    const { y, auxLoss } = switchData(x, params);
    expectFinite(y);
    expect(auxLoss.data[0]).toBeGreaterThan(0.9);
    expect(auxLoss.data[0]).toBeLessThan(2);
    expect(Array.from(switchLayerRecomputed(x, params).auxLoss.data)).toEqual(Array.from(auxLoss.data));
    expect(Array.from(switchLayer(x, params).y.data)).toEqual(Array.from(y.data));
  });

  const { batch, seq, experts, capacity, d_model } = D.sizes;
  const tokens = BYTES * (batch / 2) * seq; // one value per token of a device's batch rows, 2-way batch split
  test("switchData: the auxiliary loss's two means over the split batch (experts values each)", async () => {
    await expectMinimum(named("switchData"), forwardArgs, { allReduce: [2, 2 * BYTES * experts] });
  });
  test("switchExpertAxis: 5 router all-reduces per token, the combine's of d_model per token, the loss's scalar; the loss's means over data", async () => {
    await expectMinimum(named("switchExpertAxis"), forwardArgs, {
      allReduce: [9, 5 * tokens + tokens * d_model + BYTES + 2 * BYTES * (experts / 2)],
    });
  });
  test("the router computed again for the loss is merged (cse): the same collectives", async () => {
    await expectMinimum(named("switchRecomputedExpertAxis"), forwardArgs, {
      allReduce: [9, 5 * tokens + tokens * d_model + BYTES + 2 * BYTES * (experts / 2)],
    });
  });
  test("switchExpertParallel: two all-to-alls of the expert buffers, and the loss's means", async () => {
    const buffers = BYTES * batch * capacity * d_model; // one expert's buffers of every batch row
    await expectMinimum(named("switchExpertParallel"), forwardArgs, { allToAll: [2, 2 * buffers], allReduce: [2, 2 * BYTES * experts] });
  });
});

describe("one compiled Switch training step equals the eager step", () => {
  const state = initAdamWState(D, params);
  const args: Args = [
    { name: "params", tree: asTree(params) },
    { name: "state", tree: asTree(state) },
    { name: "x", tree: x },
    { name: "target", tree: target },
  ];
  const eager = switchTrainStep(params, state, x, target);
  test("the eager step moves the router", () => {
    expect(maxDifference(eager.params.moe.router, params.moe.router)).toBeGreaterThan(1e-3);
  });
  test.each(["switchTrainData", "switchTrainExpertAxis"])("%s", async (name) => {
    const { last } = await runCompiledSteps(named(name), args, 1);
    expect(maxDifference(last.loss, eager.loss)).toBeLessThan(1e-5);
    // Sums over experts split in two add in another order; AdamW's first step divides by |g|, which magnifies that for small g.
    expect(maxDifference(last.params, asTree(eager.params))).toBeLessThan(1e-4);
    expect(maxDifference(last.state, asTree(eager.state))).toBeLessThan(1e-4);
  });
});
