/**
 * `meshtype train`'s own diagnostics, without torch: a missing option
 * (MT9401), a program that is not a training step (MT9402), a Python that
 * does not start (MT9403) and a run that fails (MT9404).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./main.ts";

const repo = path.resolve(import.meta.dirname, "../..");

async function train(args: readonly string[]): Promise<{ code: number; output: string }> {
  let output = "";
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const code = await main(["train", ...args], { out: (text) => void (output += text), err: (text) => void (output += text) });
    return { code, output };
  } finally {
    process.chdir(cwd);
  }
}

const gpt = ["examples/train/gptTrain.ts", "-p", "gptTrainData", "--no-typecheck"];

describe("meshtype train diagnostics", () => {
  it("MT9401: --data, a start (--init-seed, --inputs or --load) and whole --steps are required", async () => {
    expect((await train(gpt)).output).toMatch(/MT9401 `meshtype train` needs --data FILE/);
    expect((await train([...gpt, "--data", "t.bin"])).output).toMatch(/MT9401 .*needs one of --init-seed S, --inputs DIR or --load DIR/);
    expect((await train([...gpt, "--data", "t.bin", "--init-seed", "0", "--steps", "two"])).output).toMatch(/MT9401 .*--steps N .*it was "two"/);
  });

  it("MT9402: a program that returns no loss and no params is not a training step", async () => {
    const { code, output } = await train(["examples/mlp/mlp.ts", "-p", "mlpData", "--data", "t.bin", "--init-seed", "0", "--no-typecheck"]);
    expect(code).toBe(1);
    expect(output).toMatch(/MT9402 Program "mlpData" is not a training step .*: it returns a single tensor/);
  });

  it("MT9403 when the Python does not start, MT9404 when the run fails (its command in the message)", async () => {
    const missing = await train([...gpt, "--data", "t.bin", "--init-seed", "0", "--python", "/no/such/python", "--out", path.join(repo, ".bench-tmp", "trainErrors")]);
    expect(missing.output).toMatch(/MT9403 `meshtype train` cannot start torch with \/no\/such\/python/);
    const failing = await train([...gpt, "--data", "t.bin", "--init-seed", "0", "--python", "/bin/false", "--out", path.join(repo, ".bench-tmp", "trainErrors")]);
    expect(failing.code).toBe(1);
    expect(failing.output).toMatch(/MT9404 The training run failed \(torchrun exit 1\).*--nproc_per_node=4/s);
  }, 120_000);
});
