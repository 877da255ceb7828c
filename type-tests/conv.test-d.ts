/**
 * Type tests of conv2d: each bad call is an error, its good twin type-checks
 * with the pinned result dims, and the message the editor shows (the
 * validator's result) is pinned.
 */
import { expectError, expectType } from "tsd";
import { conv2d, dims, zeros, type Conv2dDims, type Tensor, type ValidateConv2d } from "../dsl/index.ts";

const D = dims({ batch: 2, height: 8, width: 8, c_in: 3, c_out: 4, kh: 3, kw: 3, g: 2 });
const x = zeros(D, "batch height width c_in");
const kernel = zeros(D, "kh kw c_in c_out");
const roles = { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_out" } as const;
type Roles = typeof roles;

// the good call: x's dims with in replaced by out, in x's order; padding per dim or for both
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, roles));
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, { ...roles, padding: "valid" }));
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, { ...roles, padding: { height: "valid", width: "same" } }));
expectType<Tensor<"c_out height batch width">>(conv2d(zeros(D, "c_in height batch width"), kernel, roles));
expectType<"batch height width c_out">({} as Conv2dDims<"batch height width c_in", Roles>);
expectError(conv2d(x, kernel, { ...roles, padding: "full" }));

// height, width and in are dims of x
expectError(conv2d(x, kernel, { ...roles, height: "rows" }));
expectType<'conv2d: height "rows" is not a dim of Tensor<"batch height width c_in">. Name one of its dims, or fix the spelling.'>(
  {} as ValidateConv2d<Omit<Roles, "height"> & { height: "rows" }, "batch height width c_in", "kh kw c_in c_out">,
);
expectError(conv2d(zeros(D, "batch height c_in"), kernel, roles));
expectType<'conv2d: width "width" is not a dim of Tensor<"batch height c_in">. Name one of its dims, or fix the spelling.'>(
  {} as ValidateConv2d<Roles, "batch height c_in", "kh kw c_in c_out">,
);

// two roles cannot share a dim
expectError(conv2d(x, kernel, { ...roles, width: "height" }));
expectType<'conv2d: height and width are both "height". Give each role its own dim.'>(
  {} as ValidateConv2d<Omit<Roles, "width"> & { width: "height" }, "batch height width c_in", "kh kw c_in c_out">,
);

// the kernel has the window dims, in and out, and nothing else
expectError(conv2d(x, zeros(D, "kh c_in c_out"), roles));
expectType<'conv2d: kernelWidth "kw" is not a dim of Tensor<"kh c_in c_out">. Name one of its dims, or fix the spelling.'>(
  {} as ValidateConv2d<Roles, "batch height width c_in", "kh c_in c_out">,
);
expectError(conv2d(x, zeros(D, "kh kw c_in c_out g"), roles));
expectType<'conv2d: kernel Tensor<"kh kw c_in c_out g"> has dim "g", which is not kernelHeight, kernelWidth, in or out. A kernel has exactly those four dims.'>(
  {} as ValidateConv2d<Roles, "batch height width c_in", "kh kw c_in c_out g">,
);
expectError(conv2d(x, zeros(D, "kh kw c_out g"), roles));
expectType<'conv2d: in "c_in" is not a dim of Tensor<"kh kw c_out g">. Name one of its dims, or fix the spelling.'>(
  {} as ValidateConv2d<Roles, "batch height width c_in", "kh kw c_out g">,
);

// out is a new dim of the result
expectError(conv2d(x, zeros(D, "kh kw c_in batch"), { ...roles, out: "batch" }));
expectType<'conv2d: out "batch" is already a dim of Tensor<"batch height width c_in">. Give the output channels a name the input does not have.'>(
  {} as ValidateConv2d<Omit<Roles, "out"> & { out: "batch" }, "batch height width c_in", "kh kw c_in batch">,
);

// a tensor the types do not know is never an error
expectType<Tensor<string>>(conv2d(x as Tensor<string>, kernel, roles));

// strides: a number or one per spatial dim; options conv2d does not have are errors, with the message pinned
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, { ...roles, padding: "valid", stride: 3 }));
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, { ...roles, padding: "valid", stride: { height: 3, width: 3 } }));
// overlapping windows ("same" at stride 2, any window size): the same dims, fewer rows
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, { ...roles, stride: 2 }));
expectType<Tensor<"batch height width c_out">>(conv2d(x, kernel, { ...roles, padding: { height: "same", width: "valid" }, stride: { height: 2, width: 1 } }));
expectError(conv2d(x, kernel, { ...roles, stride: { height: 2 } }));
expectError(conv2d(x, kernel, { ...roles, strides: 3 }));
expectError(conv2d(x, kernel, { ...roles, stride: "3" }));
expectType<'conv2d: unknown option "strides". The options are height, width, kernelHeight, kernelWidth, in, out, padding and stride.'>(
  {} as ValidateConv2d<Roles & { strides: 3 }, "batch height width c_in", "kh kw c_in c_out">,
);
