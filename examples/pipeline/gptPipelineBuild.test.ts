/**
 * `meshtype build` of a pipelined program: the module holds each stage
 * part's device function, `<name>Pipeline` and `<name>Stages`; run with
 * `runPipelined` on the simulated mesh it equals the eager model.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { compileFiles } from "../../compiler/index.ts";
import { maxDifference } from "../../compiler/testing/harness.ts";
import type { PipelinedMeta } from "../../dsl/runtime/pipelineMeta.ts";
import { runPipelined, type PipelineFunctions } from "../../dsl/runtime/runPipelined.ts";
import { gpt } from "../gpt/gpt.ts";
import { makeGptInputs } from "../gpt/inputs.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "meshtype-pipeline-"));
let module: Record<string, unknown> = {};
let text = "";

beforeAll(async () => {
  const source = fileURLToPath(new URL("gptPipeline.ts", import.meta.url));
  const result = compileFiles([source], {
    typeCheck: false, programs: ["gptPipe4", "gptPipeMegatron"], dslModule: join(repo, "dsl/index.ts"), runtimeModule: join(repo, "dsl/runtime/index.ts"),
  });
  expect(result.diagnostics).toEqual([]);
  text = result.files[0]?.module ?? "";
  const file = join(scratch, "gptPipeline.generated.ts");
  writeFileSync(file, text);
  module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}, 240_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("the module has one device function per stage part and the pipeline tables", () => {
  expect(text).toContain("export async function gptPipe4_s0_forward(");
  expect(text).toContain("export async function gptPipe4_s3_forward(");
  expect(text).toContain("export const gptPipe4Pipeline = ");
  expect(text).toContain("  { forward: gptPipe4_s1_forward },");
  expect(text).not.toMatch(/export async function gptPipe4\(/);
});

test.each(["gptPipe4", "gptPipeMegatron"])("%s from the built module equals the eager model", async (name) => {
  const { ids, params } = makeGptInputs(3);
  const { result } = await runPipelined(module[`${name}Stages`] as PipelineFunctions, module[`${name}Pipeline`] as PipelinedMeta, ids, params);
  expect(maxDifference(result, gpt(ids, params))).toBeLessThan(1e-5);
});
