/**
 * Bucket queues (queues.ts) run for real: GPT training steps emitted with the
 * default bucket sizes (DDP's 1 MiB first bucket, then 25 MiB) and, for the
 * data-parallel step, with sizes so small that every layer's gradients start
 * their own bucket (as at wide dims), launched as 4 gloo processes. Every
 * rank's result must be its shard of the eager TypeScript result, and the
 * collectives one step issues (torch.distributed calls, counted per mesh
 * group by a wrapper around the generated functions) must be as few as the
 * queues plan: at the example's dims one gradient bucket per step where one
 * per layer (and one before and after the backward loop) ran before. Covered:
 * data parallel, weight-update sharded (on gloo a reduce-scatter bucket is an
 * asynchronous all-reduce), 2-D data x model, and the uneven GPT (vocab 50257
 * and 3 heads split over `model`, where ranks hold different local sizes).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, expect, test } from "vitest";
import type { Program } from "../../ir/ir.ts";
import { compareRanks } from "../../testing/torch/compareRanks.ts";
import { freePort, launch, readRanks, torchrunArgs, writeInputs } from "../../testing/torch/runTorch.ts";
import { prepareCase, trainingPlans, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { collectiveSchedule } from "./collectiveSchedule.ts";
import { emitTorchModule } from "./emitTorchModule.ts";
import { queueCalls } from "./queues.ts";
import { torchRuntimeFiles } from "./runtimeFiles.ts";

/** Per-layer buckets: a layer's gradients (12864 bytes per device for gptTrainData) reach both limits alone. */
const perLayerBytes = { first: 4096, cap: 8192 };
const perLayerName = "gptTrainDataPerLayer";

/**
 * Runs the generated modules' programs through launch.py's `main`, counting the torch.distributed calls of each
 * program's last call (one step) by the mesh group they run over, and prints them as `COLLECTIVES <rank> <json>`.
 */
const countingScript = String.raw`
import importlib.util, json, os, sys
import torch.distributed as dist
import meshtype_torch as mt

split = sys.argv.index("--")
programs = {}
for index, file in enumerate(sys.argv[1:split]):
    spec = importlib.util.spec_from_file_location(f"generated{index}", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    programs.update(module.PROGRAMS)

active = {"counts": None, "groups": {}}
def counting(name, original):
    def wrapper(*args, **kwargs):
        counts = active["counts"]
        if counts is not None:
            # a batch of point-to-point ops runs over the group of its ops
            group = args[0][0].group if name == "batch_isend_irecv" and args and args[0] else kwargs.get("group")
            key = f"{name}@{active['groups'].get(id(group), 'world' if group is None else 'other')}"
            counts[key] = counts.get(key, 0) + 1
        return original(*args, **kwargs)
    return wrapper
# (not isend / irecv themselves: P2POp accepts only the originals)
for name in ["all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast", "batch_isend_irecv"]:
    if hasattr(dist, name):
        setattr(dist, name, counting(name, getattr(dist, name)))

results = {}
def counted(name, function):
    def run(mesh, *args):
        active["groups"] = {id(group): axis for axis, group in mesh.groups.items() if group is not None}
        active["counts"] = {}
        try:
            return function(mesh, *args)
        finally:
            results[name] = active["counts"]
            active["counts"] = None
    return run

mt.main({name: (counted(name, function), meta) for name, (function, meta) in programs.items()}, argv=sys.argv[split + 1:])
print(f"COLLECTIVES {os.environ.get('RANK')} {json.dumps(results, sort_keys=True)}", flush=True)
`;

