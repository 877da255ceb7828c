"""A device mesh over torch.distributed: geometry, process groups and the collectives.

Device ids (= global ranks) are row-major over the mesh axes. Every collective
works over ONE mesh axis: its group is the ranks that share every other
coordinate with this one, in axis order, exactly as meshtype's simulated mesh
(dsl/runtime) defines it. torch requires every rank to create every group, in
the same order, so `MeshContext` creates one group per slice along each axis,
axis by axis, on all ranks, and keeps the ones it belongs to.
"""
import itertools
from typing import Dict, List, Optional, Tuple

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

    def group_slices(self, axes) -> List[List[int]]:
        """Every group spanning the given axes (the devices that share the other coordinates), in row-major order of the others."""
        others = [name for name in self.names if name not in axes]
        groups = []
        for values in itertools.product(*[range(self.axes[name]) for name in others]):
            fixed = dict(zip(others, values))
            groups.append([self.device_at({**fixed, **dict(zip(axes, inner))}) for inner in itertools.product(*[range(self.axes[name]) for name in axes])])
        return groups

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


class PendingCollective:
    """A collective started with `async_op=True` where its inputs exist (a gradient bucket issued inside the
    backward loop, right after the layer that computes it): `wait()` blocks until it is done and returns its
    results (a list, one per input, as the `*_many` call would). The generated code waits just before the
    first use of a result. Waiting twice returns the same results."""

    def __init__(self, works: List, finish):
        self._works = works
        self._finish = finish
        self._results: Optional[List[torch.Tensor]] = None

    def wait(self) -> List[torch.Tensor]:
        if self._results is None:
            for work in self._works:
                work.wait()
            self._results = self._finish()
        return self._results


def _done(results: List[torch.Tensor]) -> PendingCollective:
    """A collective that needed no communication (a group of one) or ran synchronously: its results, already there."""
    return PendingCollective([], lambda: list(results))


class QueuedCollective:
    """The handle of one `BucketQueue.add`: once the queue has started the bucket that holds the add (`flush()`),
    `wait()` waits for that bucket and gives the add's results (a list, one per tensor added, as the `*_many` call
    would). Waiting before the bucket is started is an error (no rank may wait on a collective it never issued)."""

    def __init__(self, count: int):
        self._count = count
        self._pending: Optional[PendingCollective] = None
        self._offset = 0

    def _started(self, pending: PendingCollective, offset: int) -> None:
        self._pending = pending
        self._offset = offset

    def wait(self) -> List[torch.Tensor]:
        if self._pending is None:
            raise RuntimeError(
                "a bucket's results were waited on before the bucket was started: call the queue's flush() after its "
                "last add and before the first wait (the generated program does; this is a bug in the code that waits)"
            )
        return self._pending.wait()[self._offset:self._offset + self._count]


