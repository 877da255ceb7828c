/**
 * The one IR of the meshtype compiler.
 *
 * A `Program` is a model function bound to a mesh and a layout. Before `lower`
 * every value has global dims and no sharding (stage "global"); `lower`
 * rewrites the same structure into a device program (stage "lowered"): every
 * value gets a `Sharding` (one state per mesh axis) and local dims, and
 * collectives appear as ops of their own. Passes take a Program and return a
 * Program; `verify` runs between them; `printProgram` gives the text form.
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { Dtype } from "../../dsl/dtype.ts";
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { BinaryFn, ReduceFn, UnaryFn, UnaryGradFn } from "../../dsl/autodiff/primitive.ts";
import type { Conv2dSpec } from "../../dsl/ops/shapeRulesConv.ts";
import type { ShardingAssignment } from "./shardingAssignment.ts";
import type { PipelineBinding } from "../../dsl/pipelineOption.ts";

/** The element-wise and reduction functions are the DSL's own (one list, shared with autodiff). */
export type { BinaryFn, ReduceFn, UnaryFn, UnaryGradFn };
export type { Dtype };

/** Where an op or a program comes from in the user's sources (1-based line and column). */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /**
   * For code inside meshtype's own files (a stdlib layer, a DSL op): the
   * user's call that led there, where diagnostics about it are reported
   * (with this location as a note).
   */
  readonly callSite?: SourceLoc;
}

/**
 * Where the user wrote what a program is bound with, for diagnostics about
 * the binding itself: the layout string and each of its rules, each
 * `dims({...})` and `mesh({...})` entry. Any may be missing (built by hand,
 * or not written as literals).
 */
export interface ProgramSources {
  /** The layout string (or the `layout(...)` call). */
  readonly layout?: SourceLoc;
  /** Each rule of the layout string, by dim name. */
  readonly layoutRules?: Readonly<Record<string, SourceLoc>>;
  /** Each entry of the layout's `dims({...})`, by dim name. */
  readonly dims?: Readonly<Record<string, SourceLoc>>;
  /** The sizes `dims({...})` declares (computed sizes are the ops'). */
  readonly dimSizes?: Readonly<Record<string, number>>;
  /** Each entry of the program's `mesh({...})`, by axis name. */
  readonly mesh?: Readonly<Record<string, SourceLoc>>;
}

/** A value's id, unique within one Program (loop bodies included). */
export type ValueId = number;

/**
 * The state of one value along one mesh axis. A dim split over several axes
 * has one split state on each, and `order` ranks them, major first: 0 (left
 * out) is the major axis, then 1, 2, ... (`batch:(data, fsdp)` is
 * `{data: split(batch), fsdp: split(batch@1)}`); the axes of one dim always
 * have the orders 0..k-1. A split the axes do not divide is padded: every
 * device holds ceil(size / devices) entries, the last blocks short
 * (dsl/runtime/padding.ts). A split with `halo` (lowered only, made by
 * `haloExchange` for `conv2d`) holds, on every device, its block of `dim`
 * plus `halo` rows of each neighbour's block on either side (zeros past the
 * ends of the axis).
 */
export type AxisState =
  | { readonly kind: "replicated" }
  | { readonly kind: "split"; readonly dim: string; readonly order?: number; readonly halo?: number }
  | { readonly kind: "partial"; readonly reduce: PartialReduce };

/** The pending reduction of a partial value. */
export type PartialReduce = "sum" | "max";

/** One state per mesh axis, keyed by axis name. Every axis of the mesh is present. */
export type Sharding = Readonly<Record<string, AxisState>>;

/** A value of the program: a tensor with named dims. */
export interface Value {
  readonly id: ValueId;
  /** Global dims in storage order. */
  readonly dims: readonly Dim[];
  /** The source name (variable or parameter path) for printing, when there is one. */
  readonly hint?: string;
  /** Set by `lower`: the state of this value on every mesh axis. */
  readonly sharding?: Sharding;
  /**
   * Set by `lower`: the dims one device holds, in the same order as `dims`
   * (a dim split over axes of n devices has size `ceil(size / n)`; when n
   * does not divide it, the last blocks are padded: see `paddedDimsOf`).
   */
  readonly localDims?: readonly Dim[];
}

