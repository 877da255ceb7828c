import { MeshtypeError } from "./errors.ts";
import {
  writeProgramMeshMismatchMessage,
  writeProgramUnknownDimMessage,
  writeProgramUnknownDtypeMessage,
  writeProgramUnknownRecomputeMessage,
  writeProgramUnknownUpdateAxisMessage,
} from "./messages/program.ts";
import { defaultDtype, dtypes, isDtype, type Dtype } from "./dtype.ts";
import type { Layout } from "./layout.ts";
import type { Mesh } from "./mesh.ts";
import { checkPipelineOption, type PipelineBinding, type PipelineOption, type ValidatePipeline } from "./pipelineOption.ts";
import { Tensor, describeTensor } from "./tensor.ts";
import type { Model, ValidateMesh, ValidateModel } from "./types/validateProgram.ts";

/**
 * A model bound to a mesh and a layout. Calling it runs the model eagerly on
 * one device (the reference meaning), after checking every tensor argument
 * against the layout; `meshtype build` compiles it into device programs.
 */
export interface Program<
  F extends Model,
  Axes extends Record<string, number> = Record<string, number>,
  Sizes extends Record<string, number> = Record<string, number>,
  Spec extends string = string,
> {
  (...args: Parameters<F>): ReturnType<F>;
  /** The model function as written. */
  readonly model: F;
  /** The mesh the program runs on. */
  readonly mesh: Mesh<Axes>;
  /** The layout of the model's dims over the mesh. */
  readonly layout: Layout<Axes, Sizes, Spec>;
  /** The mesh axis the compiled weight update is sharded over, if asked for (see `program`). */
  readonly weightUpdateSharding?: string;
  /** The element type the compiled program computes in (`"fp32"` unless the binding says `dtype: "bf16"`); eager calls compute in fp32. */
  readonly dtype: Dtype;
  /** Which forward values of a loop body the compiled backward recomputes instead of saving, if asked for (see `program`). */
  readonly recompute?: RecomputePolicy;
  /** The pipeline the compiled program runs as, if asked for (see `PipelineOption`); eager calls ignore it. */
  readonly pipeline?: PipelineBinding;
}

/**
 * Activation recomputation in a compiled training step (`program(step, { ..., recompute })`):
 * which forward values of a loop body (a model's layers) the backward computes again
 * instead of keeping them from the forward. `"none"` (the default) keeps every value the
 * backward reads; `"layer"` keeps only each layer's input and recomputes the layer
 * (like `jax.checkpoint` on the layer); `"selective"` keeps the outputs of contractions
 * (einsum, conv2d) and recomputes the element-wise ops, reductions and softmax between them.
 */
export type RecomputePolicy = "none" | "layer" | "selective";

const recomputePolicies: readonly string[] = ["none", "layer", "selective"];

/**
 * Bind `model` to a mesh and a layout. The editor checks that the mesh is the
 * layout's mesh, that every tensor parameter of the model (also in objects and
 * arrays of tensors) uses declared dims only, and that no such tensor puts two
 * of its dims on one mesh axis; the same rules (and divisibility of each split
 * size) are checked on every call, naming the argument.
 *
 * `weightUpdateSharding: "data"` (a training step only) asks the compiler to
 * shard the optimizer update and its state over that axis (GSPMD's
 * weight-update sharding, ZeRO in DeepSpeed): gradients are reduce-scattered,
 * each device updates its shard, and the new weights are all-gathered. The
 * results are the same; eager calls ignore it. `recompute: "layer"` or
 * `"selective"` trades memory for compute in the compiled backward (see
 * `RecomputePolicy`); the results are the same. See docs/training.md.
 *
 * `dtype: "bf16"` (default `"fp32"`) says what the compiled program computes
 * in: the element size for memory and communication, the peak the cost model
 * uses (`meshtype simulate`) and the torch back end's dtype. Eager calls and
 * the simulated mesh compute in fp32 either way.
 *
 * `pipeline: { axis: "pipe", microbatches: 8, schedule: "1f1b" }` compiles the
 * model's layer loop as stages along that mesh axis, each step cut into
 * micro-batches of the dim `batch` (see `PipelineOption` and docs/pipeline.md);
 * tsc checks the axis (the mesh's, unused by the layout) and that the count
 * divides the batch. The results are the same; eager calls ignore it.
 *
 * @example
 * export const mlp8 = program(mlp, { mesh: M, layout: L });
 * const y = mlp8(x, w_in, w_out); // runs eagerly
 */
export function program<
  F extends Model,
  const Given extends Record<string, number>,
  const Axes extends Record<string, number>,
  const Sizes extends Record<string, number>,
  const Spec extends string,
  const Pipe extends PipelineOption = PipelineOption,