class BucketQueue:
    """Gradient buckets filled across several adds (the iterations of the backward loop), as DDP's buckets are: `add(xs)`
    queues tensors and returns a `QueuedCollective`; `flush()` starts one asynchronous `*_many_start` call over every
    tensor added since the last flush. The generated program decides where to flush from static sizes (the same on
    every rank), so every rank issues the same collectives in the same order. Never modifies the inputs."""

    def __init__(self, start):
        self._start = start
        self._queued: List[Tuple[QueuedCollective, List[torch.Tensor], Dict[str, list]]] = []

    def add(self, xs: List[torch.Tensor], **per_tensor) -> QueuedCollective:
        """Queue `xs` (with per-tensor lists such as `dims=` and `pads=` of a reduce-scatter) for the next flush."""
        handle = QueuedCollective(len(xs))
        self._queued.append((handle, list(xs), per_tensor))
        return handle

    def flush(self) -> None:
        """Start one asynchronous collective over everything queued (nothing when nothing is)."""
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        xs = [x for _, items, _ in queued for x in items]
        keys = queued[0][2].keys()
        per_tensor = {key: [entry for _, _, lists in queued for entry in lists[key]] for key in keys}
        pending = self._start(xs, **per_tensor)
        offset = 0
        for handle, items, _ in queued:
            handle._started(pending, offset)
            offset += len(items)


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
        # Groups over several axes ("data+model"), for a reduction over all of them in one call.
        for count in range(2, len(self.shape.names) + 1):
            for combined in itertools.combinations(self.shape.names, count):
                for ranks in self.shape.group_slices(combined):
                    group = dist.new_group(ranks=ranks) if len(ranks) > 1 else None
                    if self.rank in ranks:
                        self.groups["+".join(combined)] = group
                        self.group_ranks["+".join(combined)] = ranks

    def _group(self, axis: str):
        for name in axis.split("+"):
            self.shape.axis_size(name)
        return self.groups[axis]

    def _wire(self, x: torch.Tensor) -> torch.Tensor:
        """`x` as it goes over the wire: contiguous, and float32 where the backend has no such dtype (gloo has no bfloat16)."""
        if self.backend == "gloo" and x.dtype in (torch.bfloat16, torch.float16):
            return x.to(torch.float32)
        return x.contiguous()

    def _exchange(self, sends: List[Tuple[torch.Tensor, int]], receives: List[Tuple[torch.Tensor, int]], group) -> None:
        """Post every send and receive (global ranks) at once, then wait: no order of ranks deadlocks."""
        ops = [dist.P2POp(dist.isend, tensor, peer, group=group) for tensor, peer in sends]
        ops += [dist.P2POp(dist.irecv, tensor, peer, group=group) for tensor, peer in receives]
        if ops:
            for request in dist.batch_isend_irecv(ops):
                request.wait()

    def all_reduce(self, x: torch.Tensor, axis: str, reduce: str, donate: bool = False) -> torch.Tensor:
        """partial -> replicated: the element-wise sum or max over the group of `axis` (or of several axes, "data+model":
        one call for the reduction over both). Modifies x only when `donate` (the caller never reads x again)."""
        op = _reduce_op(reduce)
        group = self._group(axis)
        if group is None:
            return x
        out = self._wire(x)
        if out is x and not donate:
            out = x.clone()
        dist.all_reduce(out, op=op, group=group)
        return out if out.dtype == x.dtype else out.to(x.dtype)

    def all_reduce_many(self, xs: List[torch.Tensor], axis: str, reduce: str) -> List[torch.Tensor]:
        """`all_reduce` of each of `xs`, as one collective per dtype: the tensors are copied into one flat buffer, reduced
        together and cut apart again (a gradient bucket, as DDP's). Never modifies the inputs."""
        op = _reduce_op(reduce)
        group = self._group(axis)
        if group is None:
            return list(xs)
        wire = [self._wire(x) for x in xs]
        out: List[Optional[torch.Tensor]] = [None] * len(xs)
        by_dtype: Dict[torch.dtype, List[int]] = {}
        for index, tensor in enumerate(wire):
            by_dtype.setdefault(tensor.dtype, []).append(index)
        for members in by_dtype.values():
            flat = torch.cat([wire[index].reshape(-1) for index in members])
            dist.all_reduce(flat, op=op, group=group)
            start = 0
            for index in members:
                count = wire[index].numel()
                piece = flat.narrow(0, start, count).view(wire[index].shape)
                out[index] = piece if piece.dtype == xs[index].dtype else piece.to(xs[index].dtype)
                start += count
        return [tensor for tensor in out if tensor is not None]

    def all_reduce_many_start(self, xs: List[torch.Tensor], axis: str, reduce: str) -> PendingCollective:
        """`all_reduce_many`, started asynchronously (`async_op=True`, one call per dtype): a `PendingCollective` whose
        `wait()` gives the reduced tensors. Every rank must start the same collectives in the same order (the
        generated program does: it is the same on every rank). Never modifies the inputs."""
        op = _reduce_op(reduce)
        group = self._group(axis)
        if group is None:
            return _done(list(xs))
        wire = [self._wire(x) for x in xs]
        by_dtype: Dict[torch.dtype, List[int]] = {}
        for index, tensor in enumerate(wire):
            by_dtype.setdefault(tensor.dtype, []).append(index)
        flats = []
        works = []
        for members in by_dtype.values():
            flat = torch.cat([wire[index].reshape(-1) for index in members])
            works.append(dist.all_reduce(flat, op=op, group=group, async_op=True))
            flats.append((members, flat))

        def finish() -> List[torch.Tensor]:
            out: List[Optional[torch.Tensor]] = [None] * len(xs)
            for members, flat in flats:
                start = 0
                for index in members:
                    count = wire[index].numel()
                    piece = flat.narrow(0, start, count).view(wire[index].shape)
                    out[index] = piece if piece.dtype == xs[index].dtype else piece.to(xs[index].dtype)
                    start += count
            return [tensor for tensor in out if tensor is not None]

        return PendingCollective(works, finish)

    def all_reduce_queue(self, axis: str, reduce: str) -> BucketQueue:
        """A `BucketQueue` whose buckets are `all_reduce_many_start(xs, axis, reduce)` calls: `add(xs)`."""
        return BucketQueue(lambda xs: self.all_reduce_many_start(xs, axis, reduce))

    def reduce_scatter_queue(self, axis: str, reduce: str) -> BucketQueue:
        """A `BucketQueue` whose buckets are `reduce_scatter_many_start` calls: `add(xs, dims=[...], pads=[...])`."""
        return BucketQueue(lambda xs, dims, pads: self.reduce_scatter_many_start(xs, axis, dims, reduce, pads))

    def reduce_scatter_many_start(self, xs: List[torch.Tensor], axis: str, dims: List[int], reduce: str, pads: List[bool]) -> PendingCollective:
        """`reduce_scatter_many`, started asynchronously: a `PendingCollective` whose `wait()` gives this rank's chunks.

        NCCL: one `reduce_scatter(..., async_op=True)` of the flat blocks. gloo has no reduce-scatter in torch 1.13 and
        its ring (`reduce_scatter`) is point-to-point steps that cannot run in the background, so there the bucket is
        one asynchronous all-reduce of all the blocks, keeping this rank's: the same result, moving 2(n - 1)/n of the
        input instead of (n - 1)/n, but overlapped with what runs before `wait()`. Never modifies the inputs."""
        parts = self.shape.axis_size(axis)
        group = self._group(axis)
        if group is None:
            return _done(list(xs))
        index = self.coords[axis]
        what = f'reduce_scatter over "{axis}"'
        chunks = []
        for x, dim, pad in zip(xs, dims, pads):
            wire = self._wire(_pad_along(x, dim, parts, pad, what))
            chunks.append([chunk.contiguous() for chunk in wire.chunk(parts, dim=dim)])
        if len({pieces[0].dtype for pieces in chunks}) != 1:
            return _done(self.reduce_scatter_many(xs, axis, dims, reduce, pads))
        blocks = [torch.cat([pieces[part].reshape(-1) for pieces in chunks]) for part in range(parts)]
        if self.backend == "nccl":
            held = torch.empty_like(blocks[0])
            works = [dist.reduce_scatter(held, blocks, op=_reduce_op(reduce), group=group, async_op=True)]
            mine = lambda: held
        else:
            flat = torch.cat(blocks)
            works = [dist.all_reduce(flat, op=_reduce_op(reduce), group=group, async_op=True)]
            step = blocks[0].numel()
            mine = lambda: flat.narrow(0, index * step, step)

        def finish() -> List[torch.Tensor]:
            held_now = mine()
            out = []
            start = 0
            for x, pieces in zip(xs, chunks):
                count = pieces[index].numel()
                piece = held_now.narrow(0, start, count).view(pieces[index].shape)
                out.append(piece if piece.dtype == x.dtype else piece.to(x.dtype))
                start += count
            return out

        return PendingCollective(works, finish)

    def all_gather_many(self, xs: List[torch.Tensor], axis: str, dims: List[int], sizes: List[Optional[int]]) -> List[torch.Tensor]:
        """`all_gather` of each of `xs` along its dim in `dims` (keeping the first `sizes[i]` entries where given), as one
        collective: each rank's shards go into one flat buffer, the buffers are all-gathered once and each tensor is
        joined from its piece of every rank's buffer (the updated shards of a layer under weight-update sharding,
        gathered in one call as FSDP's flat parameters). Tensors of different dtypes are gathered one by one."""
        group = self._group(axis)
        if group is None:
            return [_keep(x, dim, size) for x, dim, size in zip(xs, dims, sizes)]
        wire = [self._wire(x) for x in xs]
        if len({tensor.dtype for tensor in wire}) != 1:
            return [self.all_gather(x, axis, dim, size) for x, dim, size in zip(xs, dims, sizes)]
        flat = torch.cat([tensor.reshape(-1) for tensor in wire])
        parts = [torch.empty_like(flat) for _ in range(self.shape.axis_size(axis))]
        dist.all_gather(parts, flat, group=group)
        out = []
        start = 0
        for x, tensor, dim, size in zip(xs, wire, dims, sizes):
            count = tensor.numel()
            joined = _keep(torch.cat([part.narrow(0, start, count).view(tensor.shape) for part in parts], dim=dim), dim, size)
            out.append(joined if joined.dtype == x.dtype else joined.to(x.dtype))
            start += count
        return out

    def all_gather(self, x: torch.Tensor, axis: str, dim: int, size: Optional[int] = None) -> torch.Tensor:
        """split -> replicated: the group's shards concatenated along `dim` in axis order (its first `size` entries when given)."""
        group = self._group(axis)
        if group is None:
            return _keep(x, dim, size)
        source = self._wire(x)
        parts = [torch.empty_like(source) for _ in range(self.shape.axis_size(axis))]
        dist.all_gather(parts, source, group=group)
        out = _keep(torch.cat(parts, dim=dim), dim, size)
        return out if out.dtype == x.dtype else out.to(x.dtype)

    def reduce_scatter(self, x: torch.Tensor, axis: str, dim: int, reduce: str, pad: bool = False) -> torch.Tensor:
        """partial -> split: reduce over the group, keeping chunk k of n along `dim` (k: this rank's axis coordinate).

        With `pad`, `dim` may have any size: it is padded with zeros to n chunks of ceil(size / n).
        NCCL uses reduce_scatter. gloo (which has none in torch 1.13) runs the ring algorithm: n - 1 steps, each
        sending one chunk to the next rank and adding the one received from the previous, so a rank sends
        (n - 1)/n of x, as NCCL does (not an all-reduce of all of x).
        """
        parts = self.shape.axis_size(axis)
        index = self.coords[axis]
        group = self._group(axis)
        what = f'reduce_scatter over "{axis}"'
        if group is None:
            return x
        if self.backend == "nccl":
            padded = _pad_along(x, dim, parts, pad, what)
            inputs = [chunk.contiguous() for chunk in padded.chunk(parts, dim=dim)]
            out = torch.empty_like(inputs[0])
            dist.reduce_scatter(out, inputs, op=_reduce_op(reduce), group=group)
            return out
        wire = self._wire(_pad_along(x, dim, parts, pad, what))
        held = self._ring_reduce_scatter([chunk.contiguous() for chunk in wire.chunk(parts, dim=dim)], axis, reduce)
        return held if held.dtype == x.dtype else held.to(x.dtype)

    def _ring_reduce_scatter(self, chunks: List[torch.Tensor], axis: str, reduce: str) -> torch.Tensor:
        """The ring: n - 1 steps, each sending one chunk to the next rank and adding the one from the previous; this
        rank's chunk of the reduction, after sending (n - 1)/n of the chunks."""
        _reduce_op(reduce)
        parts = len(chunks)
        index = self.coords[axis]
        group = self._group(axis)
        ranks = self.group_ranks[axis]
        following, previous = ranks[(index + 1) % parts], ranks[(index - 1) % parts]
        combine = torch.add if reduce == "sum" else torch.maximum
        held = chunks[(index - 1) % parts]
        for step in range(parts - 1):
            arrived = torch.empty_like(held)
            self._exchange([(held, following)], [(arrived, previous)], group)
            held = combine(arrived, chunks[(index - step - 2) % parts])
        return held

    def reduce_scatter_many(self, xs: List[torch.Tensor], axis: str, dims: List[int], reduce: str, pads: List[bool]) -> List[torch.Tensor]:
        """`reduce_scatter` of each of `xs` along its dim in `dims` (zero-padded where `pads` says), as one collective:
        chunk k of every tensor goes into block k of one flat buffer, the blocks are reduce-scattered once, and this
        rank's block is cut back into its chunks (as FSDP's flat parameters). Never modifies the inputs."""
        parts = self.shape.axis_size(axis)
        group = self._group(axis)
        if group is None:
            return list(xs)
        index = self.coords[axis]
        what = f'reduce_scatter over "{axis}"'
        chunks = []
        for x, dim, pad in zip(xs, dims, pads):
            wire = self._wire(_pad_along(x, dim, parts, pad, what))
            chunks.append([chunk.contiguous() for chunk in wire.chunk(parts, dim=dim)])
        if len({pieces[0].dtype for pieces in chunks}) != 1:
            return [self.reduce_scatter(x, axis, dim, reduce, pad) for x, dim, pad in zip(xs, dims, pads)]
        blocks = [torch.cat([pieces[part].reshape(-1) for pieces in chunks]) for part in range(parts)]
        if self.backend == "nccl":
            held = torch.empty_like(blocks[0])
            dist.reduce_scatter(held, blocks, op=_reduce_op(reduce), group=group)
        else:
            held = self._ring_reduce_scatter(blocks, axis, reduce)
        out = []
        start = 0
        for x, pieces in zip(xs, chunks):
            count = pieces[index].numel()
            piece = held.narrow(0, start, count).view(pieces[index].shape)
            out.append(piece if piece.dtype == x.dtype else piece.to(x.dtype))
            start += count
        return out

    def all_to_all(self, x: torch.Tensor, axis: str, split_dim: int, concat_dim: int, pad: bool = False, size: Optional[int] = None) -> torch.Tensor:
        """split(concat_dim) -> split(split_dim): send chunk j along `split_dim` to axis coordinate j; concatenate what arrives along `concat_dim`.

        `pad`: `split_dim` may have any size (zero-padded to n chunks); `size`: keep the first `size` entries of `concat_dim`.
        NCCL uses all_to_all; gloo (which has none in torch 1.13) sends each chunk to its rank point to point, so a
        rank sends (n - 1)/n of x (not an all-gather of all of it).
        """
        parts = self.shape.axis_size(axis)
        index = self.coords[axis]
        group = self._group(axis)
        what = f'all_to_all over "{axis}"'
        if group is None:
            return x
        wire = self._wire(x)
        inputs = [_chunk(wire, split_dim, parts, part, what, pad).contiguous() for part in range(parts)]
        outputs = [torch.empty_like(inputs[0]) for _ in range(parts)]
        if self.backend == "nccl":
            dist.all_to_all(outputs, inputs, group=group)
        else:
            ranks = self.group_ranks[axis]
            outputs[index] = inputs[index]
            others = [part for part in range(parts) if part != index]
            self._exchange([(inputs[part], ranks[part]) for part in others], [(outputs[part], ranks[part]) for part in others], group)
        out = _keep(torch.cat(outputs, dim=concat_dim), concat_dim, size)
        return out if out.dtype == x.dtype else out.to(x.dtype)

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

