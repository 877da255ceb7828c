/**
 * Example: a GPT-2 style decoder (Radford et al. 2019) at test size, laid out
 * three ways.
 *
 *   data parallel   batch:data
 *   Megatron        heads:model, d_ff:model, vocab:model           (Shoeybi et al. 2019)
 *   2-D             batch:data, heads:model, d_ff:model, vocab:model
 *
 * `heads` and `d_ff` may share the `model` axis because no tensor has both
 * (attention and MLP weights are separate tensors). docs/communication.md
 * gives the bytes of each layout.
 *
 * To change the model size, edit `D` and `LAYERS`; keep `kv_seq` equal to
 * `seq`, `d_model` = `heads * d_head`, and every split size divisible by its
 * mesh axis (the editor flags a size that does not divide).
 */
import { add, dims, layout, mesh, program, type Tensor } from "meshtype";
import {
  embed,
  LAYER_NORM_EPSILON,
  layerNorm,
  transformerBlock,
  unembed,
  type EmbeddingParams,
  type LayerNormParams,
  type TransformerBlockParams,
  type UnembeddingParams,
} from "meshtype/stdlib";

/**
 * The dims of the model. `kv_seq` is a second name for the sequence: keys and
 * values are indexed by it, so that attention scores have both `seq` and `kv_seq`.
 */
export const D = dims({ batch: 4, seq: 8, kv_seq: 8, d_model: 16, heads: 4, d_head: 4, d_ff: 64, vocab: 32 });

/** Number of transformer blocks. */
export const LAYERS = 2;

/** Every parameter of the model; `layers` has `LAYERS` entries, all with the same dims. */
export interface GptParams {
  readonly embedding: EmbeddingParams;
  /** Learned position embeddings, added to the token embeddings. */
  readonly positions: Tensor<"seq d_model">;
  readonly layers: readonly TransformerBlockParams[];
  readonly finalNorm: LayerNormParams;
  readonly unembedding: UnembeddingParams;
}

/**
 * Token ids in, next-token logits out.
 *
 * The blocks are a `for` loop over `params.layers` rather than `LAYERS`
 * explicit calls: the compiler keeps a loop with a static trip count as one
 * loop (its body lowered once), so building stays fast as layers are added,
 * and the model reads the same at 2 layers or 48.
 */
export function gpt(ids: Tensor<"batch seq">, params: GptParams): Tensor<"batch seq vocab"> {
  let x = add(embed(D, ids, params.embedding), params.positions);
  for (let i = 0; i < LAYERS; i++) {
    x = transformerBlock(D, x, params.layers[i]);
  }
  return unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding);
}

/** Data parallelism over 4 devices: a batch row each, every weight replicated. */
export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const gptData = program(gpt, { mesh: dataMesh, layout: dataLayout });

/**
 * Megatron tensor parallelism over 4 devices: one head of each attention
 * layer, a quarter of each MLP's hidden units and a quarter of the vocabulary per device.
 */
export const modelMesh = mesh({ model: 4 });
export const megatronLayout = layout(modelMesh, D, "heads:model, d_ff:model, vocab:model");
export const gptMegatron = program(gpt, { mesh: modelMesh, layout: megatronLayout });

/** Data and tensor parallelism together on a 2 x 2 mesh. */
export const mesh2d = mesh({ data: 2, model: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, heads:model, d_ff:model, vocab:model");
export const gpt2d = program(gpt, { mesh: mesh2d, layout: layout2d });
