/**
 * Example: a transformer MLP block, three ways over a mesh.
 *
 * This is the smallest complete meshtype model: declare the dims, write the
 * model over named dims, declare meshes and layouts, and bind them with
 * `program(...)`. `meshtype build examples/mlp/mlp.ts` compiles each exported
 * program into one device program per mesh with its collectives; calling a
 * program runs the model eagerly on one device (the reference result).
 *
 *   data parallel   batch:data                 no communication in the forward pass
 *   Megatron        d_ff:model                 one all-reduce of batch x seq x d_model
 *   2-D             batch:data, d_ff:model     the same all-reduce, on a batch shard
 *
 * docs/communication.md gives the bytes of each.
 */
import { dims, gelu, layout, mesh, program, type Tensor } from "meshtype";
import { dense, type MlpParams } from "meshtype/stdlib";

/** The dims of the model. Small sizes, so that it runs eagerly in tests; every split size divides. */
export const D = dims({ batch: 8, seq: 4, d_model: 16, d_ff: 64 });

/**
 * `down(gelu(up(x)))`: the GPT-2 feed-forward block. The first dense layer
 * widens `d_model` to `d_ff`; the second contracts `d_ff` back. When `d_ff`
 * is split over a mesh axis, the second einsum leaves a partial sum there,
 * which the compiler all-reduces before adding the bias.
 */
export function mlpModel(x: Tensor<"batch seq d_model">, params: MlpParams): Tensor<"batch seq d_model"> {
  const hidden = gelu(dense(x, params.up));
  return dense(hidden, params.down);
}

/** Data parallelism: each of 4 devices takes 2 of the 8 batch rows and a full copy of the weights. */
export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const mlpData = program(mlpModel, { mesh: dataMesh, layout: dataLayout });

/**
 * Megatron tensor parallelism (Shoeybi et al. 2019): the hidden layer is split
 * over 4 devices, each holding a quarter of `up`'s columns and `down`'s rows.
 */
export const modelMesh = mesh({ model: 4 });
export const megatronLayout = layout(modelMesh, D, "d_ff:model");
export const mlpMegatron = program(mlpModel, { mesh: modelMesh, layout: megatronLayout });

/** Both at once on a 2 x 2 mesh: the batch over `data`, the hidden layer over `model`. */
export const mesh2d = mesh({ data: 2, model: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, d_ff:model");
export const mlp2d = program(mlpModel, { mesh: mesh2d, layout: layout2d });
