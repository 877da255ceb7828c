"""`run_pipelined`: a pipelined program under torchrun, one process per device.

Every rank runs the parts of its stage (its coordinate on the pipeline axis)
under the schedule (GPipe or 1F1B, as dsl/runtime/pipelineSchedule.ts):
before a part it receives what the part reads from other stages
(torch.distributed.recv from the rank of the other stage with the same other
coordinates), after it sends what other stages read (isend, waited for at the
end, so sends never block a schedule). Each channel between two ranks carries
its messages in the same order on both sides (the schedules run every phase's
micro-batches in order), as NCCL needs; gloo also checks the tags. A
training step's backward values for the update are summed over the
micro-batches and averaged before the one update. Each rank writes every
part's `out` per micro-batch: `<outputs>/<name>/<phase>.<microbatch>.<key>.rank<r>.npy`.
"""
import os
from typing import Any, Callable, Dict, List

import numpy as np
import torch
import torch.distributed as dist

from .mesh import MeshContext, MeshShape
from .shard import local_blocks, pad_to, save_leaves


def pipeline_tasks(schedule: str, stage: int, stages: int, microbatches: int, backward: bool) -> List[tuple]:
    """The (phase, micro-batch) steps of `stage`: the twin of pipelineTasks in dsl/runtime/pipelineSchedule.ts."""
    everything = list(range(microbatches))
    if not backward:
        return [("forward", m) for m in everything]
    if schedule == "gpipe":
        return [("forward", m) for m in everything] + [("backward", m) for m in everything]
    warmup = min(stages - 1 - stage, microbatches)
    tasks = [("forward", m) for m in range(warmup)]
    for index in range(microbatches - warmup):
        tasks += [("forward", warmup + index), ("backward", index)]
    return tasks + [("backward", m) for m in range(microbatches - warmup, microbatches)]


def _local_dims(leaf: Dict[str, Any], mesh: Dict[str, int]) -> List[int]:
    sizes = []
    for dim in leaf["dims"]:
        parts = 1
        for axis, state in leaf["sharding"].items():
            if state["kind"] == "split" and state["dim"] == dim["name"]:
                parts *= mesh[axis]
        sizes.append(-(-dim["size"] // parts))
    return sizes


def _tag(text: str) -> int:
    """A stable small integer tag for a message name (gloo matches tags; NCCL ignores them and goes by order)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 1_000_003
    return value


def run_pipelined(name: str, meta: Dict[str, Any], functions: Dict[str, Callable[..., Any]], inputs: str, outputs: str, device: torch.device) -> None:
    """Run pipelined program `name` on this rank (see the module docstring); `functions` maps part names to device functions."""
    mesh = MeshContext(meta["mesh"], device=device)
    axis = meta["axis"]
    stage = mesh.coords[axis]
    stages = meta["mesh"][axis]
    m = meta["microbatches"]
    parts = {part["phase"]: part for part in meta["stages"][stage]}
    backward = any(part["phase"] == "backward" for stage_parts in meta["stages"] for part in stage_parts)
    folder = os.path.join(inputs, name) if os.path.isdir(os.path.join(inputs, name)) else inputs
    arrays = {entry["path"]: np.load(os.path.join(folder, f'{entry["path"]}.npy')) for entry in meta["inputs"]}

    def peer(coord: int) -> int:
        return mesh.shape.device_at({**mesh.coords, axis: coord})

    def input_shard(part: Dict[str, Any], key: str, leaf: Dict[str, Any], microbatch: int) -> torch.Tensor:
        array = arrays[meta["inputs"][int(key[1:])]["path"]]
        names = [dim["name"] for dim in leaf["dims"]]
        if part["phase"] != "update" and m > 1 and "batch" in names:
            position = names.index("batch")
            step = array.shape[position] // m
            array = np.take(array, range(microbatch * step, (microbatch + 1) * step), axis=position)
        shape = MeshShape(part["meta"]["mesh"])
        coords = {**mesh.coords, axis: 0}
        blocks = local_blocks(shape, leaf, coords, f'input "{key}"')
        block = array[tuple(slice(offset, offset + valid) for offset, _, valid in blocks)] if blocks else array
        return pad_to(torch.from_numpy(np.array(block, dtype=np.float32, order="C")), [size for _, size, _ in blocks]).to(device)

    saved: Dict[int, Dict[str, torch.Tensor]] = {}
    accumulated: Dict[str, torch.Tensor] = {}
    pending = []

    def run(phase: str, microbatch: int) -> None:
        part = parts.get(phase)
        if part is None:
            return
        suffix = "update" if phase == "update" else str(microbatch)
        params = []
        for param in part["meta"]["params"]:
            fields = param["tree"]["fields"]
            if param["name"] == "inputs":
                params.append({key: input_shard(part, key, leaf, microbatch) for key, leaf in fields.items()})
            elif param["name"] == "recv":
                received = {}
                for entry in part["recv"]:
                    buffer = torch.empty(_local_dims(fields[entry["tag"]], part["meta"]["mesh"]), dtype=torch.float32, device=device)
                    dist.recv(buffer, src=peer(entry["from"]), tag=_tag(f'{entry["tag"]}@{suffix}'))
                    received[entry["tag"]] = buffer
                params.append(received)
            elif param["name"] == "saved":
                params.append(saved.get(microbatch, {}))
            elif param["name"] == "accumulated":
                params.append({tag: total / m for tag, total in accumulated.items()})
            else:
                raise ValueError(f'meshtype_torch: part param "{param["name"]}" of {name} is not one the pipeline runner feeds')
        with torch.no_grad():
            result = functions[part["meta"]["name"]](mesh, *params)
        for entry in part["send"]:
            pending.append(dist.isend(result["send"][entry["tag"]].contiguous(), dst=peer(entry["to"]), tag=_tag(f'{entry["tag"]}@{suffix}')))
        if "saved" in result:
            saved[microbatch] = result["saved"]
        if phase == "backward":
            saved.pop(microbatch, None)
        for tag, value in result.get("accumulate", {}).items():
            accumulated[tag] = value.clone() if tag not in accumulated else accumulated[tag] + value
        if "out" in result:
            save_leaves(os.path.join(outputs, name), result["out"], f"{phase}.{microbatch}", mesh.rank)

    for phase, microbatch in pipeline_tasks(meta["schedule"], stage, stages, m, backward):
        run(phase, microbatch)
    run("update", 0)
    for work in pending:
        work.wait()
