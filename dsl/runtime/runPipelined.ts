/**
 * Running a pipelined program on a simulated mesh: every device runs its
 * stage's parts under the schedule (pipelineSchedule.ts), one micro-batch at
 * a time, receiving what its part reads from other stages and sending what
 * they read from it (point-to-point over the pipeline axis, tagged by value
 * and micro-batch); a training step's backward values for the update are
 * summed over the micro-batches and averaged before the one update. The
 * result is gathered per part and combined by `PipelinedMeta.result`.
 */
import { MeshtypeError } from "../errors.ts";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import { takeChunk, concatAlong } from "./chunk.ts";
import type { DeviceContext } from "./deviceContext.ts";
import type { PipelinedMeta, PipelinePartMeta, PipelinePhase, PipelineResultTree } from "./pipelineMeta.ts";
import { pipelineTasks } from "./pipelineSchedule.ts";
import { localDimsOf, type MetaTensor, type MetaTree, type ProgramMeta, type TensorTree } from "./programMeta.ts";
import { gatherResult, shardArgs, type DeviceFunction } from "./runSharded.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";
import type { CommStats } from "./stats.ts";

/** The device function of each part, per stage (index = coordinate on the pipeline axis). */
export type PipelineFunctions = readonly Readonly<Partial<Record<PipelinePhase, DeviceFunction>>>[];

type Fields = Readonly<Record<string, Tensor>>;

function fieldsOf(tree: MetaTree | undefined): Readonly<Record<string, MetaTree>> {
  return tree?.kind === "object" ? tree.fields : {};
}

/** The sub-mesh device of `device` in a part's mesh (the pipeline axis at size 1). */
function subDevice(mesh: Mesh, meta: ProgramMeta, device: number, axis: string): number {
  const coords = { ...mesh.coords(device), [axis]: 0 };
  return new Mesh({ ...meta.mesh }).deviceAt(coords);
}

/** The leaf of `args` (positional, named by `paramNames`) at `path`. */
function leafAt(meta: PipelinedMeta, args: readonly unknown[], path: string): Tensor {
  const [head, ...rest] = path.split(".");
  let node: unknown = args[meta.paramNames.indexOf(head)];
  for (const segment of rest) node = node === undefined || node === null ? undefined : (node as Record<string, unknown>)[segment];
  if (!(node instanceof Tensor)) throw new MeshtypeError("input-shape", `runPipelined(${meta.name}): no tensor for input "${path}". Pass the same inputs as to the eager model.`);
  return node;
}

function addInto(total: Tensor | undefined, part: Tensor): Tensor {
  if (total === undefined) return part;
  const data = Float32Array.from(total.data, (value, index) => value + part.data[index]);
  return new Tensor(total.dims, data, total.label);
}

function scaled(x: Tensor, factor: number): Tensor {
  return new Tensor(x.dims, Float32Array.from(x.data, (value) => value * factor), x.label);
}

/** What one device's schedule produced: each part's `out` per micro-batch (the update's under 0). */
type DeviceOutputs = Record<string, unknown[]>;

/**
 * Run a pipelined program on a `SimulatedMesh` of its whole mesh with the
 * eager model's global arguments; returns the global result and the byte
 * counters (point-to-point sends as kind "send" over the pipeline axis).
 */
