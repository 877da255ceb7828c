/**
 * The torch test's programs for layouts over several axes and uneven splits,
 * on the 2x2 mesh of the single 4-process launch: fixtures (at odd sizes for
 * the uneven ones) under layouts that use every collective with its
 * { pad } / { size } options and the padding masks, and the GPT at vocab
 * 50257 of examples/uneven (forward and training step).
 */
import { walkOps } from "../../ir/opAttrs.ts";
import type { Program } from "../../ir/ir.ts";
import { collectiveUneven } from "../../ir/sharding.ts";
import { atOddSizes, paddingReaders } from "../multiAxisLayouts.ts";
import { convNet, embedding, heads, mlp, relayoutProgram } from "../programs.ts";
import { mesh2x2, type TorchPlan } from "./torchCases.ts";

/** The fixture plans: a batch over (data, model), conversions of a split over two axes, and uneven splits of five models. */
export function unevenPlans(): TorchPlan[] {
  return [
    { name: "mlp_batch_data_model_2x2", global: mlp.build(mesh2x2, "batch:(data, model)"), integers: {} },
    { name: "relayout_batch_model_data_2x2", global: relayoutProgram.build(mesh2x2, "batch:(model, data)"), integers: {} },
    { name: "relayout_odd_2x2", global: atOddSizes(relayoutProgram).build(mesh2x2, "batch:padded(data), d_model:padded(model)"), integers: {} },
    { name: "heads_odd_2x2", global: atOddSizes(heads).build(mesh2x2, "heads:padded(model, data)"), integers: {} },
    { name: "padding_readers_odd_2x2", global: atOddSizes(paddingReaders).build(mesh2x2, "batch:padded(model), d_in:padded(data)"), integers: {} },
    { name: "embedding_odd_2x2", global: atOddSizes(embedding).build(mesh2x2, "vocab:padded(model), d_model:padded(data)"), integers: { ids: 7 } },
    { name: "conv_odd_2x2", global: atOddSizes(convNet).build(mesh2x2, "height:padded(data), c_out:padded(model)"), integers: {} },
  ];
}

/** The uneven operations a lowered program uses: `allGather+size`, `reduceScatter+pad`, `allToAll+pad+size`, `localSlice+pad`, `maskPadding`. */
export function unevenOperations(program: Program): Set<string> {
  const used = new Set<string>();
  for (const op of walkOps(program.body)) {
    if (op.op === "maskPadding") used.add("maskPadding");
    const input = program.values.get(op.inputs[0] ?? -1);
    const output = program.values.get(op.output);
    if (!("axis" in op) || input === undefined || output === undefined) continue;
    const uneven = collectiveUneven(op, input, output, program.mesh);
    if (uneven.pad || uneven.size !== undefined) used.add(`${op.op}${uneven.pad ? "+pad" : ""}${uneven.size === undefined ? "" : "+size"}`);
  }
  return used;
}
