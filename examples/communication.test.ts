/**
 * The examples through the whole compiler: every program, lowered and run on
 * a simulated mesh, equals its eager result, and communicates exactly the
 * bytes docs/communication.md derives by hand.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { readPrograms } from "../compiler/frontend/frontend.ts";
import { loadProjects } from "../compiler/frontend/loadProject.ts";
import type { Program } from "../compiler/ir/ir.ts";
import { isLoop } from "../compiler/ir/opAttrs.ts";
import { compileProgram } from "../compiler/passes/pipeline.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../compiler/testing/harness.ts";
import type { CommStats } from "../dsl/runtime/stats.ts";
import { D as gptDims, LAYERS } from "./gpt/gpt.ts";
import { D as mlpDims } from "./mlp/mlp.ts";
import { D as moeDims } from "./moe/moe.ts";

const BYTES = 4;
const files = ["mlp/mlp.ts", "gpt/gpt.ts", "moe/moe.ts"].map((file) => fileURLToPath(new URL(file, import.meta.url)));
const programs = new Map<string, Program>();

beforeAll(() => {
  for (const loaded of loadProjects(files)) {
    const result = readPrograms(loaded.files);
    expect(result.diagnostics).toEqual([]);
    for (const program of result.programs) programs.set(program.name, program);
  }
}, 180_000);

/** Compile `name`, run it lowered and eagerly on the same seeded inputs; return the lowered run's byte counters. */
async function lowerAndRun(name: string): Promise<CommStats> {
  const program = programs.get(name);
  if (program === undefined) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  const integers: Record<string, number> = program.params.some((param) => param.name === "ids") ? { ids: gptDims.sizes.vocab } : {};
  const args = makeInputs(program, 1, integers);
  const { result, stats } = await runLowered(compileProgram(program), args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-4);
  return stats;
}

/** The collectives that moved bytes, as `kind axis: calls / payload`. */
function moved(stats: CommStats): string[] {
  return stats.entries().filter((entry) => entry.payloadBytes > 0).map((entry) => `${entry.kind} ${entry.axis}: ${entry.calls} / ${entry.payloadBytes}`);
}

describe("examples/mlp", () => {
  const { batch, seq, d_model } = mlpDims.sizes;
  test("mlpData communicates nothing", async () => {
    expect(moved(await lowerAndRun("mlpData"))).toEqual([]);
  });
  test("mlpMegatron: one all-reduce of batch x seq x d_model over model=4", async () => {
    expect(moved(await lowerAndRun("mlpMegatron"))).toEqual([`allReduce model: 4 / ${4 * BYTES * batch * seq * d_model}`]);
  });
  test("mlp2d: one all-reduce of (batch/2) x seq x d_model over model=2, on 4 devices", async () => {
    expect(moved(await lowerAndRun("mlp2d"))).toEqual([`allReduce model: 4 / ${4 * BYTES * (batch / 2) * seq * d_model}`]);
  });
});

describe("examples/gpt", () => {
  const { batch, seq, d_model } = gptDims.sizes;
  const allReduces = 1 + 2 * LAYERS; // embedding, then attention and MLP of every block
  test("gptData communicates nothing", async () => {
    expect(moved(await lowerAndRun("gptData"))).toEqual([]);
  });
  test("gptMegatron: 1 + 2L all-reduces of batch x seq x d_model over model=4", async () => {
    const perDevice = BYTES * batch * seq * d_model;
    expect(moved(await lowerAndRun("gptMegatron"))).toEqual([`allReduce model: ${4 * allReduces} / ${4 * allReduces * perDevice}`]);
  });
  test("gpt2d: 1 + 2L all-reduces of (batch/2) x seq x d_model over model=2, on 4 devices", async () => {
    const perDevice = BYTES * (batch / 2) * seq * d_model;
    expect(moved(await lowerAndRun("gpt2d"))).toEqual([`allReduce model: ${4 * allReduces} / ${4 * allReduces * perDevice}`]);
  });
});

describe("examples/moe", () => {
  const { experts, batch, seq, capacity, d_model } = moeDims.sizes;
  test("moeData communicates nothing", async () => {
    expect(moved(await lowerAndRun("moeData"))).toEqual([]);
  });
  test("moeExpertParallel: two all-to-alls of experts x batch x capacity x d_model over data=4", async () => {
    const perCall = BYTES * experts * batch * capacity * d_model; // summed over the 4 devices
    expect(moved(await lowerAndRun("moeExpertParallel"))).toEqual([`allToAll data: 8 / ${2 * perCall}`]);
  });
  test("moeExpertParallel: the expert MLP's einsums run on one expert per device (local experts=1, no batch split)", () => {
    const program = programs.get("moeExpertParallel");
    if (program === undefined) throw new Error("no program moeExpertParallel");
    const lowered = compileProgram(program);
    const expertEinsums = lowered.body.flatMap((statement) => {
      if (isLoop(statement) || statement.op !== "einsum") return [];
      const value = lowered.values.get(statement.output);
      const names = value?.dims.map((dim) => dim.name) ?? [];
      return names.includes("experts") && names.includes("capacity") && !names.includes("seq") ? [value!] : [];
    });
    // the dispatch einsum, then up and down in each expert
    expect(expertEinsums.length).toBe(3);
    const local = (value: (typeof expertEinsums)[number]): Record<string, number> =>
      Object.fromEntries((value.localDims ?? []).map((dim) => [dim.name, dim.size]));
    const [, up, down] = expertEinsums.map(local);
    expect(up).toEqual({ experts: 1, batch, capacity, d_ff: moeDims.sizes.d_ff });
    expect(down).toEqual({ experts: 1, batch, capacity, d_model });
  });
  test("moeExpertAxis: 9 router all-reduces of (batch/2) x seq and 1 of (batch/2) x seq x d_model over expert=2", async () => {
    const tokens = BYTES * (batch / 2) * seq; // per device
    expect(moved(await lowerAndRun("moeExpertAxis"))).toEqual([`allReduce expert: ${4 * 10} / ${4 * (9 * tokens + tokens * d_model)}`]);
  });
});
