// Strided and even-window conv2d in compiled programs (compiler/frontend/stridedConv.test.ts): a 3x3 window
// at stride 2 ("same", overlapping windows), a 2x2 window at stride 1 ("same": the odd padding row after) and
// a 2x2 window at stride 4 ("valid": two rows skipped between windows), a forward pass and a training step, under layouts that
// split the batch, the channels and the image rows and columns.
import { conv2d, dims, einsum, layout, mean, mesh, program, relu, square, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 4, height: 8, width: 8, c_in: 2, kh: 3, kw: 3, c_mid: 4, ph: 2, pw: 2, c_out: 4 });

/** The kernels. */
export interface ConvParams {
  readonly down: Tensor<"kh kw c_in c_mid">;
  readonly even: Tensor<"ph pw c_mid c_out">;
  readonly skip: Tensor<"ph pw c_in c_out">;
}

/** 8 x 8 -> 4 x 4 (stride 2, "same") -> 4 x 4 (2 x 2, "same"), plus 8 x 8 -> 2 x 2 (2 x 2 at stride 4, "valid") summed over its rows. */
export function net(x: Tensor<"batch height width c_in">, p: ConvParams) {
  const down = relu(conv2d(x, p.down, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_mid", stride: 2 }));
  const even = conv2d(down, p.even, { height: "height", width: "width", kernelHeight: "ph", kernelWidth: "pw", in: "c_mid", out: "c_out" });
  const skip = conv2d(x, p.skip, { height: "height", width: "width", kernelHeight: "ph", kernelWidth: "pw", in: "c_in", out: "c_out", padding: "valid", stride: 4 });
  return { even, skip: einsum(skip, "batch c_out") };
}

function loss(p: ConvParams, x: Tensor<"batch height width c_in">): Tensor<""> {
  const out = net(x, p);
  return mean(square(out.even), "batch height width c_out");
}

/** The loss and the kernels' gradients. */
export function trainStep(p: ConvParams, x: Tensor<"batch height width c_in">) {
  const { value, grad } = valueAndGrad(loss)(p, x);
  return { loss: value, grad };
}

const Line = mesh({ data: 4 });
const Grid = mesh({ data: 2, model: 2 });

export const convData = program(net, { mesh: Line, layout: layout(Line, D, "batch:data") });
export const convRows = program(net, { mesh: Grid, layout: layout(Grid, D, "width:data, height:model") });
export const convChannels = program(net, { mesh: Grid, layout: layout(Grid, D, "batch:data, c_mid:model") });
export const convTrainRows = program(trainStep, { mesh: Grid, layout: layout(Grid, D, "batch:data, height:model") });
