/**
 * `meshtype build --target torch`, end to end: the CLI writes the module of
 * examples/mlp/mlp.ts and its runtime into a temp folder, torchrun starts it
 * as 4 gloo processes for the Megatron program, and every rank's local
 * result must be its shard of the eager TypeScript result. The same launch
 * checks the launcher's timing hook (`--warmup W --steps N`). Needs
 * /usr/bin/python3 with torch (see compiler/testing/torch/torchEnv.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { compareRanks } from "../testing/torch/compareRanks.ts";
import { freePort, launch, readRanks, torchrunArgs, writeInputs } from "../testing/torch/runTorch.ts";
import { examplePlans, prepareCase, type TorchTestCase } from "../testing/torch/torchCases.ts";
import { describeWithTorch } from "../testing/torch/torchGuard.ts";
import { main } from "./main.ts";
import { readNpy } from "./npy.ts";
import { maxDifference } from "../testing/harness.ts";
import { Tensor } from "../../dsl/tensor.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const source = "examples/mlp/mlp.ts";
const programName = "mlpMegatron";

describeWithTorch("meshtype build --target torch, run with torchrun on 4 gloo processes", () => {
  let work = "";
  let testCase: TorchTestCase;
  let log = "";

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-cli-torchrun-"));
    let output = "";
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const code = await main(["build", source, "--target", "torch", "--out", work, "--no-typecheck"], { out: (text) => void (output += text), err: (text) => void (output += text) });
      if (code !== 0) throw new Error(`meshtype build --target torch exited ${code}:\n${output}`);
    } finally {
      process.chdir(cwd);
    }
    const plan = examplePlans(source).find((candidate) => candidate.global.name === programName);
    if (!plan) throw new Error(`${source} binds no program named ${programName}`);
    testCase = await prepareCase({ ...plan, name: programName });
    writeInputs(path.join(work, "in"), testCase);
    log = await launch([
      ...torchrunArgs(4, await freePort(), path.join(work, "logs")),
      "mlp_torch.py", `--program=${programName}`, "--inputs=in", "--outputs=out", "--backend=gloo", "--warmup=1", "--steps=3",
    ], work, 300_000);
  }, 600_000);

  afterAll(() => {
    if (work !== "") fs.rmSync(work, { recursive: true, force: true });
  });

  test(`${source} ${programName}: every rank holds its shard of the eager result`, () => {
    const ranks = readRanks(path.join(work, "out", programName), testCase.program, 4);
    const { problems } = compareRanks(testCase.program, ranks, testCase.expected);
    expect(problems).toEqual([]);
  });

  test("meshtype gather joins the 4 ranks' files into the eager result", async () => {
    let output = "";
    const code = await main(["gather", source, "-p", programName, "--outputs", path.join(work, "out"), "--no-typecheck"], { out: (text) => void (output += text), err: (text) => void (output += text) });
    expect(code, output).toBe(0);
    const expected = testCase.expected as Tensor;
    const { shape, data } = readNpy(path.join(work, "out", programName, "gathered", "result.npy"));
    expect(shape).toEqual(expected.shape);
    expect(maxDifference(new Tensor(expected.dims, data), expected)).toBeLessThan(1e-4);
  });

  test("--warmup 1 --steps 3: rank 0 prints the time per step, once", () => {
    const lines = log.split("\n").filter((line) => line.includes("ms per step"));
    expect(lines, log.slice(-3000)).toHaveLength(1);
    expect(lines[0]).toMatch(/meshtype_torch: mlpMegatron on mesh \[model=4\] \(4 devices\) \(gloo\): \d+\.\d{3} ms per step \(mean of 3 steps after 1 warm-up\)/);
  });
});
