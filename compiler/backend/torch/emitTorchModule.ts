/**
 * The torch back end: one Python module per source file, holding every lowered
 * program of that file as `def <name>(mesh, *params)` (the program of one
 * device: local shards in, local result out, in the same tree shape as the
 * model returns), `<name>_meta` (mesh, and the global dims and sharding of
 * every parameter and result leaf), `PROGRAMS`, and a `main()` that torchrun
 * starts once per device. It imports `meshtype_torch` (the helpers in
 * ./runtime, written beside it by `torchRuntimeFiles`).
 */
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields, walkOps } from "../../ir/opAttrs.ts";
import { formatDims } from "../../ir/printer.ts";
import { formatSharding, paddingNote } from "../../ir/sharding.ts";
import { collectiveCost } from "../../explain/bytes.ts";
import { leavesReadOnlyByAccesses, loopAccesses, type IndexedAccess, type LoopAccesses } from "../ts/loopAccess.ts";
import { programMeta, type MetaTree } from "../ts/meta.ts";
import { paramInits, type LeafInit } from "./paramInits.ts";
import { bfloat16, float32, isNumericOperand, keepsDtype, valueDtypes, type TorchDtype } from "./precision.ts";
import type { NameTable } from "../ts/names.ts";
import { singular } from "../ts/paramTypes.ts";
import { uniformArray, yieldItems, yieldReads, type ItemTemplate, type YieldItem, type YieldRead } from "../ts/yieldLists.ts";
import { attentionCall, attentionChains, type AttentionChain } from "./attentionPattern.ts";
import { bucketCall, bucketComment, glooReduceScatterNote, queueAdd, queueCall, queueComment } from "./bucketCalls.ts";
import { mergeChainedReductions } from "./mergedReductions.ts";
import { collectiveSchedule, type AsyncBucket, type BucketQueue, type CollectiveSchedule, type ScheduledCall } from "./collectiveSchedule.ts";
import { emitTorchOp, type TorchOperand } from "./emitTorchOp.ts";
import { foreachForm, foreachGroups } from "./foreachGroups.ts";
import { fusedCall, fusedWhat, type FusedOp } from "./fusedOps.ts";
import { broadcastExpression, peepholeInputs, productSumExpression, torchPeepholes, type TorchPeepholes } from "./peepholes.ts";
import { denseOneHots, oneHotBlock, oneHotContraction, oneHotSources, scatterIntoExpression, type OneHotSource } from "./oneHotContractions.ts";
import { pythonAccess, pythonData, pythonNameTable, pythonString, PythonWriter } from "./python.ts";

/** What the banner says about where the module came from. */
export interface TorchEmitOptions {
  /** The user's source file as written on the command line, e.g. `examples/mlp/mlp.ts`. */
  readonly sourceFile: string;
  /** The command that made the module; default `meshtype build <sourceFile> --target torch`. */
  readonly command?: string;
  /**
   * Pipelined programs (their parts are among `programs`): each one's
   * `PipelinedMeta`, emitted in `PIPELINES` for `main` to run with
   * meshtype_torch.pipeline (point-to-point isend/recv between stages).
   */
  readonly pipelines?: readonly { readonly name: string; readonly meta: unknown }[];
  /** Start gradient buckets asynchronously where their inputs exist (collectiveSchedule.ts); default true. */
  readonly overlap?: boolean;
  /** The sizes at which a bucket queue's first and other buckets start (collectiveSchedule.ts; default DDP's 1 MiB and 25 MiB). */
  readonly bucketBytes?: { readonly first?: number; readonly cap?: number };
}

/** Why gloo runs some collectives as others (said in the generated code, where they occur). */
const glooNotes: Partial<Record<Op["op"], string>> = {
  reduceScatter: glooReduceScatterNote,
  allToAll: "on gloo, which has no all_to_all in torch 1.13: point-to-point sends of each chunk to its rank",
};

function treeType(tree: ValueTree): string {
  return tree.kind === "tensor" ? "torch.Tensor" : tree.kind === "array" ? "list" : "dict";
}

