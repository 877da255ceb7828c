/**
 * An interpreter of the IR over the eager DSL ops: a global program runs on
 * one device (the reference meaning); a lowered program runs as one device's
 * program, its collectives going to `ctx` (a SimulatedMesh device context).
 * Fast enough for property tests, and an independent check of the back end.
 */
import { callBinary, callOp as call, looseOps as ops } from "../../dsl/ops/looseOps.ts";
import { Dims } from "../../dsl/dims.ts";
import type { DeviceContext } from "../../dsl/runtime/deviceContext.ts";
import { maskPadding, validLength } from "../../dsl/runtime/padding.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { isLoop, localConv2dOptions, loopYields } from "../ir/opAttrs.ts";
import { collectiveUneven, maskedDims, splitDimsOf, type CollectiveUneven } from "../ir/sharding.ts";
import { blockDim } from "../../dsl/runtime/dropoutBlock.ts";
import { dropout } from "../../dsl/ops/dropout.ts";

/** A tree of tensors: what a program takes per param and returns. */
export type TensorTree = Tensor<string> | { readonly [field: string]: TensorTree } | readonly TensorTree[];

type T = Tensor<string>;

function leaf(args: readonly { name: string; tree: TensorTree }[], path: string): T {
  const [head, ...rest] = path.split(".");
  let node: TensorTree | undefined = args.find((arg) => arg.name === head)?.tree;
  for (const segment of rest) node = node === undefined ? undefined : (node as Record<string, TensorTree>)[segment];
  if (node === undefined || !("data" in node && "dims" in node)) throw new Error(`interpret: no tensor for param path "${path}"`);
  return node as T;
}

class Interpreter {
  private readonly env = new Map<ValueId, T>();

  constructor(
    private readonly program: Program,
    private readonly args: readonly { name: string; tree: TensorTree }[],
    private readonly ctx: DeviceContext | undefined,
  ) {}

  private get(id: ValueId): T {
    const tensor = this.env.get(id);
    if (!tensor) throw new Error(`interpret "${this.program.name}": %${id} has no value yet`);
    return tensor;
  }

  private context(op: Op): DeviceContext {
    return this.ctx ?? (() => { throw new Error(`interpret: ${op.op} needs a device context (run a lowered program on a mesh)`); })();
  }

  private async op(op: Op): Promise<T> {
    const inputs = op.inputs.map((input) => this.get(input));
    const [x, y, z] = inputs;
    const value = this.program.values.get(op.output);
    const local = value?.localDims ?? value?.dims ?? [];
    const localDims = (): Dims => new Dims(Object.fromEntries(local.map((dim) => [dim.name, dim.size])));
    const spec = local.map((dim) => dim.name).join(" ");
    switch (op.op) {
      case "param":
        return leaf(this.args, op.path);
      case "full":
        return ops.full(localDims(), spec, op.value);
      case "iota":
        return ops.iota(localDims(), spec);
      case "constant":
        return ops.tensor(localDims(), spec, op.data);
      case "random":
        return op.dist === "normal"
          ? ops.randomNormal(localDims(), spec, { seed: op.seed, name: op.name, std: op.scale })
          : ops.randomUniform(localDims(), spec, { seed: op.seed, name: op.name, low: 0, high: op.scale });
      case "unary":
        return call(op.fn, x);
      case "binary":
        if (!op.scalar) return callBinary(op.fn, x, y);
        return op.scalar.position === 0 ? call(op.fn, op.scalar.value, x) : call(op.fn, x, op.scalar.value);
      case "where":
        return ops.where(x, y, z);
      case "dropout": {
        const blocks = splitDimsOf(value ?? { dims: [] }).map((entry) => [entry.dim, blockDim(this.context(op), entry.size, entry.axes)]);
        return dropout(x, op.rate, { seed: op.seed, name: op.name, step: y as Tensor<""> | undefined }, blocks.length === 0 ? {} : { block: Object.fromEntries(blocks) });
      }
      case "einsum":
        return ops.einsum(...inputs, spec);
      case "reduce":
        return call(op.fn, x, op.dims.join(" "));
      case "softmax":
        return call(op.log ? "logSoftmax" : "softmax", x, op.dim);
      case "normalize":
        return call("normalize", x, op.dim, op.epsilon);
      case "normalizeGrad":
        return call("normalizeGrad", x, y, op.dim, op.epsilon);
      case "unaryGrad":
        return call(`${op.fn}Grad`, x, y);
      case "rename":
        return ops.rename(x, op.from, op.to);
      case "transpose":
        return ops.transpose(x, spec);
      case "splitDim": {
        const into = op.into.map((dim) => local.find((entry) => entry.name === dim.name) ?? dim);
        return ops.splitDim(x, op.dim, into.map((dim) => dim.name).join(" "), Object.fromEntries(into.map((dim) => [dim.name, dim.size])));
      }
      case "mergeDims":
        return ops.mergeDims(x, op.dims.join(" "), op.into);
      case "slice":
        return ops.slice(x, op.dim, op.start, op.stop);
      case "concat":
        return ops.concat(inputs, op.dim);
      case "oneHot":
        return ops.oneHot(x, op.dim.name, op.dim.size);
      case "gather":
        return ops.gather(x, y, op.dim);
      case "relayout":
        return x;
      case "allReduce":
        return this.context(op).allReduce(x, op.alsoOver === undefined ? op.axis : [op.axis, ...op.alsoOver], op.reduce);
      case "allGather":
        return this.context(op).allGather(x, op.axis, op.dim, this.uneven(op));
      case "reduceScatter":
        return this.context(op).reduceScatter(x, op.axis, op.dim, op.reduce, this.uneven(op));
      case "allToAll":
        return this.context(op).allToAll(x, op.axis, op.splitDim, op.concatDim, this.uneven(op));
      case "localSlice":
        return this.context(op).localSlice(x, op.axis, op.dim, this.uneven(op));
      case "conv2d":
        return ops.conv2d(x, y, localConv2dOptions(op));
      case "haloExchange":
        return this.haloExchange(op, x);
      case "maskPadding": {
        const ctx = this.context(op);
        const lengths = maskedDims(op.dims, value ?? { dims: [] }).map((entry) => [entry.dim, validLength(ctx, entry.size, entry.axes)]);
        return maskPadding(x, Object.fromEntries(lengths), op.fill);
      }
    }
  }

