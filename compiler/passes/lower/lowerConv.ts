/**
 * Lowering of conv2d (GSPMD's spatial partitioning, which Mesh-TensorFlow
 * lacked). The strategy comes from assignShardings (opRules.ts: planned like
 * an einsum of x and the kernel; a batch or out-channel split stays local; an
 * in-channel split leaves the result partial(sum); the window dims, and a
 * spatial dim with "valid" padding, are gathered first). A spatial dim
 * (height or width) that stays split over an axis needs (window - 1) / 2
 * rows of each neighbour's block: a `haloExchange` (two collectivePermutes)
 * puts them around the local block, and the local conv2d runs "valid" along
 * that dim, so every device computes exactly its block of the unsplit
 * convolution. At the ends of the axis the received zeros are the zero
 * padding. With both spatial dims split (over two axes), the second exchange
 * sends slices of the first one's result, so the corners come along.
 */
import { convSpatial } from "../../../dsl/ops/shapeRulesConv.ts";
import { CompileError, diagnostic } from "../../diagnostics/diagnostic.ts";
import { loweringMessages } from "../../diagnostics/loweringMessages.ts";
import type { Sharding } from "../../ir/ir.ts";
import type { OpOf } from "../../ir/opAttrs.ts";
import { formatLoc } from "../../ir/printer.ts";
import type { OpStrategy } from "../../ir/shardingAssignment.ts";
import type { ConvMaterializer } from "./lower.ts";

/** Lower one conv2d op (see the module comment). Throws MT3002 when a halo is larger than a device's block. */
export function lowerConv(lowering: ConvMaterializer, op: OpOf<"conv2d">, strategy: OpStrategy): void {
  const { rewriter, mesh } = lowering;
  const spatial = convSpatial(op);
  let [x, kernel] = op.inputs.map((input, index) => lowering.read(input, strategy.operands[index], op.loc));
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
    const output = lowering.newValue(x, value.hint === undefined ? undefined : `${value.hint}.halo`, after);
    rewriter.emit({ op: "haloExchange", axis: axis.name, dim: pair.dim, halo: rows, inputs: [x], output, loc: op.loc });
    x = output;
    halo.push(pair.dim);
  }
  lowering.define(op.output, strategy.output);
  rewriter.emit({ ...op, ...(halo.length > 0 ? { halo } : {}), inputs: lowering.masked(op, [x, kernel]) });
  lowering.settle(op.output, op.loc);
}
