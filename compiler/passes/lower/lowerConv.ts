/**
 * Lowering of conv2d (GSPMD's spatial partitioning, which Mesh-TensorFlow
 * lacked). Per mesh axis the op is planned like an einsum of x and the kernel
 * (axisPlan.ts): a batch or out-channel split stays local; an in-channel
 * split leaves the result partial(sum); the window dims, and a spatial dim
 * with "valid" padding, are gathered first. A spatial dim (height or width)
 * that stays split over an axis needs (window - 1) / 2 rows of each
 * neighbour's block: a `haloExchange` (two collectivePermutes) puts them
 * around the local block, and the local conv2d runs "valid" along that dim,
 * so every device computes exactly its block of the unsplit convolution. At
 * the ends of the axis the received zeros are the zero padding. With both
 * spatial dims split (over two axes), the second exchange sends slices of the
 * first one's result, so the corners come along.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { convSpatial } from "../../../dsl/ops/shapeRulesConv.ts";
import { CompileError, diagnostic } from "../../diagnostics/diagnostic.ts";
import { loweringMessages } from "../../diagnostics/loweringMessages.ts";
import type { Op, Sharding, SourceLoc, ValueId } from "../../ir/ir.ts";
import type { OpOf } from "../../ir/opAttrs.ts";
import { formatLoc } from "../../ir/printer.ts";
import type { ProgramRewriter } from "../../ir/rewriter.ts";
import { localDimsOf } from "../../ir/sharding.ts";
import { keepWhenOnePartialSum, planOperands } from "./axisPlan.ts";

/** What the conv lowering needs from the lowerer (lower.ts). */
export interface ConvLowering {
  readonly rewriter: ProgramRewriter;
  readonly mesh: readonly MeshAxis[];
  use(id: ValueId): ValueId;
  target(id: ValueId): Sharding;
  sharding(id: ValueId): Sharding;
  convert(id: ValueId, to: Sharding, loc: SourceLoc): ValueId;
  define(id: ValueId, sharding: Sharding): void;
  followTarget(id: ValueId, loc: SourceLoc): void;
  ambiguous(op: Op, inputs: readonly ValueId[], found: { axis: string; dims: readonly string[] }): never;
}

/** Lower one conv2d op (see the module comment). Throws MT3002 when a halo is larger than a device's block. */
export function lowerConv(lowering: ConvLowering, op: OpOf<"conv2d">): void {
  const { rewriter, mesh } = lowering;
  const inputs = op.inputs.map((input) => lowering.use(input));
  const spatial = convSpatial(op);
  const excluded = new Set([op.kernelHeight, op.kernelWidth, ...spatial.filter((pair) => pair.padding === "valid").map((pair) => pair.dim)]);
  const operands = inputs.map((input) => ({ dims: rewriter.value(input).dims.map((dim) => dim.name), sharding: lowering.sharding(input) }));
  const outDims = rewriter.value(op.output).dims.map((dim) => dim.name);
  const plan = planOperands({ operands, outDims, outTarget: lowering.target(op.output), mesh, excluded, keepPartial: keepWhenOnePartialSum });
  if ("ambiguous" in plan) lowering.ambiguous(op, inputs, plan.ambiguous);
  let [x, kernel] = inputs.map((input, index) => lowering.convert(input, plan.operands[index], op.loc));
  const halo: string[] = [];
  for (const axis of mesh) {
    const state = lowering.sharding(x)[axis.name];
    const pair = state.kind === "split" ? spatial.find((entry) => entry.dim === state.dim) : undefined;
    if (!pair) continue;
    const value = rewriter.value(x);
    const window = rewriter.value(kernel).dims.find((dim) => dim.name === pair.window)?.size ?? 1;
    const rows = (window - 1) / 2;
    if (rows === 0) continue;
    const size = value.dims.find((dim) => dim.name === pair.dim)?.size ?? 0;
    const block = size / axis.size;
    if (rows > block) {
      const args = { op: `conv2d at ${formatLoc(op.loc)}`, dim: pair.dim, axis: axis.name, axisSize: axis.size, rows, window: pair.window, windowSize: window, block, size };
      throw new CompileError([diagnostic(loweringMessages.haloTooLarge, args, op.loc)]);
    }
    const after: Sharding = { ...lowering.sharding(x), [axis.name]: { kind: "split", dim: pair.dim, halo: rows } };
    const output = rewriter.newValue(value.dims, value.hint === undefined ? undefined : `${value.hint}.halo`, after, localDimsOf(value.dims, after, mesh));
    rewriter.emit({ op: "haloExchange", axis: axis.name, dim: pair.dim, halo: rows, inputs: [x], output, loc: op.loc });
    x = output;
    halo.push(pair.dim);
  }
  lowering.define(op.output, plan.output);
  rewriter.emit({ ...op, ...(halo.length > 0 ? { halo } : {}), inputs: [x, kernel] });
  lowering.followTarget(op.output, op.loc);
}
