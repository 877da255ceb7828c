/**
 * The run-time faults of issue 16, on a real generated module (examples/mlp
 * compiled by the TypeScript back end, run on the simulated mesh): each is a
 * named error that gives the parameter path, what was expected and what came,
 * instead of a wrong result or a TypeError.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomNormal } from "../../dsl/ops/index.ts";
import { dims } from "../../dsl/dims.ts";
import { MeshtypeError } from "../../dsl/errors.ts";
import { runSharded, shardArgs, type DeviceFunction } from "../../dsl/runtime/runSharded.ts";
import type { ProgramMeta } from "../../dsl/runtime/programMeta.ts";
import { SimulatedMesh } from "../../dsl/runtime/simulatedMesh.ts";
import { Mesh } from "../../dsl/mesh.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import type { DeviceContext } from "../../dsl/runtime/deviceContext.ts";
import type { MlpParams } from "../../stdlib/mlp.ts";
import { makeMlpInputs } from "../../examples/mlp/inputs.ts";
import { compileFiles } from "../index.ts";

/** The generated mlp device functions' type. */
type MlpDevice = (ctx: DeviceContext, x: Tensor<"batch seq d_model">, params: MlpParams) => Promise<Tensor<"batch seq d_model">>;

const repo = resolve(import.meta.dirname, "../..");
const scratchRoot = join(repo, "compiler/backend/ts/generated");
let scratch = "";
let module: Record<string, unknown> = {};

beforeAll(async () => {
  const result = compileFiles([join(repo, "examples/mlp/mlp.ts")], { typeCheck: false, dslModule: join(repo, "dsl/index.ts"), runtimeModule: join(repo, "dsl/runtime/index.ts") });
  expect(result.diagnostics).toEqual([]);
  mkdirSync(scratchRoot, { recursive: true });
  scratch = mkdtempSync(join(scratchRoot, "guards-"));
  const file = join(scratch, "mlp.run.ts");
  writeFileSync(file, result.files[0]?.module ?? "");
  module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<MeshtypeError> {
  const caught = await promise.then(() => undefined, (error: unknown) => error);
  if (!(caught instanceof MeshtypeError)) return expect.fail(`expected a MeshtypeError, got ${String(caught)}`);
  return caught;
}

describe("run-time guards on a generated module (examples/mlp)", () => {
  const { x, params } = makeMlpInputs(0);

  it("a global input with the wrong dim names where the batch is not split (mlpMegatron): refused, naming the input and both dims", () => {
    const wrong = randomNormal(dims({ batch: 8, seq: 4, d_model: 16, d_ff: 64, width: 16 }), "batch seq width", { seed: 1, name: "x" });
    expect(() => shardArgs(module.mlpMegatronMeta as ProgramMeta, wrong, params)).toThrow(
      'input "x" must be the global tensor [batch=8 seq=4 d_model=16], but got a tensor [batch=8 seq=4 width=16]',
    );
  });

  it("an uneven shard on one device: refused by that device, naming the parameter, its local dims and what came", async () => {
    const device = module.mlpData as DeviceFunction;
    const perDevice = shardArgs(module.mlpDataMeta as ProgramMeta, x, params);
    const short = randomNormal(dims({ batch: 1, seq: 4, d_model: 16 }), "batch seq d_model", { seed: 2, name: "x" });
    const sim = new SimulatedMesh(new Mesh({ data: 4 }));
    const error = await rejection(sim.run(device as never, (device) => (device === 2 ? [short, perDevice[device]?.[1]] : perDevice[device] ?? []) as never));
    expect(error.message).toMatch(/^device 2 \(data=2\): mlpData: parameter "x" must be this device's local shard \[batch=2 seq=4 d_model=16\].*but got a tensor \[batch=1 seq=4 d_model=16\]/);
  });

  it("a number where a tensor belongs: refused naming the parameter (was TypeError: dims is not iterable)", async () => {
    const error = await rejection(runSharded(module.mlp2d as MlpDevice, module.mlp2dMeta as ProgramMeta, 3 as unknown as Tensor<"batch seq d_model">, params));
    expect(error.message).toContain('input "x" must be the global tensor [batch=8 seq=4 d_model=16], but got a number');
  });

  it("the same inputs, right, run and gather", async () => {
    const { result } = await runSharded(module.mlp2d as MlpDevice, module.mlp2dMeta as ProgramMeta, x, params);
    expect((result as Tensor).dims.map((dim) => dim.name)).toEqual(["batch", "seq", "d_model"]);
  });
});
