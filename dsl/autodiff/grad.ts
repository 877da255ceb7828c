/**
 * `grad` and `valueAndGrad`: reverse-mode derivatives of a scalar function of
 * a tree of tensors, run eagerly with a tape. The compiler reads the same
 * calls in model code and differentiates the IR with the same rules.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { eagerEmitter } from "./eagerEmitter.ts";
import { recordOp } from "./recorder.ts";
import { Tape } from "./tape.ts";

/** A scalar tensor: what a function given to `grad` returns. */
export type Scalar = Tensor<"">;

/** The gradient tree of a parameter tree `P`: each tensor replaced by one with the same dims. */
export type Gradients<P> = P extends Tensor<infer S>
  ? Tensor<S>
  : P extends readonly unknown[]
    ? { -readonly [K in keyof P]: Gradients<P[K]> }
    : P extends object
      ? { -readonly [K in keyof P]: Gradients<P[K]> }
      : never;

/** What `valueAndGrad(f)` returns: f's value and the gradients of its first argument. */
export interface ValueAndGrad<P> {
  readonly value: Scalar;
  readonly grad: Gradients<P>;
}

type T = Tensor<string>;

/** The tensors of a parameter tree, depth first (fields in order), and a function to rebuild a tree from new leaves. */
function flatten(tree: unknown, path: string, leaves: T[]): (values: readonly T[]) => unknown {
  if (tree instanceof Tensor) {
    const index = leaves.push(tree) - 1;
    return (values) => values[index];
  }
  if (Array.isArray(tree)) {
    const items = tree.map((item: unknown, index) => flatten(item, `${path}[${index}]`, leaves));
    return (values) => items.map((rebuild) => rebuild(values));
  }
  if (typeof tree === "object" && tree !== null && Object.getPrototypeOf(tree) === Object.prototype) {
    const fields = Object.entries(tree).map(([name, item]) => [name, flatten(item, `${path}.${name}`, leaves)] as const);
    return (values) => Object.fromEntries(fields.map(([name, rebuild]) => [name, rebuild(values)]));
  }
  throw new MeshtypeError(
    "bad-option",
    `grad: ${path} is ${tree === null ? "null" : typeof tree}, not a tensor. grad differentiates its function's first argument, a tensor or an object/array of tensors; pass other values as later arguments.`,
  );
}

function isScalar(value: unknown): value is Scalar {
  return value instanceof Tensor && value.dims.length === 0;
}

/** Run `f(params, ...rest)` on a tape and differentiate its scalar result with respect to every tensor of `params`. */
function differentiate<P, Rest extends unknown[]>(f: (params: P, ...rest: Rest) => Scalar, params: P, rest: Rest): ValueAndGrad<P> {
  const leaves: T[] = [];
  const rebuild = flatten(params, "params", leaves);
  // Fresh tensor objects (same data): each leaf is its own variable, even if the caller passed one tensor twice.
  // Recorded as identities, so a tape already open (grad of grad) sees through them.
  const watched = leaves.map((leaf) => {
    const copy = new Tensor(leaf.dims, leaf.data, leaf.label);
    recordOp({ op: "relayout", rules: [] }, [leaf], copy);
    return copy;
  });
  const tape = new Tape(watched);
  const value: unknown = tape.run(() => f(rebuild(watched) as P, ...rest));
  if (!isScalar(value)) {
    const got = value instanceof Tensor ? `a tensor with dims "${value.names.join(" ")}"` : typeof value;
    throw new MeshtypeError("bad-option", `grad: the function must return a scalar tensor (dims ""), but it returned ${got}. Reduce it first, e.g. with mean(loss, "${value instanceof Tensor ? value.names.join(" ") : "batch"}").`);
  }
  const gradients = tape.gradients(value, eagerEmitter.full([], 1));
  return { value, grad: rebuild(gradients) as Gradients<P> };
}

/**
 * The gradient of `f` with respect to its first argument (a tensor, or an
 * object/array tree of tensors): `grad(f)(params, ...rest)` returns a tree of
 * the same shape whose tensors have the dims of the params'. `f` must return
 * a scalar tensor (`Tensor<"">`). Later arguments are not differentiated.
 *
 * Inside a model bound with `program(...)`, the compiler differentiates the
 * same call on its IR, so forward and backward are lowered together.
 *
 * @example
 * const loss = (p: { w: Tensor<"d_in d_out"> }, x: Tensor<"batch d_in">) => mean(square(einsum(x, p.w, "batch d_out")), "batch d_out");
 * const g = grad(loss)({ w }, x); // g.w: Tensor<"d_in d_out">
 */
export function grad<P, Rest extends unknown[]>(f: (params: P, ...rest: Rest) => Scalar): (params: P, ...rest: Rest) => Gradients<P> {
  return (params, ...rest) => differentiate(f, params, rest).grad;
}

/**
 * Like `grad`, and also the value: `valueAndGrad(f)(params, ...rest)` returns
 * `{ value, grad }` from one forward pass.
 *
 * @example
 * const { value, grad: g } = valueAndGrad(loss)(params, batch);
 */
export function valueAndGrad<P, Rest extends unknown[]>(f: (params: P, ...rest: Rest) => Scalar): (params: P, ...rest: Rest) => ValueAndGrad<P> {
  return (params, ...rest) => differentiate(f, params, rest);
}

/**
 * `checkpoint(f)`: f, with its activations recomputed in the backward instead
 * of saved, like `jax.checkpoint` (activation recomputation for one call, where
 * `program(step, { recompute })` sets it for every loop body). Eagerly it is
 * f itself (results are the same either way). In a compiled training step, the
 * backward of a call of `checkpoint(f)` reads none of the values f computes:
 * it runs f's ops again (`phase: "recompute"` in `meshtype explain --json`)
 * from f's inputs, just before the backward of that call needs them, so the
 * step keeps f's inputs and outputs alive and not what f computed in between.
 * `meshtype explain` reports the ops run again and the memory saved;
 * `meshtype simulate` their time.
 *
 * @example
 * const block = checkpoint((x: Tensor<"batch seq d_model">, p: TransformerBlockParams) => transformerBlock(D, x, p));
 * for (let i = 0; i < LAYERS; i++) x = block(x, params.layers[i]);
 */
export function checkpoint<F extends (...args: never[]) => unknown>(f: F): F {
  if (typeof f !== "function") {
    throw new MeshtypeError("bad-option", `checkpoint takes a function (the block whose activations the backward recomputes), but got ${f === null ? "null" : typeof f}.`);
  }
  return f;
}
