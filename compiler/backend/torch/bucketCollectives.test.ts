/**
 * The runtime's bucketed and asynchronous collectives, under 4 gloo processes
 * on a 2x2 mesh: `all_gather_many` equals one `all_gather` per tensor (any dim,
 * with `size` dropping padding), `all_reduce_many_start(...).wait()` equals
 * `all_reduce_many`, and `reduce_scatter_many_start(...).wait()` equals
 * `reduce_scatter_many` (gloo: an asynchronous all-reduce keeping this rank's
 * block, against the ring), with other collectives (over other groups and over
 * the same one, the ring's point-to-point sends too) run between the start and
 * the wait, and the inputs left as they were; and the bucket queues
 * (`all_reduce_queue`, `reduce_scatter_queue`): one collective per flush, each
 * add's handle giving its own tensors as the `*_many` call would, a wait
 * before its bucket's flush refused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { freePort, launch, torchrunArgs } from "../../testing/torch/runTorch.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { torchRuntimeFiles } from "./runtimeFiles.ts";

const script = String.raw`
import torch, torch.distributed as dist
import meshtype_torch as mt
dist.init_process_group("gloo")
mesh = mt.MeshContext({"data": 2, "model": 2})
rank = dist.get_rank()
torch.manual_seed(100 + rank)
def check(what, got, want, exact=True):
    assert len(got) == len(want), f"{what}: {len(got)} results, want {len(want)}"
    for index, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape and g.dtype == w.dtype, f"{what}[{index}]: {g.shape} {g.dtype} vs {w.shape} {w.dtype}"
        ok = torch.equal(g, w) if exact else torch.allclose(g, w, rtol=1e-6, atol=1e-6)
        assert ok, f"{what}[{index}] differs on rank {rank}: {(g - w).abs().max()}"

# all_gather_many: dims 0 and 1, one with padding dropped (size), and a scalar-like 1-d shard
shards = [torch.randn(3, 4), torch.randn(2, 5), torch.randn(6)]
dims, sizes = [0, 1, 0], [None, 3, 11]
check("all_gather_many", mesh.all_gather_many(shards, "data", dims, sizes), [mesh.all_gather(x, "data", dim, size) for x, dim, size in zip(shards, dims, sizes)])
check("all_gather_many model", mesh.all_gather_many(shards, "model", dims, [None, None, None]), [mesh.all_gather(x, "model", dim) for x, dim in zip(shards, dims)])

# all_reduce_many_start: two buckets in flight over different groups, a synchronous all-reduce between, waits in order
grads = [torch.randn(4, 4), torch.randn(7), torch.randn(2, 3, 2)]
before = [g.clone() for g in grads]
first = mesh.all_reduce_many_start(grads, "data", "sum")
second = mesh.all_reduce_many_start(grads[:2], "data+model", "max")
between = mesh.all_reduce(grads[0], "model", "sum")
same_group = mesh.all_reduce(grads[1], "data", "sum")
ring = mesh.reduce_scatter(grads[0], "data", 0, "sum")
check("all_reduce between", [between], [mesh.all_reduce(grads[0], "model", "sum")])
check("all_reduce over the group in flight", [same_group], [mesh.all_reduce(grads[1], "data", "sum")])
check("ring reduce_scatter over the group in flight", [ring], [mesh.reduce_scatter(grads[0], "data", 0, "sum")])
check("all_reduce_many_start", first.wait(), mesh.all_reduce_many(grads, "data", "sum"))
check("all_reduce_many_start data+model", second.wait(), mesh.all_reduce_many(grads[:2], "data+model", "max"))
check("all_reduce_many_start wait twice", first.wait(), mesh.all_reduce_many(grads, "data", "sum"))
check("inputs kept", grads, before)

# reduce_scatter_many_start: dims 0 and 1, an uneven dim padded, sum and max
parts = [torch.randn(4, 3), torch.randn(3, 6), torch.randn(5)]
pending = mesh.reduce_scatter_many_start(parts, "data", [0, 1, 0], "sum", [False, False, True])
maxed = mesh.reduce_scatter_many_start(parts[:2], "model", [1, 0], "max", [True, True])
check("reduce_scatter_many_start", pending.wait(), mesh.reduce_scatter_many(parts, "data", [0, 1, 0], "sum", [False, False, True]), exact=False)
check("reduce_scatter_many_start max", maxed.wait(), mesh.reduce_scatter_many(parts[:2], "model", [1, 0], "max", [True, True]))

# BucketQueue: adds over several flushes, each flush one collective; each add's wait gives its own tensors; a wait
# before its bucket is started is refused; the inputs are kept
calls = {"all_reduce": 0}
original_all_reduce = dist.all_reduce
def counted_all_reduce(*args, **kwargs):
    calls["all_reduce"] += 1
    return original_all_reduce(*args, **kwargs)
dist.all_reduce = counted_all_reduce
queue = mesh.all_reduce_queue("data", "sum")
first_add, second_add, third_add = [torch.randn(3), torch.randn(2, 2)], [torch.randn(5)], [torch.randn(4, 1), torch.randn(2)]
kept = [x.clone() for x in first_add + second_add + third_add]
handles = [queue.add(first_add), queue.add(second_add)]
queue.flush()
assert calls["all_reduce"] == 1, f"one flush of two adds: {calls['all_reduce']} all-reduces"
handles.append(queue.add(third_add))
try:
    handles[2].wait()
    raise AssertionError("a wait before the flush of its bucket returned")
except RuntimeError as error:
    assert "flush" in str(error), str(error)
queue.flush()
queue.flush()
assert calls["all_reduce"] == 2, f"two flushes (and an empty one): {calls['all_reduce']} all-reduces"
dist.all_reduce = original_all_reduce
for index, (handle, xs) in enumerate(zip(handles, [first_add, second_add, third_add])):
    check(f"all_reduce_queue add {index}", handle.wait(), mesh.all_reduce_many(xs, "data", "sum"))
check("all_reduce_queue inputs kept", first_add + second_add + third_add, kept)
scatter = mesh.reduce_scatter_queue("data", "sum")
low, high = scatter.add(parts[:2], dims=[0, 1], pads=[False, False]), scatter.add(parts[2:], dims=[0], pads=[True])
scatter.flush()
check("reduce_scatter_queue", low.wait() + high.wait(), mesh.reduce_scatter_many(parts, "data", [0, 1, 0], "sum", [False, False, True]), exact=False)
maxed_queue = mesh.all_reduce_queue("data+model", "max")
both = maxed_queue.add(grads[:2])
maxed_queue.flush()
check("all_reduce_queue data+model max", both.wait(), mesh.all_reduce_many(grads[:2], "data+model", "max"))
print(f"rank {rank} ok", flush=True)
`;

describeWithTorch("bucketed and asynchronous collectives on 4 gloo processes", () => {
  test("all_gather_many, all_reduce_many_start, reduce_scatter_many_start and the bucket queues equal the separate and synchronous calls", async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-buckets-"));
    try {
      for (const file of torchRuntimeFiles()) {
        fs.mkdirSync(path.dirname(path.join(work, file.path)), { recursive: true });
        fs.writeFileSync(path.join(work, file.path), file.text);
      }
      fs.writeFileSync(path.join(work, "buckets.py"), script);
      const log = await launch([...torchrunArgs(4, await freePort(), path.join(work, "logs")), "buckets.py"], work, 180_000);
      for (const rank of [0, 1, 2, 3]) expect(log).toContain(`rank ${rank} ok`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 200_000);
});
