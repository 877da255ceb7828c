"""A device mesh over torch.distributed: geometry, process groups and the collectives.

Device ids (= global ranks) are row-major over the mesh axes. Every collective
works over ONE mesh axis: its group is the ranks that share every other
coordinate with this one, in axis order, exactly as meshtype's simulated mesh
(dsl/runtime) defines it. torch requires every rank to create every group, in
the same order, so `MeshContext` creates one group per slice along each axis,
axis by axis, on all ranks, and keeps the ones it belongs to.
"""
import itertools
from typing import Dict, List, Optional

import torch
import torch.distributed as dist


class MeshShape:
    """The axes of a mesh (name -> size, in mesh order) and its row-major device numbering."""

    def __init__(self, axes: Dict[str, int]):
        if not axes:
            raise ValueError("a mesh needs at least one axis, e.g. {'data': 4}")
        for name, size in axes.items():
            if not isinstance(size, int) or size < 1:
                raise ValueError(f'mesh axis "{name}" has size {size}; an axis size is a positive whole number.')
        self.axes: Dict[str, int] = dict(axes)
        self.names: List[str] = list(axes)
        self.device_count = 1
        for size in axes.values():
            self.device_count *= size

    def __repr__(self) -> str:
        return "mesh [" + " x ".join(f"{name}={size}" for name, size in self.axes.items()) + f"] ({self.device_count} devices)"

    def coords(self, device: int) -> Dict[str, int]:
        """The coordinate of `device` on every axis."""
        coords: Dict[str, int] = {}
        rest = device
        for name in reversed(self.names):
            coords[name] = rest % self.axes[name]
            rest //= self.axes[name]
        return {name: coords[name] for name in self.names}

    def device_at(self, coords: Dict[str, int]) -> int:
        """The device id at `coords` (row-major)."""
        device = 0
        for name in self.names:
            device = device * self.axes[name] + coords[name]
        return device

    def axis_size(self, axis: str) -> int:
        """The size of `axis`; a ValueError naming the axes when there is no such axis."""
        if axis not in self.axes:
            raise ValueError(f'{self} has no axis "{axis}"; its axes are: {", ".join(self.names)}.')
        return self.axes[axis]

    def slices(self, axis: str) -> List[List[int]]:
        """Every group along `axis`: the devices that share the other coordinates, in axis order; groups in row-major order of the other axes."""
        self.axis_size(axis)
        others = [name for name in self.names if name != axis]
        groups = []
        for values in itertools.product(*[range(self.axes[name]) for name in others]):
            fixed = dict(zip(others, values))
            groups.append([self.device_at({**fixed, axis: index}) for index in range(self.axes[axis])])
        return groups


