/**
 * The torchrun line of `meshtype build --help`, run as printed on this
 * machine's torch (Debian's 1.13, where torchrun's default `--redirects 0`
 * crashes on Python 3.11): the help's flags, with `<devices>`, `DIR`, `NAME`
 * and `S` filled in, launch a one-device training step built with
 * `--target torch` from `--init-seed` (a bigram model's step with AdamW, on
 * one device): token ids and targets are made
 * whole numbers below the vocab and AdamW's state zeros, so AdamW's step
 * comes out 1 and the loss and every updated param finite (with normal
 * random ids, as before, embedding rows came out NaN). One process. Needs
 * /usr/bin/python3 with torch (torchEnv.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, expect, test } from "vitest";
import { readNpy } from "../testing/torch/npy.ts";
import { freePort, launch } from "../testing/torch/runTorch.ts";
import { describeWithTorch } from "../testing/torch/torchGuard.ts";
import { main } from "./main.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const source = "compiler/backend/torch/__fixtures__/singleDeviceTrain.ts";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-torchrun-help-"));

async function cli(args: readonly string[]): Promise<string> {
  let output = "";
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const code = await main(args, { out: (text) => void (output += text), err: (text) => void (output += text) });
    if (code !== 0) throw new Error(`meshtype ${args.join(" ")} failed:\n${output}`);
    return output;
  } finally {
    process.chdir(cwd);
  }
}

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describeWithTorch("the torchrun line of meshtype build --help", () => {
  test("runs as printed: one process, a training step from --init-seed, whole-number step count, finite params", async () => {
    const help = (await cli(["build", "--help"])).split("\n");
    const at = help.findIndex((line) => line.trim().startsWith("torchrun "));
    expect(at, "a torchrun line in the help").toBeGreaterThanOrEqual(0);
    const printed = `${help[at].trim()} ${help[at + 1].trim()}`;
    expect(printed).toMatch(/^torchrun --nproc_per_node <devices> .*DIR\/<name>_torch\.py --program NAME \(--inputs IN \| --init-seed S\) \[--outputs OUT\]$/);
    await cli(["build", source, "--target", "torch", "--out", work, "--no-typecheck"]);
    const filled = printed
      .replace("<devices>", "1").replace("DIR/<name>_torch.py", path.join(work, "singleDeviceTrain_torch.py")).replace("NAME", "bigramOneDevice")
      .replace("(--inputs IN | --init-seed S)", "--init-seed 0").replace("[--outputs OUT]", `--outputs ${path.join(work, "out")}`);
    // torchrun is `python -m torch.distributed.run`; a free port keeps parallel test files apart
    const args = ["-m", "torch.distributed.run", `--master_port=${await freePort()}`, ...filled.split(/\s+/).slice(1)];
    await launch(args, work, 300_000);
    const out = path.join(work, "out", "bigramOneDevice");
    const files = fs.readdirSync(out).sort();
    expect(files, "the step count, the loss and the params").toEqual(expect.arrayContaining(["result.state.step.rank0.npy", "result.loss.rank0.npy", "result.params.embedding.table.rank0.npy"]));
    expect(readNpy(path.join(out, "result.state.step.rank0.npy")).data[0]).toBe(1);
    expect(Number.isFinite(readNpy(path.join(out, "result.loss.rank0.npy")).data[0])).toBe(true);
    const params = files.filter((name) => name.startsWith("result.params."));
    expect(params.length).toBe(2);
    for (const file of params) expect(readNpy(path.join(out, file)).data.every(Number.isFinite), file).toBe(true);
  }, 300_000);
});