>(
  model: ValidateModel<F, Sizes, Spec>,
  binding: {
    readonly mesh: ValidateMesh<Given, Axes>;
    readonly layout: Layout<Axes, Sizes, Spec>;
    readonly weightUpdateSharding?: Extract<keyof Axes, string>;
    readonly dtype?: Dtype;
    readonly recompute?: RecomputePolicy;
    readonly pipeline?: ValidatePipeline<Pipe, Axes, Sizes, Spec>;
  },
): Program<F, Axes, Sizes, Spec> {
  const fn = model as F;
  const { layout } = binding;
  const mesh = binding.mesh as Mesh<Given>;
  if (!sameMesh(mesh, layout.mesh)) {
    throw new MeshtypeError("program-mesh-mismatch", writeProgramMeshMismatchMessage(String(mesh), String(layout.mesh)));
  }
  const updateAxis: string | undefined = binding.weightUpdateSharding;
  if (updateAxis !== undefined && !layout.mesh.axes.some((axis) => axis.name === updateAxis)) {
    const axes = layout.mesh.axes.map((axis) => axis.name).join(", ");
    throw new MeshtypeError("program-unknown-update-axis", writeProgramUnknownUpdateAxisMessage(updateAxis, axes));
  }
  const dtype: unknown = binding.dtype ?? defaultDtype;
  if (!isDtype(dtype)) throw new MeshtypeError("program-unknown-dtype", writeProgramUnknownDtypeMessage(String(dtype), dtypes.join(", ")));
  const recompute: string | undefined = binding.recompute;
  if (recompute !== undefined && !recomputePolicies.includes(recompute)) {
    throw new MeshtypeError("program-unknown-recompute", writeProgramUnknownRecomputeMessage(recompute));
  }
  const pipeline = binding.pipeline === undefined ? undefined : checkPipelineOption(binding.pipeline as PipelineOption, layout);
  const names = parameterNames(fn);
  const label = fn.name === "" ? "" : fn.name;
  const bound = (...args: Parameters<F>): ReturnType<F> => {
    args.forEach((arg, index) => {
      const name = names[index] === undefined ? "" : ` "${names[index]}"`;
      checkArgument(arg, `program(${label}): argument ${index + 1}${name}`, "", layout, new Set());
    });
    return (fn as (...args: Parameters<F>) => ReturnType<F>)(...args);
  };
  return Object.defineProperties(bound, {
    model: { value: fn, enumerable: true },
    mesh: { value: layout.mesh, enumerable: true },
    layout: { value: layout, enumerable: true },
    dtype: { value: dtype, enumerable: true },
    ...(updateAxis === undefined ? {} : { weightUpdateSharding: { value: updateAxis, enumerable: true } }),
    ...(recompute === undefined ? {} : { recompute: { value: recompute, enumerable: true } }),
    ...(pipeline === undefined ? {} : { pipeline: { value: pipeline, enumerable: true } }),
  }) as Program<F, Axes, Sizes, Spec>;
}

/** Same axes, same sizes, same order. */
function sameMesh(given: Mesh, expected: Mesh): boolean {
  if (given === expected) return true;
  if (given.axes.length !== expected.axes.length) return false;
  return given.axes.every((axis, index) => axis.name === expected.axes[index].name && axis.size === expected.axes[index].size);
}

/** Check every tensor in `value` (walking arrays and plain objects) against `layout`. */
function checkArgument(value: unknown, argument: string, path: string, layout: Layout, seen: Set<object>): void {
  if (value instanceof Tensor) {
    const what = `${argument}${path} (${describeTensor(value)})`;
    for (const dim of value.dims) {
      if (!Object.hasOwn(layout.dims.sizes, dim.name)) {
        throw new MeshtypeError("program-unknown-dim", writeProgramUnknownDimMessage(what, dim.name));
      }
    }
    layout.axesFor(value.dims, what);
    return;
  }
  if (typeof value !== "object" || value === null || seen.has(value) || ArrayBuffer.isView(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((element, index) => checkArgument(element, argument, `${path}[${index}]`, layout, seen));
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return;
  for (const [key, element] of Object.entries(value)) checkArgument(element, argument, `${path}.${key}`, layout, seen);
}

/**
 * The parameter names of `fn` read from its source, for messages; an empty
 * entry where a parameter is a pattern or the source cannot be read.
 */
function parameterNames(fn: Model): string[] {
  const source = Function.prototype.toString.call(fn);
  const match = /^(?:async\s*)?(?:function\s*\*?\s*[\w$]*\s*)?\(([^)]*)\)/.exec(source) ?? /^(?:async\s+)?([\w$]+)\s*=>/.exec(source);
  if (!match) return [];
  return match[1].split(",").map((part) => {
    const name = /^\s*(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)\s*(?:=.*)?$/s.exec(part);
    return name ? name[1] : "";
  });
}