_REDUCE_OPS = {"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX}


def _reduce_op(reduce: str) -> "dist.ReduceOp":
    if reduce not in _REDUCE_OPS:
        raise ValueError(f'unknown reduction "{reduce}": a partial value is reduced with "sum" or "max".')
    return _REDUCE_OPS[reduce]


def _pad_along(x: torch.Tensor, dim: int, parts: int, pad: bool, what: str) -> torch.Tensor:
    """`x` with zeros appended along `dim` to a multiple of `parts` (an uneven split, `pad`); an error without `pad`."""
    size = x.shape[dim]
    if size % parts == 0:
        return x
    if not pad:
        raise ValueError(f"{what}: dim {dim} of a tensor of shape {list(x.shape)} has size {size}, which {parts} devices do not divide.")
    shape = list(x.shape)
    shape[dim] = -(-size // parts) * parts - size
    return torch.cat([x, torch.zeros(shape, dtype=x.dtype, device=x.device)], dim=dim)


def _chunk(x: torch.Tensor, dim: int, parts: int, index: int, what: str, pad: bool = False) -> torch.Tensor:
    padded = _pad_along(x, dim, parts, pad, what)
    step = padded.shape[dim] // parts
    return padded.narrow(dim, index * step, step)


def _keep(x: torch.Tensor, dim: int, size: Optional[int]) -> torch.Tensor:
    """The first `size` entries of `x` along `dim` (the padding of joined shards dropped); `x` when `size` is None."""
    return x if size is None or size >= x.shape[dim] else x.narrow(dim, 0, size).contiguous()


def mask_padding(x: torch.Tensor, valid: Dict[int, int], fill: float) -> torch.Tensor:
    """`x` with every entry at or past `valid[dim]` along each dim (by position) set to `fill`: the padding of a short shard.

    A select, not a product, so that an infinity or NaN in the padding does not leak; a new tensor.
    """
    out = x.clone()
    for dim, keep in valid.items():
        if keep < x.shape[dim]:
            out.narrow(dim, keep, x.shape[dim] - keep).fill_(fill)
    return out


class MeshContext:
    """One rank's view of the mesh: its coordinates, its group on every axis, and the collectives over one axis.

    Create it on every rank after `dist.init_process_group`, with the same axes:
    the constructor creates the process groups of every axis (a collective call).
    """

    def __init__(self, axes: Dict[str, int], rank: Optional[int] = None, device: Optional[torch.device] = None):
        self.shape = MeshShape(axes)
        world = dist.get_world_size()
        if world != self.shape.device_count:
            raise RuntimeError(
                f"{self.shape} needs {self.shape.device_count} processes, but torch.distributed has {world}. "
                f"Start it with torchrun so that nodes x processes per node = {self.shape.device_count}, "
                f"e.g. `torchrun --nproc_per_node {self.shape.device_count} ...`."
            )
        self.rank = dist.get_rank() if rank is None else rank
        self.coords = self.shape.coords(self.rank)
        self.device = device if device is not None else torch.device("cpu")
        self.backend = str(dist.get_backend())
        self.groups: Dict[str, Optional["dist.ProcessGroup"]] = {}
        self.group_ranks: Dict[str, List[int]] = {}
        for axis in self.shape.names:
            for ranks in self.shape.slices(axis):
                group = dist.new_group(ranks=ranks) if len(ranks) > 1 else None
                if self.rank in ranks:
                    self.groups[axis] = group
                    self.group_ranks[axis] = ranks

    def _group(self, axis: str):
        self.shape.axis_size(axis)
        return self.groups[axis]

    def all_reduce(self, x: torch.Tensor, axis: str, reduce: str) -> torch.Tensor:
        """partial -> replicated: the element-wise sum or max over the group of `axis`. Never modifies x."""
        op = _reduce_op(reduce)
        group = self._group(axis)
        out = x.contiguous().clone()
        if group is not None:
            dist.all_reduce(out, op=op, group=group)
        return out

    def all_gather(self, x: torch.Tensor, axis: str, dim: int, size: Optional[int] = None) -> torch.Tensor:
        """split -> replicated: the group's shards concatenated along `dim` in axis order (its first `size` entries when given)."""
        group = self._group(axis)
        if group is None:
            return _keep(x.clone(), dim, size)
        source = x.contiguous()
        parts = [torch.empty_like(source) for _ in range(self.shape.axis_size(axis))]
        dist.all_gather(parts, source, group=group)
        return _keep(torch.cat(parts, dim=dim), dim, size)

    def reduce_scatter(self, x: torch.Tensor, axis: str, dim: int, reduce: str, pad: bool = False) -> torch.Tensor:
        """partial -> split: reduce over the group, then keep chunk k of n along `dim` (k: this rank's axis coordinate).

        With `pad`, `dim` may have any size: it is padded with zeros to n chunks of ceil(size / n).
        NCCL uses reduce_scatter; gloo (torch 1.13 has no reduce_scatter there) uses all_reduce, then the chunk.
        """
        parts = self.shape.axis_size(axis)
        index = self.coords[axis]
        group = self._group(axis)
        what = f'reduce_scatter over "{axis}"'
        if group is None:
            return x.clone()
        if self.backend == "nccl":
            padded = _pad_along(x, dim, parts, pad, what)
            inputs = [chunk.contiguous() for chunk in padded.chunk(parts, dim=dim)]
            out = torch.empty_like(inputs[0])
            dist.reduce_scatter(out, inputs, op=_reduce_op(reduce), group=group)
            return out
        reduced = self.all_reduce(x, axis, reduce)
        return _chunk(reduced, dim, parts, index, what, pad).contiguous()

    def all_to_all(self, x: torch.Tensor, axis: str, split_dim: int, concat_dim: int, pad: bool = False, size: Optional[int] = None) -> torch.Tensor:
        """split(concat_dim) -> split(split_dim): send chunk j along `split_dim` to axis coordinate j; concatenate what arrives along `concat_dim`.

        `pad`: `split_dim` may have any size (zero-padded to n chunks); `size`: keep the first `size` entries of `concat_dim`.
        NCCL uses all_to_all; gloo (torch 1.13 has no all_to_all there) uses all_gather, then each rank takes its chunks.
        """
        parts = self.shape.axis_size(axis)
        index = self.coords[axis]
        group = self._group(axis)
        what = f'all_to_all over "{axis}"'
        if group is None:
            return x.clone()
        if self.backend == "nccl":
            inputs = [_chunk(x, split_dim, parts, part, what, pad).contiguous() for part in range(parts)]
            outputs = [torch.empty_like(inputs[0]) for _ in range(parts)]
            dist.all_to_all(outputs, inputs, group=group)
            return _keep(torch.cat(outputs, dim=concat_dim), concat_dim, size)
        source = x.contiguous()
        everyone = [torch.empty_like(source) for _ in range(parts)]
        dist.all_gather(everyone, source, group=group)
        return _keep(torch.cat([_chunk(sent, split_dim, parts, index, what, pad) for sent in everyone], dim=concat_dim), concat_dim, size)

    def collective_permute(self, x: torch.Tensor, axis: str, shift: int) -> torch.Tensor:
        """Non-cyclic shift along `axis`: the device at axis coordinate k receives x of coordinate k - shift.

        Each rank sends x to coordinate k + shift and receives from k - shift, where those exist; a rank
        with no sender gets zeros (shaped like x), as in the simulated mesh. All the rank's sends and
        receives are posted together (batch_isend_irecv) before it waits, so no order of ranks deadlocks.
        """
        if not isinstance(shift, int):
            raise ValueError(f'collective_permute over "{axis}" has shift {shift}; a shift is a whole number of positions along the axis.')
        parts = self.shape.axis_size(axis)
        index = self.coords[axis]
        ranks = self.group_ranks[axis]
        group = self._group(axis)
        source = x.contiguous()
        out = torch.zeros_like(source)
        if shift == 0:
            return source.clone()
        ops = []
        if 0 <= index - shift < parts:
            ops.append(dist.P2POp(dist.irecv, out, ranks[index - shift], group=group))
        if 0 <= index + shift < parts:
            ops.append(dist.P2POp(dist.isend, source, ranks[index + shift], group=group))
        if ops:
            for request in dist.batch_isend_irecv(ops):
                request.wait()
        return out

    def local_slice(self, x: torch.Tensor, axis: str, dim: int, pad: bool = False) -> torch.Tensor:
        """replicated -> split: keep chunk k of n along `dim`, with no communication (zero-padded to ceil(size / n) with `pad`)."""
        return _chunk(x, dim, self.shape.axis_size(axis), self.coords[axis], f'local_slice over "{axis}"', pad)

    def valid_length(self, size: int, axes: List[str]) -> int:
        """How many entries of a dim of global `size`, split over `axes` (major first), are real on this rank (the rest is padding)."""
        extent, valid = size, size
        for axis in axes:
            chunk = -(-extent // self.shape.axis_size(axis))
            valid = min(chunk, max(0, valid - self.coords[axis] * chunk))
            extent = chunk
        return valid


def device_for_backend(backend: str, local_rank: int) -> torch.device:
    """cuda:<local rank> under NCCL, the CPU otherwise."""
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device("cpu")