/** Every op of the IR, by group. The `op` field of `Op` is one of these. */
export const OpKinds = {
  // inputs and constants
  param: "param",
  full: "full",
  constant: "constant",
  iota: "iota",
  random: "random",
  // element-wise: local under any layout
  unary: "unary",
  binary: "binary",
  where: "where",
  // element-wise and seeded: the mask of each element from its global index (dsl/ops/dropout.ts)
  dropout: "dropout",
  // contractions and reductions: may leave a partial state
  einsum: "einsum",
  reduce: "reduce",
  softmax: "softmax",
  // fused: a norm's core and the backward ops of norms and GELU (dsl/ops/fused.ts), one kernel each in torch
  normalize: "normalize",
  normalizeGrad: "normalizeGrad",
  unaryGrad: "unaryGrad",
  conv2d: "conv2d",
  // shape changes: renaming and reordering are local; the rest may communicate
  rename: "rename",
  transpose: "transpose",
  splitDim: "splitDim",
  mergeDims: "mergeDims",
  slice: "slice",
  concat: "concat",
  oneHot: "oneHot",
  gather: "gather",
  // layout constraint written by the user (identity on values)
  relayout: "relayout",
  // lowered only: collectives over one mesh axis, and the local slice
  allReduce: "allReduce",
  allGather: "allGather",
  reduceScatter: "reduceScatter",
  allToAll: "allToAll",
  localSlice: "localSlice",
  // lowered only: the halo exchange of a spatially split conv2d (two collectivePermutes)
  haloExchange: "haloExchange",
  // lowered only: the padding of unevenly split dims set to a value a reduction ignores (local)
  maskPadding: "maskPadding",
} as const;

/** The kind of an op. */
export type OpKind = (typeof OpKinds)[keyof typeof OpKinds];

/**
 * Which part of a training step an op belongs to, where autodiff knows it:
 * `differentiate` marks the ops of the function it differentiates "forward"
 * and the ops it adds "backward"; "recompute" marks a forward op that the
 * backward computes again instead of keeping its value (activation
 * recomputation). Other ops (code before the grad call, the optimizer update
 * after it, collectives that `lower` inserts) have none.
 */
export type Phase = "forward" | "backward" | "recompute";

interface OpBase {
  /** Inputs, in order. */
  readonly inputs: readonly ValueId[];
  /** The one value this op defines. */
  readonly output: ValueId;
  /** Where the user wrote it (for a collective: the op it was inserted for). */
  readonly loc: SourceLoc;
  /** Set by autodiff on the ops of a differentiated function and of its backward (see `Phase`). */
  readonly phase?: Phase;
}

