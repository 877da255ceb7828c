/**
 * The programs the torch tests run on 4 gloo processes: the fixture MLP under
 * Megatron on a 2x2 mesh and data parallelism on 4, every other fixture under
 * the layouts that cover the most kinds of collectives (at most two per mesh),
 * and the programs of examples/ as their files bind them. Each comes with
 * inputs and the eager TypeScript result.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { readPrograms } from "../../frontend/frontend.ts";
import { loadProjects } from "../../frontend/loadProject.ts";
import type { Program } from "../../ir/ir.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { collectiveAxes } from "../../ir/sharding.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import type { Fixture } from "../fixtures.ts";
import { makeInputs, runEager, type Args } from "../harness.ts";
import type { TensorTree } from "../interpret.ts";
import { validLayouts } from "../layouts.ts";
import { allFixtures, convFixtures, convValid, heads, mlp } from "../programs.ts";
import { trainInputs } from "./trainInputs.ts";

/** A program to run with torch: lowered, with its global inputs and the eager result. */
export interface TorchTestCase {
  /** How the tests name it: `<program> [mesh] "layout"`. */
  readonly title: string;
  readonly program: Program;
  readonly args: Args;
  readonly expected: TensorTree;
}

/** The 2x2 mesh and the 4-device line. */
export const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
export const mesh4: readonly MeshAxis[] = [{ name: "data", size: 4 }];

/** Params that hold integer ids, and their bound (the vocab size). */
const integerParams: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  embedding: { ids: 8 },
  gpt: { ids: 32 },
};

/** A global program to run, under the name it runs as, with the params that hold integer ids. */
export interface TorchPlan {
  readonly name: string;
  readonly global: Program;
  readonly integers: Readonly<Record<string, number>>;
  /** Its inputs, when `makeInputs` with `integers` does not make valid ones (a training step's optimizer state). */
  readonly inputs?: (global: Program) => Args;
}

/** Lower the plan's program, make its inputs and its eager result. */
export async function prepareCase({ name, global, integers, inputs }: TorchPlan): Promise<TorchTestCase> {
  const args = inputs ? inputs(global) : makeInputs(global, 7, integers);
  const expected = await runEager(global, args);
  const program = { ...compileProgram(global), name };
  const mesh = global.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
  return { title: `${global.name} [${mesh}] "${global.layoutSpec}"`, program, args, expected };
}

/** The collectives a lowered program uses, as `kind@axis` (an all-reduce over several axes: each of them). */
function collectivesOf(program: Program): string[] {
  const kinds = new Set<string>();
  for (const op of walkOps(program.body)) for (const axis of collectiveAxes(op)) kinds.add(`${op.op}@${axis}`);
  return [...kinds].sort();
}

/** Up to `count` layouts of `fixture` on `mesh`, each adding collectives (kind and axis) that the ones before lack, most first. */
export function coveringLayouts(fixture: Fixture, mesh: readonly MeshAxis[], count: number): string[] {
  const candidates = validLayouts(fixture, mesh).map((spec) => ({ spec, kinds: collectivesOf(compileProgram(fixture.build(mesh, spec))) }));
  const chosen: string[] = [];
  const covered = new Set<string>();
  while (chosen.length < count) {
    const best = candidates
      .filter((candidate) => !chosen.includes(candidate.spec))
      .map((candidate) => ({ ...candidate, gain: candidate.kinds.filter((kind) => !covered.has(kind)).length }))
      .sort((first, second) => second.gain - first.gain || second.kinds.length - first.kinds.length)[0];
    if (!best || (best.gain === 0 && chosen.length > 0)) break;
    chosen.push(best.spec);
    best.kinds.forEach((kind) => covered.add(kind));
  }
  return chosen;
}

/** The program whose result shows a flipped halo: convValid's output split in height on 4 devices (2 rows each, 1-row halos). */
export const haloPlanName = "conv_valid_halo_height_4";

/**
 * The fixture plans: the MLP under Megatron on 2x2 and data parallel on 4, reduce-scatter on each axis,
 * a halo exchange whose every output row is a result row, then every fixture (conv2d included) under
 * covering layouts on both 4-device meshes.
 */
export function fixturePlans(): TorchPlan[] {
  const plans: TorchPlan[] = [
    { name: "mlp_megatron_2x2", global: mlp.build(mesh2x2, "batch:data, d_ff:model"), integers: {} },
    { name: "mlp_data_parallel_4", global: mlp.build(mesh4, "batch:data"), integers: {} },
    // the covering layouts below find reduce-scatter on "data" only: these put it on each axis of the 2x2 mesh
    { name: "heads_2x2_reduce_scatter_model", global: heads.build(mesh2x2, "d_model:model, heads:model, d_head:data"), integers: {} },
    { name: "heads_2x2_reduce_scatter_data", global: heads.build(mesh2x2, "d_model:data, heads:data, d_head:model"), integers: {} },
    { name: haloPlanName, global: convValid.build(mesh4, "height:data"), integers: {} },
  ];
  for (const fixture of [...allFixtures, ...convFixtures]) {
    for (const [tag, mesh] of [["2x2", mesh2x2], ["4", mesh4]] as const) {
      for (const [index, spec] of coveringLayouts(fixture, mesh, 2).entries()) {
        plans.push({ name: `${fixture.name}_${tag}_${index}`, global: fixture.build(mesh, spec), integers: integerParams[fixture.name] ?? {} });
      }
    }
  }
  return plans;
}

/** The plans of every program bound in `file` (a path from the repository root), read by the front end. */
export function examplePlans(file: string): TorchPlan[] {
  const plans: TorchPlan[] = [];
  for (const loaded of loadProjects([file])) {
    const { programs, diagnostics } = readPrograms(loaded.files, { typeCheck: false });
    if (diagnostics.length > 0) throw new Error(`the front end reports ${diagnostics.length} problem(s) in ${file}; the first: ${JSON.stringify(diagnostics[0])}`);
    for (const global of programs) {
      // gpt's ids index its vocab of 32.
      const integers = global.params.some((param) => param.name === "ids") ? integerParams.gpt : {};
      plans.push({ name: `example_${global.name}`, global, integers });
    }
  }
  return plans;
}

/**
 * The plans of the training-step programs `bindings` of `file` (a path from the repository root): params,
 * AdamW state (positive v, step 0 as a 0-d scalar) and integer ids and targets below gpt's vocab of 32.
 */
export function trainingPlans(file: string, bindings: readonly string[]): TorchPlan[] {
  const plans = examplePlans(file).filter((plan) => bindings.includes(plan.global.name));
  const missing = bindings.filter((binding) => !plans.some((plan) => plan.global.name === binding));
  if (missing.length > 0) throw new Error(`trainingPlans: ${file} binds no ${missing.join(", ")}`);
  const vocab = integerParams.gpt.ids;
  return plans.map((plan) => ({ ...plan, integers: { ids: vocab, targets: vocab }, inputs: (global) => trainInputs(global, 7, vocab) }));
}

/** The dropout fixture's training steps (each shard draws its block's mask, the backward reuses it), with integer steps. */
export function dropoutPlans(): TorchPlan[] {
  const bindings = ["megatron", "twoAxes"];
  return examplePlans("compiler/frontend/__fixtures__/dropoutModel.ts")
    .filter((plan) => bindings.includes(plan.global.name))
    .map((plan) => ({ ...plan, name: `dropout_${plan.global.name}`, integers: { step: 9 } }));
}
