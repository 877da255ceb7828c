/**
 * `meshtype simulate` on steps compiled to recompute activations
 * (`checkpoint(f)`, `program(f, { recompute })`): the recomputed kernels
 * count as executed, not model, FLOPs; the report gives their time and, from
 * the same step compiled saving every activation, the step time, peak memory
 * and saved activations without recomputation.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "./main.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = "compiler/autodiff/__fixtures__/checkpointTrain.ts";

async function simulate(args: readonly string[]): Promise<string> {
  let out = "";
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const code = await main(["simulate", fixture, "--no-typecheck", ...args], { out: (text) => void (out += text), err: (text) => void (out += text) });
    if (code !== 0) throw new Error(out);
    return out;
  } finally {
    process.chdir(cwd);
  }
}

interface Recomputation {
  readonly tasks: number;
  readonly seconds: number;
  readonly without?: { readonly stepSeconds: number; readonly peakBytes: number; readonly savedActivationBytes: number };
}

interface Report {
  readonly programs: readonly {
    readonly name: string;
    readonly summary: { readonly stepSeconds: number; readonly modelFlops: number; readonly executedFlops: number };
    readonly memory: { readonly peakBytes: number; readonly byClass: { readonly savedActivations: number } };
    readonly recomputation?: Recomputation;
  }[];
}

describe("meshtype simulate: recomputation", () => {
  it("prices the kernels a checkpoint(f) call runs again and compares with the step that saves them", async () => {
    const report = JSON.parse(await simulate(["--json"])) as Report;
    const named = (name: string) => report.programs.find((program) => program.name === name);
    const top = named("top2d");
    const saved = named("topSaved2d");
    if (top === undefined || saved === undefined) throw new Error("missing programs");
    expect(saved.recomputation).toBeUndefined();
    const again = top.recomputation;
    expect(again?.tasks).toBe(4); // add, tanh, einsum, gelu of the first block
    expect(again?.seconds).toBeGreaterThan(0);
    expect(top.summary.executedFlops).toBeGreaterThan(top.summary.modelFlops);
    expect(saved.summary.executedFlops).toBe(saved.summary.modelFlops);
    expect(top.summary.modelFlops).toBe(saved.summary.modelFlops);
    // "without" is the step compiled with checkpoint(f) as f: the same as the loss written without it
    expect(again?.without).toEqual({ stepSeconds: saved.summary.stepSeconds, peakBytes: saved.memory.peakBytes, savedActivationBytes: saved.memory.byClass.savedActivations });
    expect(top.memory.byClass.savedActivations).toBeLessThan(saved.memory.byClass.savedActivations);
  }, 120_000);

  it("reports a layer loop under recompute \"layer\": its kernels, their time and the peak memory they save", async () => {
    const text = await simulate(["--program", "loop2dLayer"]);
    expect(text).toMatch(/Recomputation: 24 kernels run again, .* of compute \(.*% of the step\); without it: step .*, peak memory .* \(.* saved\)/);
    const [layer] = (JSON.parse(await simulate(["--program", "loop2dLayer", "--json"])) as Report).programs;
    expect(layer.recomputation?.tasks).toBe(24); // the 8 ops of each of the 3 layers
    const without = layer.recomputation?.without;
    if (without === undefined) throw new Error("no baseline");
    expect(layer.memory.peakBytes).toBeLessThan(without.peakBytes);
    expect(layer.summary.stepSeconds).toBeGreaterThan(without.stepSeconds);
  }, 120_000);
});