/** An op: one kind with its attributes. Attributes never repeat what the output value's dims say. */
export type Op = OpBase &
  (
    | { readonly op: "param"; readonly path: string }
    | { readonly op: "full"; readonly value: number }
    /**
     * A tensor with data known at compile time (a module-level
     * `tensor(D, spec, data)`): `data` holds its global elements, row-major in
     * the output's dims. Every device makes the whole tensor and keeps its
     * block (like `iota`); it has no gradient.
     */
    | { readonly op: "constant"; readonly data: Float32Array }
    | { readonly op: "iota"; readonly dim: string }
    | { readonly op: "random"; readonly name: string; readonly seed: number; readonly dist: "normal" | "uniform"; readonly scale: number }
    | { readonly op: "unary"; readonly fn: UnaryFn }
    | { readonly op: "binary"; readonly fn: BinaryFn; readonly scalar?: { readonly value: number; readonly position: 0 | 1 } }
    | { readonly op: "where" }
    /**
     * Inverted dropout of inputs[0] (dsl/ops/dropout.ts), the mask drawn over
     * the global row-major index of each element; inputs[1], when present, is
     * the scalar step of the key. Element-wise: each device draws its block.
     */
    | { readonly op: "dropout"; readonly rate: number; readonly seed: number; readonly name: string }
    | { readonly op: "einsum" }
    | { readonly op: "reduce"; readonly fn: ReduceFn; readonly dims: readonly string[] }
    | { readonly op: "softmax"; readonly dim: string; readonly log: boolean }
    /** `(x - mean(x, dim)) / sqrt(var(x, dim) + epsilon)` (biased variance); decomposed when the layout splits `dim`. */
    | { readonly op: "normalize"; readonly dim: string; readonly epsilon: number }
    /** Inputs x and g: the cotangent of x for `normalize(x)` given g (its statistics recomputed from x). */
    | { readonly op: "normalizeGrad"; readonly dim: string; readonly epsilon: number }
    /** Inputs x and g: `g * fn'(x)`, element-wise. */
    | { readonly op: "unaryGrad"; readonly fn: UnaryGradFn }
    | ({
        readonly op: "conv2d";
        /** Lowered only: the spatial dims whose input blocks carry halos, convolved "valid" on each device. */
        readonly halo?: readonly string[];
      } & Conv2dSpec)
    | { readonly op: "rename"; readonly from: string; readonly to: string }
    | { readonly op: "transpose" }
    | { readonly op: "splitDim"; readonly dim: string; readonly into: readonly Dim[] }
    | { readonly op: "mergeDims"; readonly dims: readonly string[]; readonly into: string }
    | { readonly op: "slice"; readonly dim: string; readonly start: number; readonly stop: number }
    | { readonly op: "concat"; readonly dim: string }
    | { readonly op: "oneHot"; readonly dim: Dim }
    | { readonly op: "gather"; readonly dim: string }
    /**
     * A layout constraint. With a second input (autodiff's `relayoutLike`, only
     * before lowering; `rules` then empty) the first input takes the state the
     * second has; lowering drops the second input.
     */
    | { readonly op: "relayout"; readonly rules: readonly LayoutRule[] }
    | {
        readonly op: "allReduce";
        readonly axis: string;
        readonly reduce: PartialReduce;
        /**
         * More mesh axes reduced in the same call (a pending sum over a dim split over several axes): the group is
         * every device that differs from this one only on `axis` and these, one collective instead of one per axis.
         */
        readonly alsoOver?: readonly string[];
      }
    | { readonly op: "allGather"; readonly axis: string; readonly dim: string }
    | { readonly op: "reduceScatter"; readonly axis: string; readonly dim: string; readonly reduce: PartialReduce }
    | { readonly op: "allToAll"; readonly axis: string; readonly splitDim: string; readonly concatDim: string }
    | { readonly op: "localSlice"; readonly axis: string; readonly dim: string }
    | {
        /**
         * split(dim) -> split(dim) with `halo`: each device sends its first `halo` rows of `dim` to the
         * previous device and its last `halo` rows to the next one, and puts what it receives around its block.
         */
        readonly op: "haloExchange";
        readonly axis: string;
        readonly dim: string;
        readonly halo: number;
      }
    | {
        /**
         * Local: the input with every padded entry of `dims` (unevenly split dims:
         * the tail of a short block, see `paddedDimsOf`) set to `fill`, 0 before a
         * sum or a contraction over them, -Infinity before a max, so that the
         * reduction gives the eager result. Same sharding in and out.
         */
        readonly op: "maskPadding";
        readonly dims: readonly string[];
        readonly fill: number;
      }
  );

/**
 * A `for` loop with a static trip count, kept as a loop (its body is lowered once).
 * `carried` values flow from one iteration to the next (`x = block(x, ...)`);
 * `indexed` values are arrays of tensors read at the loop index (`layers[i]`).
 */
export interface Loop {
  readonly op: "loop";
  readonly count: number;
  readonly loc: SourceLoc;
  readonly carried: readonly {
    /** Value before the first iteration. */
    readonly init: ValueId;
    /** Value inside the body at the start of an iteration. */
    readonly param: ValueId;
    /** Value inside the body at the end of an iteration. */
    readonly result: ValueId;
    /** Value after the last iteration. */
    readonly output: ValueId;
  }[];
  readonly indexed: readonly {
    /** One value per iteration, all with the same dims. */
    readonly items: readonly ValueId[];
    /** The value inside the body. */
    readonly param: ValueId;
  }[];
  /**
   * Values the body yields per iteration, like the `ys` of JAX's `scan`:
   * `items[k]` is `result` at the end of iteration k; the items are defined
   * by the loop and in scope after it. Autodiff makes them: a training
   * step's forward loop yields what its reverse loop reads back (indexed in
   * reverse order), and the reverse loop yields each iteration's gradients.
   * Absent when there are none (`loopYields`).
   */
  readonly yields?: readonly LoopYield[];
  readonly body: Block;
}

