import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileFiles } from "../index.ts";
import { writePlan } from "./writePlan.ts";

// Copies of the examples under .bench-tmp (git-ignored), rewritten, then type-checked and compiled again.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const work = path.join(repo, ".bench-tmp", `writePlan-${process.pid}`);
const gpt = path.join(work, "gpt", "gpt.ts");
const train = path.join(work, "train", "gptTrain.ts");
mkdirSync(path.join(work, "train"), { recursive: true });
cpSync(path.join(repo, "examples", "gpt"), path.join(work, "gpt"), { recursive: true });
cpSync(path.join(repo, "examples", "train", "gptTrain.ts"), train);
const tsconfig = path.join(repo, "tsconfig.json");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function programs(file: string) {
  const result = compileFiles([file], { typeCheck: true, rootDir: work });
  expect(result.diagnostics.map((item) => item.message)).toEqual([]);
  return new Map(result.files.flatMap((entry) => entry.programs).map((program) => [program.name, program.lowered]));
}

describe("meshtype plan --write", () => {
  it("rewrites one binding's mesh and layout with its comment; the file type-checks and builds the planned program; other bindings keep theirs", () => {
    const before = programs(gpt);
    writePlan(gpt, [{ program: "gptMegatron", mesh: [{ name: "data", size: 2 }, { name: "model", size: 2 }], layout: "batch:data, heads:model, d_ff:model", comment: "(test): 1.00 ms per step, 0.1 MB per device" }], tsconfig);
    const text = readFileSync(gpt, "utf8");
    expect(text).toContain('// meshtype plan (test): 1.00 ms per step, 0.1 MB per device\nconst gptMegatronMesh = mesh({ data: 2, model: 2 });\nexport const gptMegatron = program(gpt, { mesh: gptMegatronMesh, layout: layout(gptMegatronMesh, D, "batch:data, heads:model, d_ff:model") });');
    const after = programs(gpt);
    const planned = after.get("gptMegatron");
    expect(planned?.mesh).toEqual([{ name: "data", size: 2 }, { name: "model", size: 2 }]);
    expect(planned?.layoutSpec).toBe("batch:data, heads:model, d_ff:model");
    expect(after.get("gptData")?.layoutSpec).toBe(before.get("gptData")?.layoutSpec);
    expect(after.get("gpt2d")?.mesh).toEqual(before.get("gpt2d")?.mesh);
  });

  it("running it again replaces what it wrote; an open layout and weight-update sharding are written too", () => {
    writePlan(gpt, [{ program: "gptMegatron", mesh: [{ name: "model", size: 4 }], layout: "auto", comment: "(test): again" }], tsconfig);
    const text = readFileSync(gpt, "utf8");
    expect(text.match(/meshtype plan/g)).toHaveLength(1);
    expect(text).toContain('const gptMegatronMesh = mesh({ model: 4 });\nexport const gptMegatron = program(gpt, { mesh: gptMegatronMesh, layout: layout(gptMegatronMesh, D, "auto") });');
    expect(programs(gpt).get("gptMegatron")?.openLayout).toBe(true);
  });

  it("a binding whose layout comes from another file: its dims are used from there (imported when needed)", () => {
    writePlan(train, [{ program: "gptTrainMegatron", mesh: [{ name: "data", size: 4 }], layout: "batch:data", weightUpdateSharding: "data", comment: "(test)" }], tsconfig);
    const text = readFileSync(train, "utf8");
    expect(text).toContain('export const gptTrainMegatron = program(gptTrainStep, { mesh: gptTrainMegatronMesh, layout: layout(gptTrainMegatronMesh, D, "batch:data"), weightUpdateSharding: "data" });');
    expect(text).toMatch(/import \{[^}]*\blayout\b[^}]*\} from "meshtype"/);
    const planned = programs(train).get("gptTrainMegatron");
    expect(planned?.weightUpdateSharding).toBe("data");
    expect(planned?.mesh).toEqual([{ name: "data", size: 4 }]);
  });

  it("writes a pipelined plan's mesh with the pipe axis and its pipeline option (stages when uneven); a plan without one removes it", () => {
    writePlan(gpt, [{ program: "gptMegatron", mesh: [{ name: "pipe", size: 2 }, { name: "model", size: 2 }], layout: "heads:model, d_ff:model", pipeline: { axis: "pipe", microbatches: 4, schedule: "1f1b", stages: [1, 3] }, comment: "(test): piped" }], tsconfig);
    let text = readFileSync(gpt, "utf8");
    expect(text).toContain('const gptMegatronMesh = mesh({ pipe: 2, model: 2 });\nexport const gptMegatron = program(gpt, { mesh: gptMegatronMesh, layout: layout(gptMegatronMesh, D, "heads:model, d_ff:model"), pipeline: { axis: "pipe", microbatches: 4, schedule: "1f1b", stages: [1, 3] } });');
    writePlan(gpt, [{ program: "gptMegatron", mesh: [{ name: "pipe", size: 2 }, { name: "model", size: 2 }], layout: "heads:model", pipeline: { axis: "pipe", microbatches: 8, schedule: "gpipe", stages: [2, 2] }, comment: "(test): even" }], tsconfig);
    text = readFileSync(gpt, "utf8");
    expect(text).toContain('pipeline: { axis: "pipe", microbatches: 8, schedule: "gpipe" } });');
    writePlan(gpt, [{ program: "gptMegatron", mesh: [{ name: "model", size: 4 }], layout: "heads:model", comment: "(test): not piped" }], tsconfig);
    text = readFileSync(gpt, "utf8");
    expect(text).not.toContain("pipeline:");
    expect(programs(gpt).get("gptMegatron")?.mesh).toEqual([{ name: "model", size: 4 }]);
  });
});
