// A small conv model's loss and gradients, bound data-parallel, split in height (halo exchanges) and both (autodiff tests).
import { conv2d, dims, layout, mean, mesh, program, relu, square, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 4, height: 8, width: 6, c_in: 2, c_hidden: 3, c_out: 2, kh: 3, kw: 3 });

/** Two 3x3 kernels: the first "same", the second "same" in height and "valid" in width. */
export interface ConvParams {
  readonly k1: Tensor<"kh kw c_in c_hidden">;
  readonly k2: Tensor<"kh kw c_hidden c_out">;
}

/** conv 3x3 -> relu -> conv 3x3 (valid in width) -> mean of squares. */
export function convLoss(p: ConvParams, x: Tensor<"batch height width c_in">): Tensor<""> {
  const h = relu(conv2d(x, p.k1, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_hidden" }));
  const y = conv2d(h, p.k2, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_hidden", out: "c_out", padding: { height: "same", width: "valid" } });
  return mean(square(y), "batch height width c_out");
}

/** The loss and its gradients. */
export function convStep(p: ConvParams, x: Tensor<"batch height width c_in">) {
  const { value, grad: grads } = valueAndGrad(convLoss)(p, x);
  return { loss: value, grad: grads };
}

const data = mesh({ data: 2 });
const space = mesh({ space: 2 });
const both = mesh({ data: 2, space: 2 });

export const convData2 = program(convStep, { mesh: data, layout: layout(data, D, "batch:data") });
export const convSpace2 = program(convStep, { mesh: space, layout: layout(space, D, "height:space") });
export const convBoth4 = program(convStep, { mesh: both, layout: layout(both, D, "batch:data, height:space") });
