import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSharded, type DeviceFunction } from "../../dsl/runtime/runSharded.ts";
import { Tensor } from "../../dsl/tensor.ts";
import { programMeta } from "../backend/ts/meta.ts";
import { compileFiles } from "../index.ts";
import { makeInputs, maxDifference, runEager } from "../testing/harness.ts";
import { interpret, type TensorTree } from "../testing/interpret.ts";
import { main } from "./main.ts";
import { readNpy, writeNpy } from "./npy.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const source = "examples/train/linear.ts";
const name = "sgdDataSharded";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-gather-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Each leaf of a result tree with the torch runtime's file name (`result.params.w`). */
function leaves(tree: TensorTree, name: string): [string, Tensor][] {
  if (tree instanceof Tensor) return [[name, tree]];
  if (Array.isArray(tree)) return tree.flatMap((item: TensorTree, index) => leaves(item, `${name}.${index}`));
  return Object.entries(tree as Record<string, TensorTree>).flatMap(([field, item]) => leaves(item, `${name}.${field}`));
}

async function gather(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const code = await main(["gather", source, "-p", name, "--no-typecheck", ...argv], { out: (text) => void (out += text), err: (text) => void (err += text) });
    return { code, out, err };
  } finally {
    process.chdir(cwd);
  }
}

describe("meshtype gather", () => {
  const compiled = compileFiles([path.join(repo, source)], { typeCheck: false }).files[0]?.programs.find((program) => program.name === name);
  if (compiled === undefined) throw new Error(`${source} has no ${name}`);
  const args = makeInputs(compiled.global, 3);
  let expected: TensorTree;
  const outputs = path.join(work, "out");
  const rankFile = (leaf: string, rank: number) => path.join(outputs, name, `${leaf}.rank${rank}.npy`);

  beforeAll(async () => {
    expected = await runEager(compiled.global, args);
    // Each device's local result, written as the torch runtime writes --outputs.
    const device: DeviceFunction = (ctx, ...params: never[]) =>
      interpret(compiled.lowered, compiled.lowered.params.map((param, index) => ({ name: param.name, tree: params[index] as TensorTree })), ctx);
    const { local } = await runSharded(device, programMeta(compiled.lowered), ...args.map((arg) => arg.tree) as never[]);
    fs.mkdirSync(path.join(outputs, name), { recursive: true });
    local.forEach((result, rank) => {
      for (const [leaf, tensor] of leaves(result as TensorTree, "result")) writeNpy(rankFile(leaf, rank), tensor.shape, tensor.data);
    });
  });

  it("joins every rank's result leaves into the global ones, equal to the eager result", async () => {
    const { code, out, err } = await gather(["--outputs", outputs]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const names = leaves(expected, "result").map(([leaf]) => leaf);
    expect(out.split("\n").filter((line) => line !== "")).toHaveLength(names.length);
    for (const [leaf, tensor] of leaves(expected, "result")) {
      const { shape, data } = readNpy(path.join(outputs, name, "gathered", `${leaf}.npy`));
      expect(shape, leaf).toEqual(tensor.shape);
      expect(maxDifference(new Tensor(tensor.dims, data), tensor), leaf).toBeLessThan(1e-5);
    }
    expect(out).toContain(`wrote ${path.join(outputs, name, "gathered", "result.params.w.npy")} [d_in=8 d_out=4]`);
    expect(out).toContain("result.state.momentum.w.npy [d_in=8 d_out=4]"); // split over data on the ranks: joined here
  });

  it("MT9504 when a rank's file is missing, MT9505 when its shape is not the rank's part, MT9506 when replicas differ", async () => {
    const file = rankFile("result.loss", 1);
    const saved = fs.readFileSync(file);
    try {
      fs.rmSync(file);
      expect((await gather(["--outputs", outputs])).err).toMatch(/^MT9504 Cannot read ".*result\.loss\.rank1\.npy": sgdDataSharded runs on 4 ranks/);
      writeNpy(file, [2], new Float32Array(2));
      expect((await gather(["--outputs", outputs])).err).toMatch(/^MT9505 ".*result\.loss\.rank1\.npy" holds an array of shape \(2\), but this rank's part of the result is \[\]/);
      writeNpy(file, [], new Float32Array([12345]));
      const disagree = await gather(["--outputs", outputs]);
      expect(disagree.code).toBe(1);
      expect(disagree.err).toMatch(/^MT9506 The ranks' parts of result\.loss do not fit together: .*devices 0 and 1 should hold the same replica/);
    } finally {
      fs.writeFileSync(file, saved);
    }
  });

  it("writes where --to says, and names the programs when --program is missing", async () => {
    const to = path.join(work, "global");
    expect((await gather(["--outputs", outputs, "--to", to])).code).toBe(0);
    expect(fs.existsSync(path.join(to, "result.loss.npy"))).toBe(true);
    let err = "";
    await main(["gather", source, "--outputs", outputs, "--no-typecheck"], { out: () => undefined, err: (text) => void (err += text) });
    expect(err).toMatch(/^MT9006 No program named "\(none given: use --program\)" in the given files \(programs: adamData, sgdData/);
  });
});
