"""meshtype_torch: the runtime of the modules that `meshtype build --target torch` generates.

A generated module defines one function per compiled program (the program of
one device: local shards in, local result out), calls the collectives of a
`MeshContext` (torch.distributed over one mesh axis at a time), and ends with
`main(PROGRAMS)`, which torchrun starts once per device.
"""
from .attention import attention
from .launch import main, run_program
from .lookup import lookup, one_hot, pick, scatter, scatter_add, scatter_into
from .mesh import MeshContext, MeshShape, mask_padding
from .seeded import block_offset, dropout, random_normal, random_uniform
from .shard import local_region

__all__ = ["MeshContext", "MeshShape", "attention", "block_offset", "dropout", "local_region", "lookup", "main", "mask_padding", "one_hot", "pick", "random_normal", "random_uniform", "run_program", "scatter", "scatter_add", "scatter_into"]
