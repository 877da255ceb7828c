/**
 * `meshtype train`, end to end under torch with 4 gloo processes: the GPT
 * training step of examples/train/gptTrain.ts trains for 50 steps data
 * parallel from the seeded init over a file of token ids, saving sharded
 * checkpoints at steps 25 and 50; a second run loads step 25 under another
 * mesh and layout (2 x 2, Megatron over `model`) and trains 25 more steps:
 * its losses are the first run's steps 26 to 50. Two launches, the whole
 * test in about 30 s. Needs /usr/bin/python3 with torch (torchEnv.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { torchPython } from "../testing/torch/torchEnv.ts";
import { describeWithTorch } from "../testing/torch/torchGuard.ts";
import { main } from "./main.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const source = "examples/train/gptTrain.ts";

interface LogLine {
  readonly program: string;
  readonly step: number;
  readonly loss: number;
  readonly tokens_per_s: number;
}

function readLog(file: string): LogLine[] {
  return fs.readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as LogLine);
}

/** `meshtype train <args>` from the repository root; its exit code and output. */
async function train(args: readonly string[]): Promise<{ code: number; output: string }> {
  let output = "";
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const code = await main(["train", source, "--no-typecheck", "--python", torchPython, ...args], {
      out: (text) => void (output += text), err: (text) => void (output += text),
    });
    return { code, output };
  } finally {
    process.chdir(cwd);
  }
}

describeWithTorch("meshtype train: 50 steps on 4 gloo processes, a checkpoint, and a resume under another layout", () => {
  let work = "";
  let first: LogLine[] = [];
  let resumed: LogLine[] = [];
  let firstOutput = "";

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-train-"));
    // A learnable stream over the vocab of 32: each token follows from the one before and the position.
    // Written as nanoGPT writes its data: raw little-endian uint16 ids.
    const tokens = Uint16Array.from({ length: 6000 }, (_, index) => (index * 7 + Math.floor(index / 5)) % 32);
    fs.writeFileSync(path.join(work, "tokens.bin"), Buffer.from(tokens.buffer));
    const common = ["--data", path.join(work, "tokens.bin"), "--out", path.join(work, "build")];
    const run1 = await train(["-p", "gptTrainData", ...common, "--init-seed", "0", "--steps", "50", "--save", path.join(work, "ckpt"), "--save-every", "25", "--log", path.join(work, "first.jsonl")]);
    firstOutput = run1.output;
    if (run1.code !== 0) throw new Error(`the first run failed:\n${run1.output.slice(-4000)}`);
    const run2 = await train(["-p", "gptTrain2d", ...common, "--load", path.join(work, "ckpt", "step_000025"), "--steps", "25", "--log", path.join(work, "resumed.jsonl")]);
    if (run2.code !== 0) throw new Error(`the resumed run failed:\n${run2.output.slice(-4000)}`);
    first = readLog(path.join(work, "first.jsonl"));
    resumed = readLog(path.join(work, "resumed.jsonl"));
  }, 600_000);

  afterAll(() => {
    if (work !== "") fs.rmSync(work, { recursive: true, force: true });
  });

  test("the first run starts torchrun with one process per device and logs 50 finite, falling losses", () => {
    expect(firstOutput).toContain("gptTrainData on mesh [data=4]: 4 processes");
    expect(firstOutput).toContain("--nproc_per_node=4");
    expect(first.map((line) => line.step)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(first.every((line) => Number.isFinite(line.loss) && line.tokens_per_s > 0)).toBe(true);
    expect(first[49].loss).toBeLessThan(first[0].loss * 0.7);
  });

  test("checkpoints at steps 25 and 50: an index and one safetensors file per rank", () => {
    for (const step of ["step_000025", "step_000050"]) {
      const files = fs.readdirSync(path.join(work, "ckpt", step)).sort();
      expect(files).toEqual(["index.json", "rank0.safetensors", "rank1.safetensors", "rank2.safetensors", "rank3.safetensors"]);
    }
    const index = JSON.parse(fs.readFileSync(path.join(work, "ckpt", "step_000025", "index.json"), "utf8")) as { step: number; leaves: Record<string, unknown> };
    expect(index.step).toBe(25);
    expect(Object.keys(index.leaves)).toContain("state.m.layers.1.attention.wq");
  });

  test("resumed at step 25 under data=2 x model=2, it continues the same loss curve (steps 26 to 50)", () => {
    expect(resumed.map((line) => line.step)).toEqual(first.slice(25).map((line) => line.step));
    expect(resumed.every((line) => line.program === "gptTrain2d")).toBe(true);
    resumed.forEach((line, index) => expect(Math.abs(line.loss - first[25 + index].loss), `step ${line.step}`).toBeLessThan(1e-4 * Math.max(1, first[25 + index].loss)));
  });
});