class TorchProgramEmitter {
  private readonly names: NameTable = pythonNameTable();
  private readonly identifiers = new Map<ValueId, string>();
  private readonly accesses: LoopAccesses;
  private readonly yieldReads: ReadonlyMap<Loop, readonly (YieldRead | undefined)[]>;
  private readonly yieldItems: ReadonlyMap<ValueId, YieldItem>;
  /** The list that holds each yielded value's items (`Loop.yields`), by its yield. */
  private readonly yieldLists = new Map<YieldRead["source"], string>();
  /** Identifiers of the model function's parameters, by name. */
  private readonly paramIdentifiers = new Map<string, string>();
  /** The torch dtype of every value of a bfloat16 program (precision.ts); undefined for float32. */
  private readonly dtypes: ReadonlyMap<ValueId, TorchDtype> | undefined;
  /** Copies of values cast to another dtype, one scope per open block: `value dtype -> identifier`. */
  private readonly casts: Map<string, string>[] = [new Map()];
  /** The one-hot values (oneHotContractions.ts), and those some op reads densely (the others are never built). */
  private readonly oneHots: ReadonlyMap<ValueId, OneHotSource>;
  private readonly denseOneHots: ReadonlySet<ValueId>;
  /** Attention chains emitted as one `mt.attention` call (attentionPattern.ts), by their last op; their other ops are not emitted. */
  private readonly attention: ReadonlyMap<Op, AttentionChain>;
  private readonly inAttention: ReadonlySet<Op>;
  /** Where each collective is issued, and which start asynchronously (collectiveSchedule.ts). */
  private readonly schedule: CollectiveSchedule;
  /** The handle (or list of handles, one per iteration) of each asynchronous bucket. */
  private readonly pending = new Map<AsyncBucket, string>();
  /** The identifier of each bucket queue (queues.ts). */
  private readonly queueNames = new Map<BucketQueue, string>();
  /** The index of the innermost loop being written. */
  private loopIndex = "";
  /** Ops emitted as less work (peepholes.ts): aliases, values of one value, broadcasts. */
  private readonly peepholes: TorchPeepholes;

  constructor(private readonly program: Program, private readonly writer: PythonWriter, overlap = true, bucketBytes: TorchEmitOptions["bucketBytes"] = {}) {
    this.schedule = collectiveSchedule(program, { overlap, firstBucketBytes: bucketBytes.first, bucketCapBytes: bucketBytes.cap });
    this.attention = attentionChains(program);
    this.inAttention = new Set([...this.attention.values()].flatMap((chain) => chain.ops.slice(0, -1)));
    this.dtypes = valueDtypes(program);
    this.oneHots = oneHotSources(program);
    const bare = (id: ValueId): TorchOperand => ({ name: "", value: this.value(id) });
    this.denseOneHots = denseOneHots(program, this.oneHots, (op) =>
      oneHotContraction(op, op.inputs.map(bare), this.value(op.output), this.oneHots, (source) => bare(source.ids)) !== undefined);
    const unbuilt = new Set([...this.oneHots.keys()].filter((id) => !this.denseOneHots.has(id)));
    this.peepholes = torchPeepholes(program, { dtypeOf: (id) => this.dtype(id), opaque: unbuilt, ownEinsums: new Set(this.oneHots.keys()), oneHots: this.oneHots });
    this.accesses = loopAccesses(program);
    this.yieldReads = yieldReads(program);
    this.yieldItems = yieldItems(program);
  }

  private name(id: ValueId): string {
    const alias = this.peepholes.aliases.get(id);
    if (alias !== undefined) return this.name(alias);
    const known = this.identifiers.get(id);
    if (known !== undefined) return known;
    const fresh = this.names.fresh(this.program.values.get(id)?.hint, `v${id}`);
    this.identifiers.set(id, fresh);
    return fresh;
  }

  private value(id: ValueId) {
    const value = this.program.values.get(id);
    if (!value) throw new Error(`emitTorchModule: %${id} is not defined in program "${this.program.name}"`);
    return value;
  }