  /** The uneven-split options of a collective (empty for an even one). */
  private uneven(op: Op): CollectiveUneven {
    const value = (id: ValueId) => this.program.values.get(id) ?? {};
    return collectiveUneven(op, value(op.inputs[0]), value(op.output), this.program.mesh);
  }

  /** Send the first `halo` rows back and the last ones forward along the axis; put what arrives around x. */
  private async haloExchange(op: Extract<Op, { op: "haloExchange" }>, x: T): Promise<T> {
    const ctx = this.context(op);
    const size = x.dims.find((dim) => dim.name === op.dim)?.size ?? 0;
    const fromPrevious = await ctx.collectivePermute(ops.slice(x, op.dim, size - op.halo, size), op.axis, 1);
    const fromNext = await ctx.collectivePermute(ops.slice(x, op.dim, 0, op.halo), op.axis, -1);
    return ops.concat([fromPrevious, x, fromNext], op.dim);
  }

  private async loop(loop: Loop): Promise<void> {
    loop.carried.forEach((entry) => this.env.set(entry.param, this.get(entry.init)));
    for (let index = 0; index < loop.count; index++) {
      loop.indexed.forEach((entry) => this.env.set(entry.param, this.get(entry.items[index])));
      await this.block(loop.body);
      for (const entry of loopYields(loop)) this.env.set(entry.items[index], this.get(entry.result));
      const results = loop.carried.map((entry) => this.get(entry.result));
      loop.carried.forEach((entry, position) => this.env.set(entry.param, results[position]));
    }
    loop.carried.forEach((entry) => this.env.set(entry.output, this.get(entry.param)));
  }

  async block(block: Block): Promise<void> {
    for (const statement of block) {
      if (isLoop(statement)) await this.loop(statement);
      else this.env.set(statement.output, await this.op(statement));
    }
  }

  tree(tree: ValueTree): TensorTree {
    switch (tree.kind) {
      case "tensor":
        return this.get(tree.value);
      case "array":
        return tree.items.map((item) => this.tree(item));
      case "object":
        return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, this.tree(item)]));
    }
  }
}

/**
 * Run `program` on `args` (one tree per param, by name). A lowered program
 * needs `ctx` for its collectives; a global one runs eagerly without it.
 */
export async function interpret(program: Program, args: readonly { name: string; tree: TensorTree }[], ctx?: DeviceContext): Promise<TensorTree> {
  const interpreter = new Interpreter(program, args, ctx);
  await interpreter.block(program.body);
  return interpreter.tree(program.result);
}