describeWithTorch("bucket queues on 4 gloo processes", () => {
  const cases = new Map<string, TorchTestCase>();
  let log = "";
  let counts: Record<string, Record<string, number>>[] = [];
  const ranks = new Map<string, ReturnType<typeof readRanks>>();

  beforeAll(async () => {
    const plans = [
      ...trainingPlans("examples/train/gptTrain.ts", ["gptTrainData", "gptTrainDataSharded", "gptTrain2d"]),
      ...trainingPlans("examples/uneven/gptVocab50257.ts", ["unevenTrain2d"]),
    ];
    for (const plan of plans) cases.set(plan.global.name, await prepareCase({ ...plan, name: plan.global.name }));
    const data = cases.get("gptTrainData");
    if (!data) throw new Error("gptTrainData was not prepared");
    cases.set(perLayerName, { ...data, program: { ...data.program, name: perLayerName } });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-queues-"));
    try {
      for (const file of torchRuntimeFiles()) {
        fs.mkdirSync(path.dirname(path.join(work, file.path)), { recursive: true });
        fs.writeFileSync(path.join(work, file.path), file.text);
      }
      const byDefault = [...cases.values()].map((entry) => entry.program).filter((program) => program.name !== perLayerName);
      fs.writeFileSync(path.join(work, "steps_torch.py"), emitTorchModule(byDefault, "steps.ts"));
      fs.writeFileSync(path.join(work, "per_layer_torch.py"), emitTorchModule([programOf(perLayerName)], { sourceFile: "steps.ts", bucketBytes: perLayerBytes }));
      fs.writeFileSync(path.join(work, "counting.py"), countingScript);
      for (const entry of cases.values()) writeInputs(path.join(work, "in", entry.program.name), entry);
      log = await launch([
        ...torchrunArgs(4, await freePort(), path.join(work, "logs")),
        "counting.py", "steps_torch.py", "per_layer_torch.py", "--", "--inputs=in", "--outputs=out", "--backend=gloo",
      ], work, 420_000);
      for (const entry of cases.values()) ranks.set(entry.program.name, readRanks(path.join(work, "out", entry.program.name), entry.program, 4));
      counts = [...log.matchAll(/COLLECTIVES \S+ (\{.*\})/g)].map((match) => JSON.parse(match[1]) as Record<string, Record<string, number>>);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);

  function programOf(name: string): Program {
    const entry = cases.get(name);
    if (!entry) throw new Error(`no case ${name}`);
    return entry.program;
  }

  /** One step's calls of `key` (`all_reduce@data`) in `name`, the same on every rank. */
  function callsOf(name: string, key: string): number {
    expect(counts, log.slice(-3000)).toHaveLength(4);
    const perRank = counts.map((rank) => rank[name]?.[key] ?? 0);
    expect(new Set(perRank).size, `${name} ${key} per rank: ${perRank.join(", ")}`).toBe(1);
    return perRank[0];
  }

  test.each(["gptTrainData", "gptTrainDataSharded", "gptTrain2d", "unevenTrain2d", perLayerName])("%s: every rank holds its shard of the eager result", (name) => {
    const entry = cases.get(name);
    const result = ranks.get(name);
    if (!entry || !result) throw new Error(`no result for ${name}`);
    expect(compareRanks(entry.program, result, entry.expected).problems, entry.title).toEqual([]);
  });

  test("data parallel: the whole step's gradients are one all-reduce", () => {
    expect(callsOf("gptTrainData", "all_reduce@data")).toBe(1);
  });

  test("weight-update sharded: the gradients are one bucket (on gloo an all-reduce) beside the loss's, with no ring left", () => {
    // the gradients' bucket and the loss's (an all-reduce of its own kind: not in the reduce-scatter queue)
    expect(callsOf("gptTrainDataSharded", "all_reduce@data")).toBe(2);
    expect(callsOf("gptTrainDataSharded", "batch_isend_irecv@data")).toBe(0);
  });

  test("2-D data x model and the uneven GPT: at most 2 gradient all-reduces over data per step", () => {
    expect(callsOf("gptTrain2d", "all_reduce@data")).toBe(1);
    const uneven = callsOf("unevenTrain2d", "all_reduce@data");
    expect(uneven).toBeGreaterThanOrEqual(1);
    expect(uneven).toBeLessThanOrEqual(2);
  });

  test("where a layer's gradients fill a bucket, each layer's bucket is its own call, as the schedule plans", () => {
    const program = programOf(perLayerName);
    const schedule = collectiveSchedule(program, { firstBucketBytes: perLayerBytes.first, bucketCapBytes: perLayerBytes.cap });
    const queues = program.body.flatMap((statement) => ("body" in statement ? schedule.queues(statement) : []));
    expect(queues).toHaveLength(1);
    const [queue] = queues;
    expect(queue.flushAfter).toEqual(Array.from({ length: queue.loop.count }, (_, index) => index));
    const calls = callsOf(perLayerName, "all_reduce@data");
    expect(calls).toBeGreaterThanOrEqual(queue.loop.count);
    // the queue's calls, and the bucket after the loop (nothing is left in the queue to join) on its own
    expect(calls).toBe(queueCalls(queue) + (queue.last === "none" ? 1 : 0));
  });
});