  private comment(op: Op): string {
    const value = this.value(op.output);
    const local = formatDims(value.localDims ?? value.dims);
    const cost = collectiveCost(this.program, op);
    if (cost) {
      const moved = cost.kind === "localSlice" ? "no communication" : `${cost.bytes} bytes per device`;
      const note = glooNotes[op.op];
      return `${op.op} over "${cost.axis}" (${cost.groupSize} devices): ${moved}; local ${local}${paddingNote(this.program, value)}${note ? `; ${note}` : ""}`;
    }
    const what = op.op === "rename" ? `rename ${op.from} -> ${op.to}, ` : op.op === "relayout" ? "relayout (no data movement), " : "";
    return `${what}local ${local}${value.sharding ? ` ${formatSharding(value.sharding)}` : ""}${paddingNote(this.program, value)}`;
  }

  private dtype(id: ValueId): TorchDtype {
    return this.dtypes?.get(id) ?? float32;
  }

  /** `id` in `dtype`: itself, or a copy cast once per block (`w_bf16 = w.to(torch.bfloat16)`). */
  private cast(aliased: ValueId, dtype: TorchDtype): string {
    const id = this.resolve(aliased);
    if (this.dtype(id) === dtype) return this.name(id);
    const key = `${id} ${dtype}`;
    for (let depth = this.casts.length - 1; depth >= 0; depth--) {
      const known = this.casts[depth].get(key);
      if (known !== undefined) return known;
    }
    const copy = this.names.fresh(`${this.value(id).hint ?? `v${id}`}_${dtype === bfloat16 ? "bf16" : "f32"}`, `cast${id}`);
    this.writer.line(`${copy} = ${this.name(id)}.to(${dtype})`);
    this.casts[this.casts.length - 1].set(key, copy);
    return copy;
  }

  /** What a chain of aliases (peepholes.ts) ends at. */
  private resolve(id: ValueId): ValueId {
    let current = id;
    for (let next = this.peepholes.aliases.get(current); next !== undefined; next = this.peepholes.aliases.get(current)) current = next;
    return current;
  }

  /** Operand `index` of `op` as the op reads it: cast to the op's dtype where it computes in another. */
  private operand(op: Op, input: ValueId, index: number): TorchOperand {
    const cast = this.dtypes && !keepsDtype(op) && isNumericOperand(op, index);
    return { name: cast ? this.cast(input, this.dtype(op.output)) : this.name(input), value: this.value(input) };
  }

  /** The op to emit for `original`: itself, or what a peephole puts in its place; undefined for none at all. */
  private emitted(original: Op): Op | undefined {
    const rewrite = this.peepholes.rewrites.get(original.output);
    if (this.peepholes.unused.has(original.output) || rewrite?.kind === "alias" || rewrite?.kind === "absorbed") return undefined;
    return rewrite?.kind === "op" ? rewrite.op : original;
  }

  /** What a foreach call may compute for `original`: the emitted op, or its fused op (fusedOps.ts). */
  private foreachOp(original: Op): Op | FusedOp | undefined {
    const rewrite = this.peepholes.rewrites.get(original.output);
    return rewrite?.kind === "fused" ? rewrite.fused : rewrite?.kind === "broadcast" || rewrite?.kind === "productSum" || rewrite?.kind === "oneHotAdd" ? undefined : this.emitted(original);
  }

  /** The foreach key of `op` (foreachGroups.ts), undefined for an op that is emitted alone (or in an attention call). */
  private foreachKey(original: Op): string | undefined {
    if (this.inAttention.has(original) || this.attention.has(original)) return undefined;
    const op = this.foreachOp(original);
    if (!op || this.oneHots.has(op.output) || op.inputs.some((input) => this.oneHots.has(input))) return undefined;
    return foreachForm(op, op.inputs.map((input) => this.value(input)), this.value(op.output), this.dtype(op.output))?.key;
  }

  /** Ops of one foreach group as one `torch._foreach_*` call (foreachGroups.ts). */
  private foreach(group: readonly Op[]): void {
    const ops = group.map((op) => this.foreachOp(op) as Op | FusedOp);
    const form = foreachForm(ops[0], ops[0].inputs.map((input) => this.value(input)), this.value(ops[0].output), this.dtype(ops[0].output));
    if (!form) throw new Error(`emitTorchModule: foreach group of ${ops[0].op} in "${this.program.name}" has no foreach form`);
    const lists = form.order.map((position) => group.map((op, index) => this.operand(op, ops[index].inputs[position], position).name));
    const locals = new Map<string, number>();
    for (const op of group) locals.set(this.comment(op), (locals.get(this.comment(op)) ?? 0) + 1);
    const where = [...locals].map(([comment, count]) => (count > 1 ? `${count} x ${comment}` : comment)).join("; ");
    this.writer.line(`${ops.map((op) => this.name(op.output)).join(", ")} = ${form.call(lists)}  # ${ops.length} x ${form.what} in one foreach call: ${where}`);
  }

