/**
 * Example: a small CNN, split over a mesh by batch, in space, or both.
 *
 * Two 3x3 conv layers with relu, a global mean over space (no pooling layers)
 * and a dense classifier. Mesh-TensorFlow could not split a convolution in
 * space; like GSPMD, meshtype can: each device holds a band of rows, and
 * before each conv it swaps one row (the halo) with each neighbour.
 *
 *   data parallel   batch:data                   no communication in the forward pass
 *   spatial         height:space                 a halo exchange before each conv, one all-reduce of batch x classes
 *   2-D             batch:data, height:space     the same on a batch shard
 *
 * docs/communication.md (CNN section) gives the bytes of each.
 */
import { dims, layout, mean, mesh, program, relu, type Tensor } from "meshtype";
import { convLayer, dense, type ConvParams, type DenseParams } from "meshtype/stdlib";

/** The dims of the model. Small sizes, so that it runs eagerly in tests; every split size divides. */
export const D = dims({ batch: 4, height: 8, width: 8, c_in: 2, c_hidden: 4, c_out: 4, kh: 3, kw: 3, classes: 3 });

/** The parameters of `cnnModel`. */
export interface CnnParams {
  readonly conv1: ConvParams<"kh kw c_in c_hidden", "c_hidden">;
  readonly conv2: ConvParams<"kh kw c_hidden c_out", "c_out">;
  readonly head: DenseParams<"c_out", "classes">;
}

/**
 * conv -> relu -> conv -> relu -> mean over height and width -> dense. With
 * `height` split, each conv gets a halo exchange and the mean leaves a partial
 * sum, all-reduced after the classifier's einsum (on batch x classes).
 */
export function cnnModel(x: Tensor<"batch height width c_in">, params: CnnParams): Tensor<"batch classes"> {
  const h1 = relu(convLayer(x, params.conv1, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_hidden" }));
  const h2 = relu(convLayer(h1, params.conv2, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_hidden", out: "c_out" }));
  const pooled = mean(h2, "height width");
  return dense(pooled, params.head);
}

/** Data parallelism: each of 4 devices takes one image and a full copy of the weights. */
export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const cnnData = program(cnnModel, { mesh: dataMesh, layout: dataLayout });

/** Spatial partitioning: each of 4 devices holds 2 of the 8 rows of every image. */
export const spaceMesh = mesh({ space: 4 });
export const spatialLayout = layout(spaceMesh, D, "height:space");
export const cnnSpatial = program(cnnModel, { mesh: spaceMesh, layout: spatialLayout });

/** Both on a 2 x 2 mesh: the batch over `data`, the rows over `space`. */
export const mesh2d = mesh({ data: 2, space: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, height:space");
export const cnn2d = program(cnnModel, { mesh: mesh2d, layout: layout2d });
