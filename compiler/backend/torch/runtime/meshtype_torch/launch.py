"""`main()`: what a generated module runs under torchrun.

    torchrun --nproc_per_node 4 mlp_torch.py --program mlp2d --inputs in/ --outputs out/

Every rank joins the process group (NCCL when CUDA is available, gloo
otherwise), builds the mesh's process groups, reads or creates its shard of
every parameter, runs the program of its device and writes its local result.

Timing: `--warmup W --steps N` runs each program W times untimed, then N times
between two barriers; rank 0 prints the time per step (process start-up, torch
import, process groups and inputs excluded):

    meshtype_torch: mlp2d on mesh [data=2 x model=2] (4 devices) (gloo): 0.412 ms per step (mean of 20 steps after 5 warm-up)
"""
import argparse
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
import torch.distributed as dist

from .mesh import MeshContext, device_for_backend
from .pipeline import run_pipelined
from .shard import init_shard, load_shard, map_leaves, save_leaves
from .train import add_arguments as add_train_arguments, check_arguments as check_train_arguments, train_program

Program = Tuple[Callable[..., Any], Dict[str, Any]]


def _parser(programs: Dict[str, Program]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run meshtype device programs with torch.distributed (one process per device). Start it with torchrun.")
    parser.add_argument("--program", action="append", choices=sorted(programs), help="a program to run (repeat for several); default: the only one, or every program")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--inputs", help="folder of global inputs: <param path>.npy, or <program>/<param path>.npy per program; each rank reads only its block")
    source.add_argument("--init-seed", type=int, help="create every parameter with meshtype's seeded init (name = its path; ids integers, optimizer state zeros); each rank makes only its shard")
    parser.add_argument("--outputs", help="folder for each rank's local result: <program>/result[.<path>].rank<r>.npy")
    parser.add_argument("--backend", choices=["nccl", "gloo"], help="default: nccl when CUDA is available, else gloo")
    parser.add_argument("--warmup", type=_count(0), default=0, help="untimed runs of each program before the timed ones (default 0)")
    parser.add_argument("--steps", type=_count(1), default=1, help="timed runs of each program; rank 0 prints the mean time per step (default 1); with --train, training steps")
    parser.add_argument("--compile", action="store_true", help="run each program through torch.compile (torch 2.0 or later; opt-in: the first steps compile)")
    add_train_arguments(parser)
    return parser


def compiled_programs(programs: Dict[str, Program], version: str = torch.__version__) -> Dict[str, Program]:
    """`programs` with each device function passed through `torch.compile` (TorchDynamo + Inductor), or a SystemExit
    saying what is needed on a torch without it (1.x)."""
    compile_function = getattr(torch, "compile", None)
    if compile_function is None:
        raise SystemExit(f"meshtype_torch: --compile needs torch.compile, which torch {version} lacks (torch 2.0 or later); run without --compile.")
    return {name: (compile_function(function), meta) for name, (function, meta) in programs.items()}


def _count(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= least."""

    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= {least}; e.g. --warmup 5 --steps 20")
        return int(text)

    return parse


def _environment() -> Tuple[int, int, int]:
    missing = [name for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if name not in os.environ]
    if missing:
        raise SystemExit(
            f"meshtype_torch: {', '.join(missing)} not set: this module runs one process per device under torchrun. "
            f"Start it with `torchrun --nproc_per_node N {os.path.basename(sys.argv[0])} ...` (N = the mesh's device count)."
        )
    return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", "0"))


def _check_devices(name: str, meta: Dict[str, Any]) -> None:
    """A clear exit when torchrun started another number of processes than the program's mesh has devices."""
    devices = 1
    for size in meta["mesh"].values():
        devices *= size
    if devices != dist.get_world_size():
        axes = " x ".join(f"{axis}={size}" for axis, size in meta["mesh"].items())
        raise SystemExit(
            f'meshtype_torch: program "{name}" runs on mesh [{axes}] ({devices} devices), but torchrun started {dist.get_world_size()} processes. '
            f"Start it with nodes x --nproc_per_node = {devices}, or choose a program of this size with --program."
        )


def run_program(name: str, program: Program, args: argparse.Namespace, device: torch.device) -> Optional[List[str]]:
    """Run one program on this rank: its inputs, the device function, its outputs. Returns the files written."""
    function, meta = program
    _check_devices(name, meta)
    mesh = MeshContext(meta["mesh"], device=device)
    inputs = args.inputs
    if inputs is not None and os.path.isdir(os.path.join(inputs, name)):
        inputs = os.path.join(inputs, name)

    def leaf(path: str, tensor_meta: Dict[str, Any]) -> torch.Tensor:
        if inputs is None:
            return init_shard(args.init_seed, path, tensor_meta, mesh.shape, mesh.coords, device)
        # A non-float32 input that converts exactly is noted once (by rank 0); one that does not is refused on every rank.
        return load_shard(inputs, path, tensor_meta, mesh.shape, mesh.coords, device, note=print if mesh.rank == 0 else None)

    params = [map_leaves(param["tree"], param["name"], leaf) for param in meta["params"]]
    with torch.no_grad():
        for _ in range(args.warmup):
            function(mesh, *params)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(args.steps):
            result = function(mesh, *params)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        dist.barrier()
    elapsed = time.perf_counter() - start
    if mesh.rank == 0:
        per_step = elapsed * 1000 / args.steps
        print(f"meshtype_torch: {name} on {mesh.shape} ({mesh.backend}): {per_step:.3f} ms per step (mean of {args.steps} steps after {args.warmup} warm-up)", flush=True)
    if args.outputs is None:
        return None
    return save_leaves(os.path.join(args.outputs, name), result, "result", mesh.rank)


def main(programs: Dict[str, Program], pipelines: Optional[Dict[str, Dict[str, Any]]] = None, argv: Optional[List[str]] = None) -> None:
    """Parse the command line and run the chosen programs on this rank (see the module docstring).
    A pipelined program (in `pipelines`, its parts in `programs`) runs as stages, needing --inputs and --outputs."""
    pipelines = pipelines or {}
    parser = _parser({**programs, **{name: (None, meta) for name, meta in pipelines.items()}})
    args = parser.parse_args(argv)
    check_train_arguments(parser, args)
    if not args.train and args.inputs is None and args.init_seed is None:
        parser.error("one of the arguments --inputs --init-seed is required")
    if args.compile:
        programs = compiled_programs(programs)
    rank, world, local_rank = _environment()
    backend = args.backend or ("nccl" if torch.cuda.is_available() else "gloo")
    dist.init_process_group(backend=backend, rank=rank, world_size=world)
    try:
        device = device_for_backend(backend, local_rank)
        parts = {name for meta in pipelines.values() for stage in meta["stages"] for name in [part["meta"]["name"] for part in stage]}
        chosen = args.program or (sorted(pipelines) + sorted(name for name in programs if name not in parts))
        for name in chosen:
            if name in pipelines:
                if args.inputs is None or args.outputs is None or args.train:
                    parser.error(f"pipelined program {name} runs with --inputs and --outputs (not --init-seed or --train yet)")
                run_pipelined(name, pipelines[name], {key: entry[0] for key, entry in programs.items()}, args.inputs, args.outputs, device)
            elif args.train:
                _check_devices(name, programs[name][1])
                train_program(name, programs[name], args, device)
            else:
                run_program(name, programs[name], args, device)
        dist.barrier()
    finally:
        dist.destroy_process_group()