export async function runPipelined(functions: PipelineFunctions, meta: PipelinedMeta, ...args: readonly unknown[]): Promise<{ result: TensorTree; stats: CommStats }> {
  const mesh = new Mesh({ ...meta.mesh });
  const stages = mesh.axisSize(meta.axis);
  const m = meta.microbatches;
  const backward = meta.stages.some((parts) => parts.some((part) => part.phase === "backward"));
  const partOf = (stage: number, phase: PipelinePhase): PipelinePartMeta | undefined => meta.stages[stage]?.find((part) => part.phase === phase);
  // every part's `inputs`, per micro-batch (one set for the update), sharded for the stage's devices
  const inputsFor = new Map<string, TensorTree[][]>();
  for (let stage = 0; stage < stages; stage++) {
    for (const part of meta.stages[stage] ?? []) {
      const inputs = part.meta.params.find((param) => param.name === "inputs");
      if (inputs === undefined) continue;
      const inputsMeta: ProgramMeta = { ...part.meta, params: [inputs] };
      const rounds = part.phase === "update" ? 1 : m;
      const perRound = Array.from({ length: rounds }, (_, round) => {
        const tree = Object.fromEntries(Object.keys(fieldsOf(inputs.tree)).map((key) => {
          const leaf = leafAt(meta, args, meta.inputs[Number(key.slice(1))].path);
          const cut = part.phase !== "update" && m > 1 && leaf.dims.some((dim) => dim.name === "batch");
          return [key, cut ? takeChunk(leaf, "batch", m, round) : leaf];
        }));
        return shardArgs(inputsMeta, tree).map((params) => params[0]);
      });
      inputsFor.set(`${stage}/${part.phase}`, perRound.map((round) => round));
    }
  }
  const device = async (ctx: DeviceContext): Promise<DeviceOutputs> => {
    if (ctx.send === undefined || ctx.recv === undefined) throw new MeshtypeError("p2p-missing", "runPipelined: the device context has no point-to-point send/recv.");
    const [send, recv] = [ctx.send.bind(ctx), ctx.recv.bind(ctx)];
    const stage = ctx.coords[meta.axis];
    const outputs: DeviceOutputs = {};
    const saved = new Map<number, Fields>();
    let accumulated: Record<string, Tensor> = {};
    const run = async (phase: PipelinePhase, microbatch: number): Promise<void> => {
      const part = partOf(stage, phase);
      const fn = functions[stage]?.[phase];
      if (part === undefined) return;
      if (fn === undefined) throw new MeshtypeError("pipeline-part-missing", `runPipelined(${meta.name}): no device function for stage ${stage}'s ${phase} part.`);
      const sub = subDevice(mesh, part.meta, ctx.device, meta.axis);
      const suffix = phase === "update" ? "update" : String(microbatch);
      const params: TensorTree[] = [];
      for (const param of part.meta.params) {
        if (param.name === "inputs") params.push(inputsFor.get(`${stage}/${phase}`)?.[phase === "update" ? 0 : microbatch]?.[sub] ?? {});
        else if (param.name === "recv") {
          const fields = fieldsOf(param.tree);
          const received: Record<string, Tensor> = {};
          for (const entry of part.recv) {
            const leaf = fields[entry.tag] as MetaTensor;
            received[entry.tag] = await recv(localDimsOf(leaf, part.meta.mesh), meta.axis, entry.from, `${entry.tag}@${suffix}`);
          }
          params.push(received);
        } else if (param.name === "saved") params.push(saved.get(microbatch) ?? {});
        else if (param.name === "accumulated") params.push(Object.fromEntries(Object.entries(accumulated).map(([tag, sum]) => [tag, scaled(sum, 1 / m)])));
        else throw new MeshtypeError("pipeline-meta", `runPipelined(${meta.name}): part param "${param.name}" is not one the runtime feeds.`);
      }
      const result = (await fn(ctx, ...(params as never[]))) as Readonly<Record<string, Fields | undefined>>;
      for (const entry of part.send) {
        const value = result.send?.[entry.tag];
        if (value === undefined) throw new MeshtypeError("pipeline-meta", `runPipelined(${meta.name}): stage ${stage}'s ${phase} part returned no "${entry.tag}" to send.`);
        await send(value, meta.axis, entry.to, `${entry.tag}@${suffix}`);
      }
      if (result.saved !== undefined) saved.set(microbatch, result.saved);
      if (phase === "backward") saved.delete(microbatch);
      if (result.accumulate !== undefined) {
        accumulated = { ...accumulated };
        for (const [tag, value] of Object.entries(result.accumulate)) accumulated[tag] = addInto(accumulated[tag], value);
      }
      (outputs[phase] ??= [])[microbatch] = result.out ?? {};
    };
    for (const task of pipelineTasks(meta.schedule, stage, stages, m, backward)) await run(task.phase, task.microbatch);
    await run("update", 0);
    return outputs;
  };
  const sim = new SimulatedMesh(mesh);
  const locals = await sim.run(device, () => []);
  return { result: gatherPipelined(meta, locals), stats: sim.stats };
}

/**
 * The global result of a pipelined run from every device's outputs (index =
 * device id): `locals[device][phase][microbatch]` is that part's `out`
 * (local tensors by key), gathered per part from its stage's devices and
 * combined by `meta.result` (micro-batches concatenated along `batch`,
 * averaged, or the one value).
 */
export function gatherPipelined(meta: PipelinedMeta, locals: readonly Readonly<Record<string, readonly unknown[]>>[]): TensorTree {
  const mesh = new Mesh({ ...meta.mesh });
  const stages = mesh.axisSize(meta.axis);
  const m = meta.microbatches;
  // gather each part's `out` per micro-batch from its stage's devices, in sub-mesh order
  const gathered = new Map<string, TensorTree[]>();
  for (let stage = 0; stage < stages; stage++) {
    for (const part of meta.stages[stage] ?? []) {
      const out = fieldsOf(part.meta.result).out;
      if (out === undefined) continue;
      const members = Array.from({ length: mesh.deviceCount }, (_, id) => id).filter((id) => mesh.coords(id)[meta.axis] === stage);
      const ordered = [...members].sort((a, b) => subDevice(mesh, part.meta, a, meta.axis) - subDevice(mesh, part.meta, b, meta.axis));
      const outMeta: ProgramMeta = { ...part.meta, result: out };
      const rounds = part.phase === "update" ? 1 : m;
      gathered.set(`${stage}/${part.phase}`, Array.from({ length: rounds }, (_, round) => gatherResult(outMeta, ordered.map((id) => locals[id][part.phase]?.[round]))));
    }
  }
  const build = (tree: PipelineResultTree): TensorTree => {
    switch (tree.kind) {
      case "leaf": {
        const rounds = (gathered.get(`${tree.stage}/${tree.phase}`) ?? []).map((round) => (round as Fields)[tree.key]);
        if (rounds.length === 0 || rounds.some((round) => round === undefined)) throw new MeshtypeError("pipeline-meta", `runPipelined(${meta.name}): stage ${tree.stage}'s ${tree.phase} part gave no result "${tree.key}".`);
        if (tree.combine === "once") return rounds[0];
        if (tree.combine === "concat") return concatAlong(rounds, "batch");
        return scaled(rounds.reduce((sum, round) => addInto(sum, round)), 1 / rounds.length);
      }
      case "array":
        return tree.items.map(build);
      case "object":
        return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, build(item)]));
    }
  };
  return build(meta.result);
}
