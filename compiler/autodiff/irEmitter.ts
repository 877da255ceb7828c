/**
 * The emitter of the compiler's autodiff: each DSL op of a VJP rule becomes
 * a global IR op added with the ProgramBuilder, at the location (and with a
 * name derived from) the forward op whose rule is running. `lower` then
 * lowers these ops like any other, so a gradient's layout follows from its
 * primal's by the normal rules (the cotangent of a broadcast over a split dim
 * is a partial sum, reduced where the layout asks for it).
 */
import type { Emitter } from "../../dsl/autodiff/emitter.ts";
import type { BinaryFn, PrimitiveOf, ReduceFn, UnaryFn, UnaryGradFn } from "../../dsl/autodiff/primitive.ts";
import type { Conv2dSpec } from "../../dsl/ops/shapeRulesConv.ts";
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { Dim } from "../../dsl/tensor.ts";
import type { OpOptions, ProgramBuilder } from "../ir/builder.ts";
import type { SourceLoc, ValueId } from "../ir/ir.ts";
import type { OpAttrs } from "../ir/opAttrs.ts";

/** Adds the ops of VJP rules to a program being built, each marked `phase: "backward"`. */
export class IrEmitter implements Emitter<ValueId> {
  /** Where the ops added next come from (the forward op being differentiated). */
  loc: SourceLoc;
  /** The name given to the values added next, if any. */
  hint: string | undefined;
  /**
   * Maps each input to the value that stands for it where the ops go: inside a reverse loop,
   * a forward value of the loop body becomes its saved or recomputed copy (forwardScope.ts).
   */
  resolve: (value: ValueId) => ValueId = (value) => value;

  constructor(private readonly builder: ProgramBuilder, loc: SourceLoc) {
    this.loc = loc;
  }

  private add(attrs: OpAttrs, inputs: readonly ValueId[], extras: Omit<OpOptions, "loc" | "hint"> = {}): ValueId {
    return this.builder.add(attrs, inputs.map((input) => this.resolve(input)), { ...extras, loc: this.loc, hint: this.hint, phase: "backward" });
  }

  dims(value: ValueId): readonly Dim[] {
    return this.builder.dimsOf(value);
  }

  full(dims: readonly Dim[], value: number): ValueId {
    return this.add({ op: "full", value }, [], { dims });
  }

  unary(fn: UnaryFn, x: ValueId): ValueId {
    return this.add({ op: "unary", fn }, [x]);
  }

  binary(fn: BinaryFn, a: ValueId, b: ValueId): ValueId {
    return this.add({ op: "binary", fn }, [a, b]);
  }

  scalar(fn: BinaryFn, x: ValueId, value: number, position: 0 | 1 = 1): ValueId {
    return this.add({ op: "binary", fn, scalar: { value, position } }, [x]);
  }

  where(cond: ValueId, a: ValueId, b: ValueId): ValueId {
    return this.add({ op: "where" }, [cond, a, b]);
  }

  einsum(inputs: readonly ValueId[], out: readonly string[]): ValueId {
    return this.add({ op: "einsum" }, inputs, { out });
  }

  reduce(fn: ReduceFn, x: ValueId, dims: readonly string[]): ValueId {
    return this.add({ op: "reduce", fn, dims }, [x]);
  }

  normalize(x: ValueId, dim: string, epsilon: number): ValueId {
    return this.add({ op: "normalize", dim, epsilon }, [x]);
  }

  normalizeGrad(x: ValueId, g: ValueId, dim: string, epsilon: number): ValueId {
    return this.add({ op: "normalizeGrad", dim, epsilon }, [x, g]);
  }

  unaryGrad(fn: UnaryGradFn, x: ValueId, g: ValueId): ValueId {
    return this.add({ op: "unaryGrad", fn }, [x, g]);
  }

  conv2d(x: ValueId, kernel: ValueId, spec: Conv2dSpec): ValueId {
    return this.add({ op: "conv2d", ...spec }, [x, kernel]);
  }

  rename(x: ValueId, from: string, to: string): ValueId {
    return this.add({ op: "rename", from, to }, [x]);
  }

  transpose(x: ValueId, out: readonly string[]): ValueId {
    return this.add({ op: "transpose" }, [x], { out });
  }

  splitDim(x: ValueId, dim: string, into: readonly Dim[]): ValueId {
    return this.add({ op: "splitDim", dim, into }, [x]);
  }

  mergeDims(x: ValueId, dims: readonly string[], into: string): ValueId {
    return this.add({ op: "mergeDims", dims, into }, [x]);
  }

  slice(x: ValueId, dim: string, start: number, stop: number): ValueId {
    return this.add({ op: "slice", dim, start, stop }, [x]);
  }

  concat(inputs: readonly ValueId[], dim: string): ValueId {
    return this.add({ op: "concat", dim }, inputs);
  }

  oneHot(ids: ValueId, dim: Dim): ValueId {
    return this.add({ op: "oneHot", dim }, [ids]);
  }

  relayout(x: ValueId, rules: readonly LayoutRule[]): ValueId {
    return this.add({ op: "relayout", rules }, [x]);
  }

  /** A relayout with no rules and `like` as its second input: lowering gives x the state of `like`. */
  relayoutLike(x: ValueId, like: ValueId): ValueId {
    return this.add({ op: "relayout", rules: [] }, [x, like]);
  }

  dropout(x: ValueId, primitive: PrimitiveOf<"dropout">, step: ValueId | undefined): ValueId {
    const { rate, seed, name } = primitive;
    return this.add({ op: "dropout", rate, seed, name }, step === undefined ? [x] : [x, step]);
  }
}