/** One value a loop yields per iteration (see `Loop.yields`). */
export interface LoopYield {
  /** The value inside the body, read at the end of each iteration. */
  readonly result: ValueId;
  /** One value per iteration, all with the result's dims (and, once lowered, its sharding). */
  readonly items: readonly ValueId[];
}

/** Statements in order: ops and loops. */
export type Block = readonly (Op | Loop)[];

/** A nested structure of tensors: how parameters come in and results go out. */
export type ValueTree =
  | { readonly kind: "tensor"; readonly value: ValueId }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, ValueTree>> }
  | { readonly kind: "array"; readonly items: readonly ValueTree[] };

/** A model function bound to a mesh and a layout: the unit every pass works on. */
export interface Program {
  /** The exported binding's name, e.g. `mlp8`. */
  readonly name: string;
  /** The `program(...)` call. */
  readonly loc: SourceLoc;
  readonly stage: "global" | "lowered";
  readonly mesh: readonly MeshAxis[];
  /** The layout string as written, and its rules. */
  readonly layoutSpec: string;
  readonly layout: readonly LayoutRule[];
  /**
   * The layout string ends with `auto` (`"batch:data, auto"`, or `"auto"`):
   * its rules are fixed and the dims they do not name are open, for
   * `assignShardings` to lay out. Without it, those dims are replicated.
   */
  readonly openLayout?: boolean;
  /** One tree per parameter of the model function, in order, with the parameter's name. */
  readonly params: readonly { readonly name: string; readonly tree: ValueTree }[];
  readonly body: Block;
  readonly result: ValueTree;
  /** Every value defined in the program, loop bodies included. */
  readonly values: ReadonlyMap<ValueId, Value>;
  /** The mesh axis to shard the weight update over (`program(f, { ..., weightUpdateSharding: "data" })`), if any. */
  readonly weightUpdateSharding?: string;
  /** Where the binding's layout, dims and mesh are written (the front end sets it), for diagnostics. */
  readonly sources?: ProgramSources;
  /**
   * The element type the compiled program computes in (`program(f, { ..., dtype: "bf16" })`,
   * `"fp32"` by default): element sizes for memory and communication, the peak
   * the cost model uses, and the torch back end's dtype. Eager runs and the
   * simulated mesh compute in fp32 whatever it says.
   */
  readonly dtype: Dtype;
  /**
   * Layout rules for single values, in front of the program's (as a `relayout`'s
   * rules are), set by passes: weight-update sharding puts optimizer state and
   * update values on the data axis here. Params read theirs as their input sharding.
   */
  readonly valueRules?: ReadonlyMap<ValueId, readonly LayoutRule[]>;
  /**
   * Set by autodiff (`grad`/`valueAndGrad` in model code): every value a
   * gradient was taken with respect to (`wrt`, usually a param) and the value
   * of its gradient. Ids keep their meaning through the passes, so `explain`
   * reads them on the lowered program.
   */
  readonly gradients?: readonly GradientPair[];
  /**
   * Set by `assignShardings` (before `lower`, which materializes it): every
   * op's strategy and every value's held sharding, with where it came from.
   */
  readonly assignment?: ShardingAssignment;
  /**
   * The binding's `pipeline` option (`program(f, { ..., pipeline: { axis, microbatches, schedule } })`),
   * with where it is written: the program runs as stages along that axis
   * (`compiler/passes/stages/`); the passes compile each stage's part on its own.
   */
  readonly pipeline?: PipelineSpec;
}

/** A program's pipeline option as the compiler keeps it (see `PipelineOption` in the DSL). */
export interface PipelineSpec extends PipelineBinding {
  /** The `pipeline: {...}` property, for diagnostics. */
  readonly loc?: SourceLoc;
  /**
   * The same model read at micro-batch size (the front end sets it when
   * `microbatches` > 1), so that what it computes from sizes (a mean's
   * 1 / count) is the micro-batch's; the stage cut works on it.
   */
  readonly microbatch?: Program;
}

/** A value differentiated with respect to, and its gradient. */
export interface GradientPair {
  readonly wrt: ValueId;
  readonly gradient: ValueId;
}
