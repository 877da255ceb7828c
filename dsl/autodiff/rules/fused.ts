/**
 * Rules of the fused ops (dsl/ops/fused.ts). `normalize`'s cotangent is one
 * `normalizeGrad`, as GELU's is one `unaryGrad` (elementwise.ts). The backward
 * ops themselves (needed for a gradient of a gradient) are differentiated
 * through their formula written with the plain ops: `composedVjp` emits it,
 * then runs those ops' rules in reverse.
 */
import type { Emitter } from "../emitter.ts";
import type { Primitive, PrimitiveOf } from "../primitive.ts";
import { reshapeTo, wanted, type VjpRule, type VjpRuleTable } from "./rule.ts";

const geluScale = Math.sqrt(2 / Math.PI);
const geluCubic = 0.044715;

/** The derivative of GELU (tanh form) at x, from the plain ops (what `unaryGrad gelu` computes in one op). */
export function geluSlope<V>(emit: Emitter<V>, x: V): V {
  const squared = emit.unary("square", x);
  const cubed = emit.binary("mul", squared, x);
  const inner = emit.scalar("mul", emit.binary("add", x, emit.scalar("mul", cubed, geluCubic)), geluScale);
  const t = emit.unary("tanh", inner);
  const left = emit.scalar("mul", emit.scalar("add", t, 1), 0.5);
  const sech2 = emit.scalar("sub", emit.unary("square", t), 1, 0);
  const chain = emit.scalar("add", emit.scalar("mul", squared, 3 * geluCubic), 1);
  const right = emit.binary("mul", emit.scalar("mul", emit.binary("mul", x, sech2), 0.5 * geluScale), chain);
  return emit.binary("add", left, right);
}

/**
 * `normalizeGrad(x, g, dim, epsilon)` from the plain ops, in x's dims:
 * `rstd (g - mean(g) - xhat mean(g xhat))`, xhat = (x - mean(x)) rstd.
 * decompose (compiler/passes/decompose.ts) writes the same formula where the layout splits `dim`.
 */
export function normalizeGradFormula<V>(emit: Emitter<V>, x: V, g: V, dim: string, epsilon: number): V {
  const dims = [dim];
  const centered = emit.binary("sub", x, emit.reduce("mean", x, dims));
  const rstd = emit.unary("rsqrt", emit.scalar("add", emit.reduce("mean", emit.unary("square", centered), dims), epsilon));
  const normalized = emit.binary("mul", centered, rstd);
  const aligned = reshapeTo(emit, g, emit.dims(x));
  const gMean = emit.reduce("mean", aligned, dims);
  const gyMean = emit.reduce("mean", emit.binary("mul", aligned, normalized), dims);
  const inner = emit.binary("sub", emit.binary("sub", aligned, gMean), emit.binary("mul", normalized, gyMean));
  return emit.binary("mul", inner, rstd);
}

interface Recorded<V> {
  readonly primitive: Primitive;
  readonly inputs: readonly V[];
  readonly output: V;
}

/** `emit`, with each op a composed formula uses recorded on `tape` (others throw: a formula must stay within these). */
function recordingEmitter<V>(emit: Emitter<V>, tape: Recorded<V>[]): Emitter<V> {
  const note = (primitive: Primitive, inputs: readonly V[], output: V): V => {
    tape.push({ primitive, inputs, output });
    return output;
  };
  const unsupported = (name: string) => () => {
    throw new Error(`composedVjp: a composed formula used ${name}, which it does not record`);
  };
  return {
    ...emit,
    unary: (fn, x) => note({ op: "unary", fn }, [x], emit.unary(fn, x)),
    binary: (fn, a, b) => note({ op: "binary", fn }, [a, b], emit.binary(fn, a, b)),
    scalar: (fn, x, value, position = 1) => note({ op: "binary", fn, scalar: { value, position } }, [x], emit.scalar(fn, x, value, position)),
    reduce: (fn, x, dims) => note({ op: "reduce", fn, dims }, [x], emit.reduce(fn, x, dims)),
    einsum: (inputs, out) => note({ op: "einsum" }, inputs, emit.einsum(inputs, out)),
    where: unsupported("where"),
    conv2d: unsupported("conv2d"),
    dropout: unsupported("dropout"),
    transpose: unsupported("transpose"),
    normalize: unsupported("normalize"),
    normalizeGrad: unsupported("normalizeGrad"),
    unaryGrad: unsupported("unaryGrad"),
  };
}

/**
 * The cotangents of `inputs` for the value `formula` computes from them (a fused op written with the plain ops),
 * given the cotangent of that value: the formula is emitted, then the plain ops' rules run in reverse over it.
 */
export function composedVjp<V>(
  rules: VjpRuleTable, emit: Emitter<V>, inputs: readonly V[], cotangent: V, wants: readonly boolean[], formula: (emit: Emitter<V>, inputs: readonly V[]) => V,
): (V | undefined)[] {
  // a value passed as two inputs gets a copy for the second, so that each input's cotangent is its own
  const distinct = inputs.map((input, index) => (inputs.indexOf(input) < index ? emit.scalar("mul", input, 1) : input));
  const tape: Recorded<V>[] = [];
  const output = formula(recordingEmitter(emit, tape), distinct);
  const cotangents = new Map<V, V>([[output, cotangent]]);
  for (let index = tape.length - 1; index >= 0; index--) {
    const entry = tape[index];
    const own = cotangents.get(entry.output);
    if (own === undefined) continue;
    const rule = rules[entry.primitive.op] as VjpRule<Primitive>;
    const results = rule({ emit, primitive: entry.primitive, inputs: entry.inputs, output: entry.output, cotangent: own, wants: entry.inputs.map(() => true) });
    results.forEach((result, position) => {
      if (result === undefined) return;
      const input = entry.inputs[position];
      const before = cotangents.get(input);
      cotangents.set(input, before === undefined ? result : emit.binary("add", before, result));
    });
  }
  return distinct.map((input, index) => (wants[index] ? cotangents.get(input) : undefined));
}

/** `y = normalize(x, d, epsilon)`: one `normalizeGrad(x, g)`. */
export const normalizeRule: VjpRule<PrimitiveOf<"normalize">> = ({ emit, primitive, inputs, cotangent, wants }) =>
  wanted(wants, [() => emit.normalizeGrad(inputs[0], cotangent, primitive.dim, primitive.epsilon)]);

/** `dx = normalizeGrad(x, g)`, differentiated through its formula (`rules`: the whole table, for the plain ops). */
export function normalizeGradRule(rules: () => VjpRuleTable): VjpRule<PrimitiveOf<"normalizeGrad">> {
  return ({ emit, primitive, inputs, cotangent, wants }) =>
    composedVjp(rules(), emit, inputs, cotangent, wants, (inner, [x, g]) => normalizeGradFormula(inner, x, g, primitive.dim, primitive.epsilon));
}

/** `dx = unaryGrad(fn, x, g) = g * fn'(x)`, differentiated through `fn'` written with the plain ops. */
export function unaryGradRule(rules: () => VjpRuleTable): VjpRule<PrimitiveOf<"unaryGrad">> {
  return ({ emit, inputs, cotangent, wants }) =>
    composedVjp(rules(), emit, inputs, cotangent, wants, (inner, [x, g]) => inner.binary("mul", geluSlope(inner, x), reshapeTo(inner, g, inner.dims(x))));
}
