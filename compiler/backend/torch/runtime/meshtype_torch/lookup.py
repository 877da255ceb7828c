"""Contractions with a one-hot tensor, computed without building it (the generated code's embeddings and losses).

meshtype's embedding is `oneHot(ids) · table` and its cross-entropy picks the target's logit with
`oneHot(targets) · logits`, so that a vocabulary split over a mesh axis needs no special case in the
compiler: each device one-hots against its own block of ids. A dense one-hot has `vocab` entries per
token; these functions compute the same contractions from the ids: a row lookup (`F.embedding`), a
`gather` along the vocabulary, and an `index_add_` for the transposed contraction (the embedding's
gradient). A block of `size` ids starts at `offset` (this rank's first id, when the vocabulary is
split), and an id outside the block, or at or past `limit` (the padding of an uneven split), contributes
zeros, exactly as the one-hot row of zeros would.
"""
from typing import Tuple

import torch


def block_index(ids: torch.Tensor, offset: int, size: int, limit: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """`ids` (whole numbers, stored as floats or integers) as positions in the block [offset, offset + size), clamped
    into it, and where they really fall in it (and below `limit`).

    An id falls in the block when clamping its position into [0, bound) leaves it as it is, where bound is the
    block's size cut at `limit` (a clamp and a comparison, not four comparisons); a block wholly past `limit` holds
    none."""
    local = ids.long()
    if offset != 0:
        local = local - offset
    bound = min(size, limit - offset)
    if bound <= 0:
        return torch.zeros_like(local), torch.zeros_like(local, dtype=torch.bool)
    index = local.clamp(0, bound - 1)
    return index, index == local


def _trailing(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """`mask` with singleton dims appended up to `like`'s rank (a product with it promotes the bools to `like`'s
    dtype: no cast of its own)."""
    return mask.reshape(tuple(mask.shape) + (1,) * (like.dim() - mask.dim()))


def lookup(table: torch.Tensor, dim: int, ids: torch.Tensor, offset: int, limit: int) -> torch.Tensor:
    """`oneHot(ids) · table` over `table`'s dim `dim`: the rows `table[ids]` (zeros for ids outside the block), with
    `ids`' dims first, then `table`'s other dims in order."""
    index, valid = block_index(ids, offset, table.shape[dim], limit)
    rows = table.movedim(dim, 0)[index]
    return rows * _trailing(valid, rows)


def pick(x: torch.Tensor, dim: int, ids: torch.Tensor, offset: int, limit: int) -> torch.Tensor:
    """`oneHot(ids) ⊙ x` summed over `x`'s dim `dim`: x's entry at each id along `dim` (0 outside the block); `ids`
    has x's other dims, in x's order."""
    index, valid = block_index(ids, offset, x.shape[dim], limit)
    picked = torch.gather(x, dim, index.unsqueeze(dim)).squeeze(dim)
    return picked * valid


def scatter_add(x: torch.Tensor, ids: torch.Tensor, offset: int, size: int, limit: int) -> torch.Tensor:
    """`oneHot(ids)ᵀ · x` over `ids`' dims (x's leading dims, in the same order): `size` rows, row j the sum of the
    rows of x whose id is offset + j (as the embedding's gradient)."""
    index, valid = block_index(ids, offset, size, limit)
    lead = ids.dim()
    rows = (x * _trailing(valid, x)).reshape((-1,) + tuple(x.shape[lead:]))
    out = torch.zeros((size,) + tuple(x.shape[lead:]), dtype=x.dtype, device=x.device)
    return out.index_add_(0, index.reshape(-1), rows)


def scatter(values, dim: int, ids: torch.Tensor, offset: int, size: int, limit: int) -> torch.Tensor:
    """`oneHot(ids) ⊙ values` with `size` entries along the new dim `dim`: `values` (a tensor broadcasting to `ids`'
    shape) at each id's entry, zeros elsewhere and for ids outside the block; `ids` has the result's other dims in
    its order. The one-hot is not built."""
    index, valid = block_index(ids, offset, size, limit)
    written = valid * values
    shape = list(written.shape)
    shape.insert(dim, size)
    out = torch.zeros(shape, dtype=written.dtype, device=written.device)
    return out.scatter_(dim, index.unsqueeze(dim), written.unsqueeze(dim))


def scatter_into(x: torch.Tensor, dim: int, ids: torch.Tensor, values, offset: int, limit: int) -> torch.Tensor:
    """`x + oneHot(ids) ⊙ values` along `x`'s dim `dim` (x's block of the one-hot's dim starts at `offset`): `values`
    (a number, or a tensor broadcasting to `ids`' shape) added to x's entry at each id, other entries x's own; `ids`
    has x's other dims in x's order. An id outside the block adds 0 (as the one-hot's row of zeros), which leaves the
    entry as it is."""
    index, valid = block_index(ids, offset, x.shape[dim], limit)
    added = (valid * values).to(x.dtype)
    return x.scatter_add(dim, index.unsqueeze(dim), added.unsqueeze(dim))


def one_hot(ids: torch.Tensor, offset: int, size: int, limit: int, dtype: torch.dtype) -> torch.Tensor:
    """This rank's block of `oneHot(ids)`: `size` entries per id, entry j set where the id is offset + j (below
    `limit`), built from the ids (not sliced out of the whole one-hot)."""
    index, valid = block_index(ids, offset, size, limit)
    hits = (index[..., None] == torch.arange(size, device=ids.device)) & valid[..., None]
    return hits.to(dtype)
