import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";
import { shardingGrid } from "../../dsl/runtime/shardingBlocks.ts";
import { programMeta } from "../backend/ts/meta.ts";
import { metaLeaves } from "../../dsl/runtime/programMeta.ts";
import { compileFiles } from "../index.ts";
import type { ExplainJson } from "./explain.ts";
import { main } from "./main.ts";
import { runCli, type CliRun } from "../testing/runCli.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const examples = fs.readdirSync(path.join(repo, "examples"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => fs.readdirSync(path.join(repo, "examples", entry.name)).map((file) => `examples/${entry.name}/${file}`))
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
  .filter((file) => /\bprogram\(/.test(fs.readFileSync(path.join(repo, file), "utf8")));
const svgDir = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-svg-"));
afterAll(() => fs.rmSync(svgDir, { recursive: true, force: true }));

const run = (argv: readonly string[]): Promise<CliRun> => runCli(argv, { cwd: repo });

const schema = JSON.parse(fs.readFileSync(path.join(repo, "docs/explain.schema.json"), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

describe("meshtype explain --json, on every example", () => {
  it("validates against docs/explain.schema.json (update the schema with any new field)", async () => {
    const { code, out, err } = await run(["explain", ...examples, "--json", "--no-typecheck"]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const json = JSON.parse(out) as { version: number; programs: ExplainJson[] };
    expect(validate(json) ? [] : validate.errors).toEqual([]);
    expect(json.version).toBe(1);
    expect(json.programs.length).toBeGreaterThanOrEqual(15);
  }, 120_000);

  it("diagnostics as JSON validate too", async () => {
    const bad = await run(["explain", "compiler/cli/__fixtures__/twice.ts", "--json", "--no-typecheck"]);
    const usage = await run(["explain", "compiler/cli/__fixtures__/twice.ts", "--json", "--jsn"]);
    for (const result of [bad, usage]) {
      const json: unknown = JSON.parse(result.out);
      expect(validate(json) ? [] : validate.errors).toEqual([]);
    }
  });

  it("writes locations relative to the project root, the same from any folder", async () => {
    const fromRoot = await run(["explain", "examples/mlp/mlp.ts", "--json", "-p", "mlpMegatron", "--no-typecheck"]);
    let fromExamples = "";
    const cwd = process.cwd();
    process.chdir(path.join(repo, "examples"));
    try {
      await main(["explain", "mlp/mlp.ts", "--json", "-p", "mlpMegatron", "--no-typecheck"], { out: (text) => void (fromExamples += text), err: () => undefined });
    } finally {
      process.chdir(cwd);
    }
    expect(fromExamples).toBe(fromRoot.out);
    const [program] = (JSON.parse(fromRoot.out) as { programs: ExplainJson[] }).programs;
    expect(program?.ops.find((op) => op.collective === "allReduce")?.loc).toMatch(/^stdlib\/dense\.ts:\d+:\d+$|^examples\/mlp\/mlp\.ts:\d+:\d+$/);
    expect(program?.ir.before).toContain("examples/mlp/mlp.ts:");
  });
});

describe("meshtype explain --show-sharding, on every example", () => {
  const compiled = compileFiles(examples.map((file) => path.join(repo, file)), { typeCheck: false });
  // pipelined programs are not explained yet (MT9801): explain skips them
  const programs = compiled.files.flatMap((file) => file.programs).filter((program) => program.staged === undefined);

  it("compiles every example (the set the pictures are checked on)", () => {
    expect(compiled.diagnostics).toEqual([]);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    expect(programs.length).toBeGreaterThanOrEqual(15);
  });

  it("draws every parameter and result leaf of every program, one box per block, and writes one SVG per program", async () => {
    const { code, out, err } = await run(["explain", ...examples, "--show-sharding", "--svg", svgDir, "--no-typecheck"]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const sections = out.split(/^(?=\S+ on mesh \[)/m).filter((section) => section.trim() !== "" && !section.startsWith("wrote "));
    const bySection = new Map(sections.map((section) => [section.split(" ")[0] ?? "", section]));
    for (const program of programs) {
      const section = bySection.get(program.name);
      expect(section, program.name).toBeDefined();
      const meta = programMeta(program.lowered);
      const leaves = [...meta.params.flatMap((param) => metaLeaves(param.tree, param.name)), ...metaLeaves(meta.result, "result")];
      const pictures = (section ?? "").split("\n\n").slice(1).filter((picture) => picture.trim() !== "");
      expect(pictures.map((picture) => picture.split(" [")[0]), program.name).toEqual(leaves.map((leaf) => leaf.path));
      leaves.forEach(({ path: leafPath, leaf }, index) => {
        const cells = shardingGrid(leaf.dims, leaf.sharding, meta.mesh).cells;
        const boxes = (pictures[index] ?? "").match(/dev [0-9,-]+/g) ?? [];
        expect(boxes, `${program.name} ${leafPath}`).toHaveLength(cells.length);
      });
      const svg = fs.readFileSync(path.join(svgDir, `${program.name}.svg`), "utf8");
      expect(svg.match(/<rect x=/g)?.length, program.name).toBe(leaves.reduce((count, { leaf }) => count + shardingGrid(leaf.dims, leaf.sharding, meta.mesh).cells.length, 0));
    }
    expect(out).toContain(`wrote ${path.join(svgDir, "mlpMegatron.svg")}`);
  }, 120_000);

  it("explain --json gives each leaf's global dims, local dims and sharding", async () => {
    const { out } = await run(["explain", "examples/mlp/mlp.ts", "--json", "-p", "mlpMegatron", "--no-typecheck"]);
    const [program] = (JSON.parse(out) as { programs: ExplainJson[] }).programs;
    expect(program?.leaves.find((leaf) => leaf.path === "params.up.w")).toEqual({
      path: "params.up.w", role: "param",
      dims: [{ name: "d_model", size: 16 }, { name: "d_ff", size: 64 }],
      localDims: [{ name: "d_model", size: 16 }, { name: "d_ff", size: 16 }],
      sharding: { model: { kind: "split", dim: "d_ff" } },
    });
  });
});