  private op(original: Op): void {
    if (original.op === "param" || this.inAttention.has(original)) return;
    const attention = this.attention.get(original);
    if (attention !== undefined) {
      const call = attentionCall(attention, this.program, (id) => this.operand(original, id, 0));
      this.writer.line(`${this.name(original.output)} = ${call}  # attention (${attention.ops.map((part) => (part.op === "binary" ? part.fn : part.op)).join(", ")} in one call), ${this.comment(original)}`);
      return;
    }
    const op = this.emitted(original);
    if (!op) return;
    const oneHot = this.oneHots.get(op.output);
    if (oneHot && !this.denseOneHots.has(op.output)) return;
    const dtype = this.dtype(op.output);
    if (oneHot && op.op === "localSlice") {
      const size = (this.value(op.output).localDims ?? []).find((dim) => dim.name === oneHot.dim)?.size ?? 0;
      this.writer.line(`${this.name(op.output)} = ${oneHotBlock(oneHot, size, this.name(oneHot.ids), dtype)}  # ${this.comment(op)}`);
      return;
    }
    const rewrite = this.peepholes.rewrites.get(op.output);
    if (rewrite?.kind === "broadcast") {
      const expression = broadcastExpression(this.operand(op, rewrite.operand, 0), this.value(op.output), rewrite.factor);
      this.writer.line(`${this.name(op.output)} = ${expression}  # broadcast (an einsum with a tensor of one value), ${this.comment(op)}`);
      return;
    }
    if (rewrite?.kind === "fused") {
      const expression = fusedCall(rewrite.fused, rewrite.fused.inputs.map((input, index) => this.operand(op, input, index).name));
      this.writer.line(`${this.name(op.output)} = ${expression}  # ${fusedWhat(rewrite.fused)} in one call, ${this.comment(op)}`);
      return;
    }
    if (rewrite?.kind === "oneHotAdd") {
      const values = rewrite.constant ?? this.operand(op, rewrite.values, 1);
      const ids = { name: this.name(rewrite.source.ids), value: this.value(rewrite.source.ids) };
      const expression = scatterIntoExpression(this.operand(op, rewrite.into, 0).name, values, this.value(op.output), rewrite.source, ids);
      this.writer.line(`${this.name(op.output)} = ${expression}  # x + oneHot(ids) * values as one scatter-add, ${this.comment(op)}`);
      return;
    }
    if (rewrite?.kind === "productSum") {
      const expression = productSumExpression(this.operand(op, rewrite.left, 0), this.operand(op, rewrite.right, 1), rewrite.dims);
      this.writer.line(`${this.name(op.output)} = ${expression}  # einsum of two operands of the same dims, ${this.comment(op)}`);
      return;
    }
    const operand = (input: ValueId, index: number): TorchOperand => this.operand(op, input, index);
    // a one-hot operand is not built for an einsum that can do without it (its name is not needed there)
    const sparse = op.inputs.map((input, index) => (this.oneHots.has(input) ? { name: "", value: this.value(input) } : operand(input, index)));
    const contraction = oneHotContraction(op, sparse, this.value(op.output), this.oneHots, (source) => ({ name: this.name(source.ids), value: this.value(source.ids) }));
    const expression = contraction ?? emitTorchOp(op, op.inputs.map(operand), this.value(op.output), dtype, this.program.mesh);
    this.writer.line(`${this.name(op.output)} = ${expression}  # ${this.comment(op)}`);
  }

