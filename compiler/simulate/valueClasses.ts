/**
 * What each value of a lowered program is, for the memory breakdown:
 *
 * - parameters: params a gradient is taken with respect to (`Program.gradients`);
 *   in a program without gradients every param is an input;
 * - optimizer state: the other params of a training step that the model does
 *   not read (AdamW's moments and step);
 * - gradients: the gradient values autodiff recorded, and their reductions;
 * - saved activations: values the forward makes (ops marked `phase:
 *   "forward"`, or collectives of them) that a backward op reads;
 * - inputs: the other params (token ids, targets, a forward program's tensors);
 * - temporaries: everything else.
 *
 * An update that overwrites a parameter or optimizer state in place (an op
 * whose output has the same size as such an input read for the last time)
 * keeps the input's class, so a step's new weights count as parameters.
 *
 * Element sizes: fp32 programs hold 4 bytes per element. bf16 programs hold
 * activations and temporaries in bf16 (2 bytes) and parameters, optimizer
 * state and gradients in fp32 (4 bytes: fp32 master weights and moments, and
 * gradients accumulated and reduced in fp32, as Megatron-LM does for bf16).
 */
import { dtypeBytes, type Dtype } from "../../dsl/dtype.ts";
import type { Op, Program, ValueId } from "../ir/ir.ts";
import { IdTable, isCommunication, type ProgramFacts } from "../cost/kernels.ts";
import { elementsOf } from "../cost/opWork.ts";

/** The classes of the memory breakdown. */
export const valueClasses = ["parameters", "gradients", "optimizerState", "savedActivations", "inputs", "temporaries"] as const;

/** One class of the memory breakdown. */
export type ValueClass = (typeof valueClasses)[number];

/** Bytes per element of a value of `valueClass` in a program of `dtype` (see the module comment). */
export function classElementBytes(valueClass: ValueClass, dtype: Dtype): number {
  if (dtype === "fp32") return dtypeBytes.fp32;
  return valueClass === "parameters" || valueClass === "optimizerState" || valueClass === "gradients" ? dtypeBytes.fp32 : dtypeBytes[dtype];
}

/** The class of every value of `program` (lowered). */
export function classifyValues(program: Program, facts: ProgramFacts): IdTable<ValueClass> {
  const classes = new IdTable<ValueClass>();
  const ops = facts.ops;
  const pairs = program.gradients ?? [];
  const training = pairs.length > 0;
  const wrt = new Set(pairs.map((pair) => pair.wrt));
  const readByModel = new IdTable<true>();
  for (const op of ops) if (op.phase !== undefined) for (const input of op.inputs) readByModel.set(facts.source(input), true);
  for (const op of ops) {
    if (op.op !== "param") continue;
    const id = op.output;
    classes.set(id, !training ? "inputs" : wrt.has(id) ? "parameters" : readByModel.get(id) ? "inputs" : "optimizerState");
  }
  // Gradients, and what collectives and views make of them.
  const gradientStack = pairs.map((pair) => pair.gradient);
  const seen = new IdTable<true>();
  while (gradientStack.length > 0) {
    const id = gradientStack.pop() as ValueId;
    if (seen.get(id)) continue;
    seen.set(id, true);
    if (!hasClass(classes, id)) classes.set(id, "gradients");
    for (const reader of facts.readers.get(id) ?? []) {
      if (reader !== null && (isCommunication(reader) || facts.isView(reader))) gradientStack.push(reader.output);
    }
  }
  // Saved activations: read by the backward, made by the forward (through collectives and views).
  const madeByForward = (id: ValueId): boolean => {
    for (let op: Op | undefined = facts.producer.get(id); op; op = facts.producer.get(op.inputs[0])) {
      if (op.phase === "forward") return true;
      if (op.phase !== undefined || !(isCommunication(op) || facts.isView(op))) return false;
    }
    return false;
  };
  for (const op of ops) {
    if (op.phase !== "backward") continue;
    for (const input of op.inputs) {
      // A value the forward loop yields is read back by the reverse loop through its items.
      const read = facts.source(input);
      const id = facts.yieldOrigin.get(read) ?? read;
      if (!hasClass(classes, id) && madeByForward(facts.source(id))) classes.set(id, "savedActivations");
    }
  }
  // In-place updates keep the class of what they overwrite.
  const lastReader = new IdTable<number>();
  ops.forEach((op, index) => op.inputs.forEach((input) => lastReader.set(facts.source(input), index)));
  ops.forEach((op, index) => {
    if (hasClass(classes, op.output) || facts.isView(op)) return;
    const size = elementsOf(facts.localDims(op.output));
    for (const input of op.inputs) {
      const id = facts.source(input);
      const inherited = classes.get(id);
      if ((inherited === "parameters" || inherited === "optimizerState") && lastReader.get(id) === index && elementsOf(facts.localDims(id)) === size) {
        classes.set(op.output, inherited);
        return;
      }
    }
  });
  return classes;
}

function hasClass(classes: IdTable<ValueClass>, id: ValueId): boolean {
  return classes.get(id) !== undefined;
}

/** The class of `id` (temporaries when unclassified). */
export function classOf(classes: { get(id: ValueId): ValueClass | undefined }, id: ValueId): ValueClass {
  return classes.get(id) ?? "temporaries";
}
