/**
 * Rules of the element-wise ops: unary functions, binary functions (a number
 * operand, or two tensors broadcast by name: a broadcast input's cotangent is
 * summed over the dims it lacks) and `where`. Comparisons have no gradient.
 * At a tie, maximum and minimum give the whole cotangent to their first operand.
 * floor and round have none (zero almost everywhere, as JAX gives).
 */
import type { Emitter } from "../emitter.ts";
import type { PrimitiveOf, UnaryFn } from "../primitive.ts";
import { contractTo, reshapeTo, wanted, type VjpRule } from "./rule.ts";

/** The cotangent of x for `y = fn(x)` given the output cotangent g; undefined (zero) for floor and round, which are flat almost everywhere. */
function unaryCotangent<V>(emit: Emitter<V>, fn: UnaryFn, x: V, y: V, g: V): V | undefined {
  switch (fn) {
    case "relu":
      return emit.binary("mul", g, emit.scalar("greater", x, 0));
    case "gelu":
      return emit.unaryGrad("gelu", x, g);
    case "sigmoid":
      return emit.binary("mul", g, emit.binary("mul", y, emit.scalar("sub", y, 1, 0)));
    case "exp":
      return emit.binary("mul", g, y);
    case "log":
      return emit.binary("div", g, x);
    case "tanh":
      return emit.binary("mul", g, emit.scalar("sub", emit.unary("square", y), 1, 0));
    case "sqrt":
      return emit.binary("div", emit.scalar("mul", g, 0.5), y);
    case "rsqrt":
      return emit.binary("mul", g, emit.scalar("mul", emit.binary("mul", emit.unary("square", y), y), -0.5));
    case "neg":
      return emit.unary("neg", g);
    case "abs":
      return emit.binary("mul", g, emit.binary("sub", emit.scalar("greater", x, 0), emit.scalar("less", x, 0)));
    case "square":
      return emit.binary("mul", g, emit.scalar("mul", x, 2));
    case "reciprocal":
      return emit.binary("mul", g, emit.unary("neg", emit.unary("square", y)));
    case "sin":
      return emit.binary("mul", g, emit.unary("cos", x));
    case "cos":
      return emit.binary("mul", g, emit.unary("neg", emit.unary("sin", x)));
    case "floor":
    case "round":
      return undefined;
  }
}

/** `y = fn(x)`. */
export const unaryRule: VjpRule<PrimitiveOf<"unary">> = ({ emit, primitive, inputs, output, cotangent, wants }) =>
  wanted(wants, [() => unaryCotangent(emit, primitive.fn, inputs[0], output, cotangent)]);

/** The cotangent of x for `y = fn(x, c)` (position 1) or `y = fn(c, x)` (position 0). */
function scalarCotangent<V>(emit: Emitter<V>, primitive: PrimitiveOf<"binary">, x: V, y: V, g: V): V | undefined {
  const { value: c, position } = primitive.scalar ?? { value: 0, position: 1 };
  const first = position === 1;
  switch (primitive.fn) {
    case "add":
      return g;
    case "sub":
      return first ? g : emit.unary("neg", g);
    case "mul":
      return emit.scalar("mul", g, c);
    case "div":
      return first ? emit.scalar("div", g, c) : emit.binary("mul", g, emit.unary("neg", emit.binary("div", y, x)));
    case "maximum":
      return emit.binary("mul", g, emit.scalar(first ? "greaterEqual" : "greater", x, c));
    case "minimum":
      return emit.binary("mul", g, emit.scalar(first ? "lessEqual" : "less", x, c));
    case "pow":
      return first ? emit.binary("mul", g, emit.scalar("mul", emit.scalar("pow", x, c - 1), c)) : emit.binary("mul", g, emit.scalar("mul", y, Math.log(c)));
    default:
      return undefined;
  }
}

/** The cotangents of a and b for `y = fn(a, b)` (tensors broadcast by name; g has y's dims). */
function pairCotangents<V>(emit: Emitter<V>, primitive: PrimitiveOf<"binary">, a: V, b: V, y: V, g: V, wants: readonly boolean[]): (V | undefined)[] {
  const [dimsA, dimsB] = [emit.dims(a), emit.dims(b)];
  const toA = (value: () => V) => () => reshapeTo(emit, value(), dimsA);
  const toB = (value: () => V) => () => reshapeTo(emit, value(), dimsB);
  switch (primitive.fn) {
    case "add":
      return wanted(wants, [toA(() => g), toB(() => g)]);
    case "sub":
      return wanted(wants, [toA(() => g), () => emit.unary("neg", reshapeTo(emit, g, dimsB))]);
    case "mul":
      return wanted(wants, [() => contractTo(emit, g, b, dimsA), () => contractTo(emit, g, a, dimsB)]);
    case "div":
      return wanted(wants, [toA(() => emit.binary("div", g, b)), () => emit.unary("neg", reshapeTo(emit, emit.binary("div", emit.binary("mul", g, y), b), dimsB))]);
    case "maximum":
    case "minimum": {
      const mask = emit.binary(primitive.fn === "maximum" ? "greaterEqual" : "lessEqual", a, b);
      const zero = emit.full([], 0);
      return wanted(wants, [toA(() => emit.where(mask, g, zero)), toB(() => emit.where(mask, zero, g))]);
    }
    case "pow":
      return wanted(wants, [
        toA(() => emit.binary("mul", g, emit.binary("mul", b, emit.binary("pow", a, emit.scalar("sub", b, 1))))),
        toB(() => emit.binary("mul", g, emit.binary("mul", y, emit.unary("log", a)))),
      ]);
    default:
      return [undefined, undefined];
  }
}

/** `y = fn(a, b)`, or `fn(x, c)` / `fn(c, x)` with a number c. */
export const binaryRule: VjpRule<PrimitiveOf<"binary">> = ({ emit, primitive, inputs, output, cotangent, wants }) => {
  if (primitive.scalar) return wanted(wants, [() => scalarCotangent(emit, primitive, inputs[0], output, cotangent)]);
  return pairCotangents(emit, primitive, inputs[0], inputs[1], output, cotangent, wants);
};

/** `y = where(cond, a, b)`: a gets g where cond holds, b elsewhere; cond gets nothing. */
export const whereRule: VjpRule<PrimitiveOf<"where">> = ({ emit, inputs, cotangent, wants }) => {
  const [cond, a, b] = inputs;
  const zero = emit.full([], 0);
  return [
    undefined,
    wants[1] ? reshapeTo(emit, emit.where(cond, cotangent, zero), emit.dims(a)) : undefined,
    wants[2] ? reshapeTo(emit, emit.where(cond, zero, cotangent), emit.dims(b)) : undefined,
  ];
};
