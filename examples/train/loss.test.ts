/**
 * The cross-entropy through the compiler: lowered equals eager under each
 * layout, and with the vocabulary split it communicates what the module
 * comment of stdlib/loss.ts says: a max and a sum all-reduce of batch x seq,
 * and 4 bytes for the picked logits.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { readPrograms } from "../../compiler/frontend/frontend.ts";
import { loadProjects } from "../../compiler/frontend/loadProject.ts";
import type { Program } from "../../compiler/ir/ir.ts";
import { compileProgram } from "../../compiler/passes/pipeline.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../compiler/testing/harness.ts";
import { D } from "./lossPrograms.ts";

const programs = new Map<string, Program>();

beforeAll(() => {
  const [loaded] = loadProjects([fileURLToPath(new URL("lossPrograms.ts", import.meta.url))]);
  const result = readPrograms(loaded.files);
  expect(result.diagnostics).toEqual([]);
  for (const program of result.programs) programs.set(program.name, program);
}, 120_000);

async function check(name: string): Promise<string[]> {
  const program = programs.get(name);
  if (!program) throw new Error(`no program ${name}`);
  const args = makeInputs(program, 3, { labels: D.sizes.vocab });
  const { result, stats } = await runLowered(compileProgram(program), args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-5);
  return stats.entries().filter((entry) => entry.payloadBytes > 0).map((entry) => `${entry.kind} ${entry.axis}: ${entry.calls} / ${entry.payloadBytes}`);
}

describe("softmaxCrossEntropy compiled", () => {
  const { batch, seq } = D.sizes;
  test("vocab:model: max and sum all-reduces of batch x seq, then 4 bytes", async () => {
    const perDevice = 2 * 4 * batch * seq + 4;
    expect(await check("lossVocab")).toEqual([`allReduce model: ${4 * 3} / ${4 * perDevice}`]);
  });
  test("batch:data: only the scalar loss is all-reduced", async () => {
    expect(await check("lossData")).toEqual([`allReduce data: 4 / ${4 * 4}`]);
  });
  test("batch:data, vocab:model: equals eager", async () => {
    await check("loss2d");
  });
});
