/**
 * Run compiled pipelined programs for real: emit their parts' torch module,
 * with each program's `PipelinedMeta` in its `PIPELINES`, write the global inputs as .npy,
 * launch the module under `python -m torch.distributed.run` with one gloo
 * process per device (its `main` runs each pipelined program with
 * `meshtype_torch.pipeline.run_pipelined`: point-to-point isend/recv
 * between the stages), and gather every rank's outputs into the
 * global result with the runtime's `gatherPipelined`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Mesh } from "../../../dsl/mesh.ts";
import { Tensor } from "../../../dsl/tensor.ts";
import type { PipelinedMeta } from "../../../dsl/runtime/pipelineMeta.ts";
import { gatherPipelined } from "../../../dsl/runtime/runPipelined.ts";
import { localDimsOf, type MetaTensor } from "../../../dsl/runtime/programMeta.ts";
import { torchBuildFiles, torchModuleFileName } from "../../backend/torch/runtimeFiles.ts";
import { pipelinedMeta } from "../../passes/stages/pipelinedMeta.ts";
import type { StagedProgram } from "../../passes/stages/stagedProgram.ts";
import type { TensorTree } from "../interpret.ts";
import { readNpy, writeNpy } from "./npy.ts";
import { freePort, launch, torchrunArgs } from "./runTorch.ts";

/** One pipelined program to run and its global inputs (positional, as the eager model takes them). */
export interface PipelinedTorchCase {
  readonly staged: StagedProgram;
  readonly args: readonly unknown[];
}

function leafAt(meta: PipelinedMeta, args: readonly unknown[], leafPath: string): Tensor {
  const [head, ...rest] = leafPath.split(".");
  let node: unknown = args[meta.paramNames.indexOf(head)];
  for (const segment of rest) node = (node as Record<string, unknown> | undefined)?.[segment];
  if (!(node instanceof Tensor)) throw new Error(`runPipelinedTorch: no input at ${leafPath}`);
  return node;
}

/** Run every case in one launch of `devices` processes; the global result of each, by program name. */
export async function runPipelinedTorch(cases: readonly PipelinedTorchCase[], devices: number, timeoutMs = 300_000): Promise<Map<string, TensorTree>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-pipeline-torch-"));
  try {
    const sourceFile = "pipeline-test.ts";
    const pipelines = cases.map((item) => ({ name: item.staged.name, meta: pipelinedMeta(item.staged) }));
    for (const file of torchBuildFiles(cases.flatMap((item) => item.staged.parts.map((part) => part.program)), { sourceFile, pipelines })) {
      fs.mkdirSync(path.dirname(path.join(work, file.path)), { recursive: true });
      fs.writeFileSync(path.join(work, file.path), file.text);
    }
    const metas = new Map(cases.map((item) => [item.staged.name, pipelinedMeta(item.staged)]));
    for (const item of cases) {
      const meta = metas.get(item.staged.name) as PipelinedMeta;
      const folder = path.join(work, "in", meta.name);
      fs.mkdirSync(folder, { recursive: true });
      for (const input of meta.inputs) {
        const tensor = leafAt(meta, item.args, input.path);
        writeNpy(path.join(folder, `${input.path}.npy`), tensor.shape, tensor.data);
      }
    }
    // the generated module's own main: every pipelined program of PIPELINES, its parts from PROGRAMS
    await launch([...torchrunArgs(devices, await freePort(), path.join(work, "logs")), torchModuleFileName(sourceFile), "--inputs=in", "--outputs=out", "--backend=gloo"], work, timeoutMs);
    const results = new Map<string, TensorTree>();
    for (const [name, meta] of metas) {
      const locals = Array.from({ length: devices }, (_, rank) => {
        const stage = new Mesh({ ...meta.mesh }).coords(rank)[meta.axis];
        const outputs: Record<string, unknown[]> = {};
        for (const part of meta.stages[stage] ?? []) {
          const out = part.meta.result.kind === "object" ? part.meta.result.fields.out : undefined;
          if (out?.kind !== "object") continue;
          const rounds = part.phase === "update" ? 1 : meta.microbatches;
          outputs[part.phase] = Array.from({ length: rounds }, (_, round) => Object.fromEntries(Object.entries(out.fields).map(([key, leaf]) => {
            const { data } = readNpy(path.join(work, "out", name, `${part.phase}.${round}.${key}.rank${rank}.npy`));
            return [key, new Tensor(localDimsOf(leaf as MetaTensor, part.meta.mesh), data)];
          })));
        }
        return outputs;
      });
      results.set(name, gatherPipelined(meta, locals));
    }
    return results;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
