/**
 * `meshtype gather`: put a torch run's per-rank results back together. A
 * program built with `--target torch` and run with `--outputs DIR` leaves
 * each rank's local result leaves as `DIR/<program>/<leaf>.rank<r>.npy`
 * (`result`, `result.loss`, `result.params.w`, `result.layers.0`); gather
 * compiles the model file to learn the program's mesh and the sharding of
 * each result leaf, checks every rank's shape, joins the blocks (replicas
 * must agree) and writes each global leaf as `<to>/<leaf>.npy`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { MeshtypeError } from "../../dsl/errors.ts";
import { Mesh } from "../../dsl/mesh.ts";
import { formatDimList, localDimsOf, type MetaTensor, type MetaTree } from "../../dsl/runtime/programMeta.ts";
import { gatherTensor } from "../../dsl/runtime/shard.ts";
import { Tensor } from "../../dsl/tensor.ts";
import { programMeta } from "../backend/ts/meta.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { compileFiles } from "../index.ts";
import { defineCommand, type CommandOutcome } from "./command.ts";
import type { CliIo } from "./io.ts";
import { readNpy, writeNpy } from "./npy.ts";

/** Each result leaf with the name the torch runtime gives its files (`result.layers.0`). */
function torchLeaves(tree: MetaTree, name: string): { readonly name: string; readonly leaf: MetaTensor }[] {
  switch (tree.kind) {
    case "tensor":
      return [{ name, leaf: tree }];
    case "array":
      return tree.items.flatMap((item, index) => torchLeaves(item, `${name}.${index}`));
    case "object":
      return Object.entries(tree.fields).flatMap(([field, item]) => torchLeaves(item, `${name}.${field}`));
  }
}

/** What gather was asked to do. */
export interface GatherOptions {
  readonly program: string | undefined;
  /** The folder given to the run as `--outputs`. */
  readonly outputs: string;
  /** Where the global leaves go (default: `<outputs>/<program>/gathered`). */
  readonly to: string | undefined;
  readonly typeCheck: boolean;
}

/**
 * The global result leaves of one program from its ranks' files in
 * `folder` (`<leaf>.rank<r>.npy`), by leaf name; or the diagnostics.
 */
export function gatherRankFiles(meta: ReturnType<typeof programMeta>, folder: string): { leaves: Map<string, Tensor> } | { diagnostics: Diagnostic[] } {
  const mesh = new Mesh({ ...meta.mesh });
  const leaves = new Map<string, Tensor>();
  for (const { name, leaf } of torchLeaves(meta.result, "result")) {
    const local = localDimsOf(leaf, meta.mesh);
    const shards: Tensor[] = [];
    for (let rank = 0; rank < mesh.deviceCount; rank++) {
      const file = path.join(folder, `${name}.rank${rank}.npy`);
      if (!fs.existsSync(file)) return { diagnostics: [diagnostic(cliMessages.rankOutputMissing, { file, program: meta.name, ranks: mesh.deviceCount })] };
      const { shape, data } = readNpy(file);
      const fits = shape.length === local.length && shape.every((size, index) => size === local[index]?.size);
      if (!fits) return { diagnostics: [diagnostic(cliMessages.rankOutputShape, { file, shape: shape.join(", "), expected: formatDimList(local) })] };
      shards.push(new Tensor(local, data, name));
    }
    try {
      leaves.set(name, gatherTensor(mesh, leaf.sharding, shards));
    } catch (error) {
      if (!(error instanceof MeshtypeError)) throw error;
      return { diagnostics: [diagnostic(cliMessages.rankOutputsDisagree, { leaf: name, reason: error.message })] };
    }
  }
  return { leaves };
}

/** Run `meshtype gather`: the diagnostics (empty on success) and the files it read. */
export function runGather(files: readonly string[], options: GatherOptions, io: CliIo): CommandOutcome {
  const result = compileFiles(files, { typeCheck: options.typeCheck });
  const outcome = (diagnostics: readonly Diagnostic[]): CommandOutcome => ({ diagnostics, inputs: result.inputs });
  if (result.diagnostics.length > 0) return outcome(result.diagnostics);
  const programs = result.files.flatMap((file) => file.programs);
  if (programs.length === 0) return outcome([diagnostic(cliMessages.noPrograms, { files: files.join(", ") })]);
  const known = programs.map((program) => program.name).join(", ");
  const chosen = options.program === undefined && programs.length === 1 ? programs[0] : programs.find((program) => program.name === options.program);
  if (chosen === undefined) return outcome([diagnostic(cliMessages.programNotFound, { name: options.program ?? "(none given: use --program)", known })]);
  const folder = path.join(options.outputs, chosen.name);
  const gathered = gatherRankFiles(programMeta(chosen.lowered), folder);
  if ("diagnostics" in gathered) return outcome(gathered.diagnostics);
  const to = options.to ?? path.join(folder, "gathered");
  for (const [name, tensor] of gathered.leaves) {
    const file = path.join(to, `${name}.npy`);
    try {
      fs.mkdirSync(to, { recursive: true });
      writeNpy(file, tensor.shape, tensor.data);
    } catch (error) {
      return outcome([diagnostic(cliMessages.cannotWrite, { file, reason: error instanceof Error ? error.message : String(error) })]);
    }
    io.out(`wrote ${file} ${formatDimList(tensor.dims)}\n`);
  }
  return outcome([]);
}

/** `meshtype gather`, as the command table lists it. */
export const gatherCommand = defineCommand({
  name: "gather",
  summary: "Join a torch run's per-rank results into global .npy files.",
  description: `A program built with --target torch and run with --outputs DIR leaves each rank's
local result as DIR/<program>/<leaf>.rank<r>.npy. gather compiles the model file to
learn the program's mesh and how each result leaf is split, checks every rank's
shape, joins the blocks (replicas must agree) and writes DIR/<program>/gathered/<leaf>.npy
(or --to DIR): the global result, as the eager model computes it.`,
  operands: "files",
  options: {
    program: { type: "string", short: "p", valueName: "NAME", description: "the program that ran (needed when the file binds several)" },
    outputs: { type: "string", valueName: "DIR", description: "the folder the run wrote with --outputs (default: out)" },
    to: { type: "string", valueName: "DIR", description: "write the global leaves here (default: DIR/<program>/gathered)" },
    "no-typecheck": { type: "boolean", description: "skip reporting TypeScript errors in the files (faster)" },
  },
  examples: [
    "torchrun --nproc_per_node 4 mlp_torch.py --program mlpMegatron --init-seed 0 --outputs out",
    "meshtype gather examples/mlp/mlp.ts -p mlpMegatron --outputs out   # writes out/mlpMegatron/gathered/result.npy",
  ],
  run: ({ files, options }, { io }) =>
    runGather(files, { program: options.program, outputs: options.outputs ?? "out", to: options.to, typeCheck: !options["no-typecheck"] }, io),
});