  private loop(loop: Loop): void {
    const writer = this.writer;
    for (const entry of loop.carried) {
      writer.line(`${this.name(entry.param)} = ${this.cast(entry.init, this.dtype(entry.param))}`);
      this.identifiers.set(entry.output, this.name(entry.param));
    }
    const accesses = this.accesses.get(loop) ?? [];
    const reads = this.yieldReads.get(loop) ?? [];
    const lists = loop.indexed.map((entry, position) => {
      if (accesses[position] || reads[position]) return "";
      const list = this.names.fresh(`${this.value(entry.param).hint ?? "items"}_items`, `items${entry.param}`);
      writer.line(`${list} = [${entry.items.map((item) => this.name(item)).join(", ")}]`);
      return list;
    });
    for (const entry of loopYields(loop)) {
      const list = this.names.fresh(`${this.value(entry.result).hint ?? "yielded"}_items`, `yielded${entry.result}`);
      this.yieldLists.set(entry, list);
      entry.items.forEach((item, index) => this.identifiers.set(item, `${list}[${index}]`));
      writer.line(`${list} = []  # one per iteration`);
    }
    const started = this.schedule.loopEnd(loop);
    for (const bucket of started) {
      this.pending.set(bucket, this.names.fresh("pending", "pending"));
      writer.line(`${this.pending.get(bucket)} = []  # ${bucket.queue ? `the handle of each iteration's ${bucket.ops[0].op}s, added to a bucket queue` : `one asynchronous ${bucket.ops[0].op} bucket per iteration`}`);
    }
    const index = this.names.fresh("index", "index");
    const outerIndex = this.loopIndex;
    writer.line(`for ${index} in range(${loop.count}):`).indented(() => {
      this.loopIndex = index;
      this.readArrayItems(accesses.filter((access) => access !== undefined), index);
      loop.indexed.forEach((entry, position) => {
        const read = reads[position];
        if (read && !accesses[position]) {
          const at = read.reversed ? `${loop.count - 1} - ${index}` : index;
          writer.line(`${this.name(entry.param)} = ${this.yieldLists.get(read.source)}[${at}]`);
        } else if (!accesses[position]) {
          writer.line(`${this.name(entry.param)} = ${lists[position]}[${index}]`);
        }
      });
      this.casts.push(new Map());
      this.block(loop.body);
      for (const bucket of started) this.startBucket(bucket);
      for (const queue of this.schedule.queues(loop)) this.flushInLoop(queue, index);
      for (const entry of loopYields(loop)) writer.line(`${this.yieldLists.get(entry)}.append(${this.name(entry.result)})`);
      for (const entry of loop.carried) writer.line(`${this.name(entry.param)} = ${this.cast(entry.result, this.dtype(entry.param))}`);
      this.casts.pop();
    });
    this.loopIndex = outerIndex;
  }

  /** Inside a loop: `layer = params["layers"][index]` per array (when several leaves are read), then each leaf. */
  private readArrayItems(accesses: readonly IndexedAccess[], index: string): void {
    const byArray = new Map<string, IndexedAccess[]>();
    for (const access of accesses) {
      const key = `${[access.root, ...access.arrayPath].join(".")}${access.reversed ? " reversed" : ""}`;
      byArray.set(key, [...(byArray.get(key) ?? []), access]);
    }
    for (const [key, group] of byArray) {
      const { root, arrayPath, reversed, items } = group[0];
      const at = reversed ? `${items.length - 1} - ${index}` : index;
      const item = `${pythonAccess(this.paramIdentifiers.get(root) ?? root, arrayPath)}[${at}]`;
      const itemName = singular([root, ...arrayPath].pop() ?? root);
      const base = group.length > 1 ? this.names.fresh(itemName, "item") : item;
      if (group.length > 1) this.writer.line(`${base} = ${item}`);
      for (const access of group) {
        const identifier = this.names.fresh(access.rest.length > 0 ? access.rest.join("_") : itemName, `v${access.param}`);
        this.identifiers.set(access.param, identifier);
        this.writer.line(`${identifier} = ${pythonAccess(base, access.rest)}  # local ${formatDims(this.value(access.param).localDims ?? [])}`);
      }
    }
  }

  /** Item k of a uniform result array (`uniformArray`), with `k` the comprehension's index. */
  private templateExpression(template: ItemTemplate, count: number): string {
    switch (template.kind) {
      case "tensor": {
        const item = `${this.yieldLists.get(template.read.source)}[${template.read.reversed ? `${count - 1} - k` : "k"}]`;
        return this.dtype(template.read.source.result) === float32 ? item : `${item}.to(${float32})`;
      }
      case "array":
        return `[${template.items.map((item) => this.templateExpression(item, count)).join(", ")}]`;
      case "object":
        return `{${Object.entries(template.fields).map(([field, item]) => `${pythonString(field)}: ${this.templateExpression(item, count)}`).join(", ")}}`;
    }
  }

  private block(block: Block): void {
    const schedule = this.schedule.block(block);
    // the collectives each call position defines (a bucket's, or a wait's), for foreach grouping to know what exists where
    const moved = new Map<Op, Op[]>([...schedule.calls].map(([at, calls]) => [at, calls.flatMap((call) => (call.kind === "sync" ? call.ops : call.kind === "wait" ? call.bucket.ops : []))]));
    const groups = foreachGroups(block, {
      keyOf: (op) => this.foreachKey(op), moved, aliases: this.peepholes.aliases,
      inputsOf: (op) => peepholeInputs(op, this.peepholes.rewrites.get(op.output)),
    });
    const grouped = new Set<Op>([...groups.values()].flatMap((group) => group.slice(1)));
    block.forEach((statement, index) => {
      const queues = schedule.queuesBefore.get(index) ?? [];
      for (const queue of queues) this.createQueue(queue);
      for (const bucket of schedule.startsBefore.get(index) ?? []) this.startBucket(bucket);
      for (const queue of queues) if (queue.flushBefore) this.writer.line(`${this.queueNames.get(queue)}.flush()  # the first bucket: what is ready before the loop`);
      if (isLoop(statement)) {
        this.loop(statement);
        for (const queue of queues) if (queue.last === "loopExit") this.writer.line(`${this.queueNames.get(queue)}.flush()  # the last bucket`);
      } else if (schedule.calls.has(statement)) for (const call of schedule.calls.get(statement) ?? []) this.call(call);
      else if (groups.has(statement)) this.foreach(groups.get(statement) ?? []);
      else if (!schedule.skipped.has(statement) && !grouped.has(statement)) this.op(statement);
    });
  }

  /** A synchronous bucket (collectiveBuckets.ts: one flat buffer, one collective; one op alone as itself), or the wait of an asynchronous one. */
  private call(call: ScheduledCall): void {
    if (call.kind === "start") {
      this.startBucket(call.bucket);
      return;
    }
    const ops = call.kind === "sync" ? call.ops : call.bucket.ops;
    const outputs = ops.map((op) => this.name(op.output)).join(", ");
    if (call.kind === "sync") {
      if (ops.length === 1) this.op(ops[0]);
      else this.writer.line(`${outputs} = ${bucketCall(this.program, ops, ops.map((op) => this.name(op.inputs[0])))}  # ${bucketComment(this.program, ops)}`);
      return;
    }
    const handle = this.pending.get(call.bucket) ?? "";
    const { start } = call.bucket;
    const at = start.kind !== "loopEnd" ? handle : `${handle}[${start.reversed ? `${start.loop.count - 1} - ${this.loopIndex}` : this.loopIndex}]`;
    const where = start.kind === "before" ? "before the loop above" : start.kind === "joined" ? "just above" : "in the loop above";
    this.writer.line(`${ops.length === 1 ? `${outputs},` : outputs} = ${at}.wait()  # ${bucketComment(this.program, ops, true)}, ${call.bucket.queue ? "queued" : "started"} ${where}`);
  }

  /** `bucket_queue = mesh.all_reduce_queue("data", "sum")` before the loop that fills it (queues.ts). */
  private createQueue(queue: BucketQueue): void {
    const name = this.names.fresh("bucket_queue", "bucket_queue");
    this.queueNames.set(queue, name);
    this.writer.line(`${name} = ${queueCall(queue.op)}  # ${queueComment(queue)}`);
  }

  /** The flush at the end of an iteration where the queue's plan starts a bucket: every iteration, or those listed. */
  private flushInLoop(queue: BucketQueue, index: string): void {
    const name = this.queueNames.get(queue) ?? "";
    const { flushAfter } = queue;
    if (flushAfter.length === queue.loop.count) this.writer.line(`${name}.flush()  # a bucket per iteration`);
    else if (flushAfter.length > 0) {
      const iterations = `(${flushAfter.join(", ")}${flushAfter.length === 1 ? "," : ""})`;
      this.writer.line(`if ${index} in ${iterations}:`).indented(() => this.writer.line(`${name}.flush()  # this bucket holds its size limit`));
    }
  }

  /** Start an asynchronous bucket (collectiveSchedule.ts): before a loop (its handle), or in an iteration of an earlier loop (appended to the list of handles). */
  private startBucket(bucket: AsyncBucket): void {
    const { start, ops, queue } = bucket;
    const inputs = start.kind !== "loopEnd" ? ops.map((op) => this.name(op.inputs[0])) : start.inputs.map((id) => this.name(id));
    const call = queue ? queueAdd(this.program, this.queueNames.get(queue) ?? "", ops, inputs) : bucketCall(this.program, ops, inputs, true);
    if (start.kind !== "loopEnd") this.pending.set(bucket, this.names.fresh("pending", "pending"));
    const handle = this.pending.get(bucket) ?? "";
    const said = queue ? "queued here (started at the queue's flush)" : "started here";
    this.writer.line(start.kind !== "loopEnd" ? `${handle} = ${call}  # ${said}, waited on below` : `${handle}.append(${call})  # ${said}, waited on in a later loop`);
    if (start.kind === "joined" && queue) this.writer.line(`${this.queueNames.get(queue)}.flush()  # the last bucket`);
  }

  private treeExpression(tree: ValueTree): string {
    switch (tree.kind) {
      case "tensor":
        // A bfloat16 program returns float32 (the master weights and state are float32 already).
        return this.dtype(tree.value) === float32 ? this.name(tree.value) : `${this.name(tree.value)}.to(${float32})`;
      case "array": {
        const template = uniformArray(tree, this.yieldItems);
        if (template) return `[${this.templateExpression(template, tree.items.length)} for k in range(${tree.items.length})]`;
        return `[${tree.items.map((item) => this.treeExpression(item)).join(", ")}]`;
      }
      case "object":
        return `{${Object.entries(tree.fields).map(([field, item]) => `${pythonString(field)}: ${this.treeExpression(item)}`).join(", ")}}`;
    }
  }

  /** Write `def <identifier>(mesh, ...)`. */
  emit(identifier: string): void {
    const { program, writer } = this;
    const params = program.params.map((param) => ({ param, identifier: this.names.fresh(param.name, "param") }));
    for (const { param, identifier } of params) this.paramIdentifiers.set(param.name, identifier);
    const undeclared = leavesReadOnlyByAccesses(program, this.accesses);
    const leaves: { op: Op & { op: "param" }; owner: string; rest: string[] }[] = [];
    for (const op of walkOps(program.body)) {
      if (op.op !== "param") continue;
      const [head, ...rest] = op.path.split(".");
      const owner = params.find((entry) => entry.param.name === head);
      if (!owner) throw new Error(`emitTorchModule: param path "${op.path}" of "${program.name}" names no parameter`);
      if (rest.length === 0) this.identifiers.set(op.output, owner.identifier);
      else if (!undeclared.has(op.output)) leaves.push({ op, owner: owner.identifier, rest });
    }
    const signature = params.map(({ param, identifier }) => `${identifier}: ${treeType(param.tree)}`);
    const mesh = program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
    writer.line(`def ${identifier}(${["mesh: mt.MeshContext", ...signature].join(", ")}):`).indented(() => {
      writer.line(`"""\`${program.name}\` on mesh [${mesh}] with layout ${pythonString(program.layoutSpec)}: the program of one device (local shards in, local result out)."""`);
      for (const { op, owner, rest } of leaves) {
        writer.line(`${this.name(op.output)} = ${pythonAccess(owner, rest)}  # local ${formatDims(this.value(op.output).localDims ?? [])}`);
      }
      this.block(program.body);
      writer.line(`return ${this.treeExpression(program.result)}`);
    });
  }
}

/** A meta tree with each param leaf's `init` (how `--init-seed` makes it: paramInits.ts) where it is not normal values. */
function withInits(meta: MetaTree, tree: ValueTree, inits: ReadonlyMap<ValueId, LeafInit>): unknown {
  if (meta.kind === "tensor" && tree.kind === "tensor") {
    const init = inits.get(tree.value);
    return init === undefined ? meta : { ...meta, init };
  }
  if (meta.kind === "array" && tree.kind === "array") return { ...meta, items: meta.items.map((item, index) => withInits(item, tree.items[index], inits)) };
  if (meta.kind === "object" && tree.kind === "object") {
    return { ...meta, fields: Object.fromEntries(Object.entries(meta.fields).map(([field, item]) => [field, withInits(item, tree.fields[field], inits)])) };
  }
  throw new Error("torchMeta: the meta tree and the param tree differ");
}

/** `<name>_meta`: the program's meta (mesh, global dims and sharding of every leaf), with the params' inits. */
function torchMeta(program: Program): unknown {
  const meta = programMeta(program);
  const inits = paramInits(program);
  return { ...meta, params: meta.params.map((param, index) => ({ ...param, tree: withInits(param.tree, program.params[index].tree, inits) })) };
}

/**
 * The generated Python module for the lowered `programs` of one source file.
 * Run it with `torchrun --nproc_per_node <devices> <module>.py --program <name> --inputs DIR --outputs DIR`
 * next to the `meshtype_torch` package (`torchRuntimeFiles`).
 *
 * @example
 * const text = emitTorchModule(lowered, "examples/mlp/mlp.ts");
 * fs.writeFileSync("out/mlp_torch.py", text);
 */
export function emitTorchModule(programs: readonly Program[], sourceFile: string | TorchEmitOptions): string {
  const options = typeof sourceFile === "string" ? { sourceFile } : sourceFile;
  for (const program of programs) {
    if (program.stage !== "lowered") throw new Error(`emitTorchModule: program "${program.name}" is not lowered; run the pipeline (compileProgram) first`);
  }
  const command = options.command ?? `meshtype build ${options.sourceFile} --target torch`;
  const writer = new PythonWriter();
  writer.line(`# DO NOT EDIT: generated by \`${command}\` from ${options.sourceFile}.`);
  writer.line("# Each function is the program of one device: it takes local shards (torch tensors with the local dims in");
  writer.line("# the comments) and calls the collectives of `mesh` (meshtype_torch.MeshContext), each over one mesh axis.");
  writer.line("# Run: torchrun --nproc_per_node <devices> <this file> --program <name> --inputs <dir> --outputs <dir>");
  writer.line("import torch");
  writer.line();
  writer.line("import meshtype_torch as mt");
  const moduleNames = pythonNameTable();
  const entries: string[] = [];
  for (const program of programs) {
    const identifier = moduleNames.fresh(program.name, "program");
    const meta = moduleNames.fresh(`${identifier}_meta`, "program_meta");
    writer.line().line();
    new TorchProgramEmitter(mergeChainedReductions(program), writer, options.overlap ?? true, options.bucketBytes).emit(identifier);
    writer.line().line();
    writer.line(`# How \`${program.name}\` shards its params and result: mesh, global dims and per-axis sharding of every leaf.`);
    writer.line(`${meta} = ${pythonData(torchMeta(program))}`);
    entries.push(`${pythonString(program.name)}: (${identifier}, ${meta})`);
  }
  writer.line().line();
  writer.line("PROGRAMS = {").indented(() => entries.forEach((entry) => writer.line(`${entry},`))).line("}");
  const pipelines = options.pipelines ?? [];
  if (pipelines.length > 0) {
    writer.line().line();
    writer.line("# Pipelined programs: per stage, the parts above (by name) and what they send and receive (meshtype_torch.pipeline runs them).");
    writer.line("PIPELINES = {").indented(() => pipelines.forEach((entry) => writer.line(`${pythonString(entry.name)}: ${pythonData(entry.meta)},`))).line("}");
  }
  writer.line().line();
  writer.line('if __name__ == "__main__":').indented(() => writer.line(pipelines.length > 0 ? "mt.main(PROGRAMS, PIPELINES)" : "mt.main(PROGRAMS)"));
  return writer.toString();
}
