/**
 * decompose: rewrite the ops that cannot be computed shard by shard when the
 * layout splits the dim they work along, into ops that can (all in the global
 * IR, before `lower`). Only ops whose dim has a layout rule are rewritten, so
 * replicated programs keep their ops.
 *
 * - mean(x, R)      = sum(x, R) * (1 / |R|)
 * - min(x, R)       = -max(-x, R)
 * - logsumexp(x, R) = log(sum(exp(x - m), R)) + m,  m = max(x, R)
 * - softmax(x, d)   = e / sum(e, d),  e = exp(x - max(x, d))   (log: (x - m) - log(sum(e, d)))
 * - normalize(x, d) = c * r,  c = x - sum(x, d) / n,  r = rsqrt(sum(c^2, d) / n + epsilon)
 * - normalizeGrad(x, g, d) = (xh * sum(g xh, d) / n + sum(g, d) / n - g) * -r,  xh = c * r   (dsl/autodiff/rules/fused.ts)
 * - gather(t, ids, d) = einsum(oneHot(ids, d), t)   (a masked lookup: partial sums over the split vocabulary)
 *
 * After `lower`: max over a split dim is partial(max), all-reduced before the
 * subtraction; the sum is partial(sum), all-reduced before the division.
 */
import type { Dim } from "../../dsl/tensor.ts";
import { inferDims } from "../ir/inferDims.ts";
import type { Block, Op, Phase, Program, SourceLoc, ValueId } from "../ir/ir.ts";
import type { OpAttrs } from "../ir/opAttrs.ts";
import { isLoop } from "../ir/opAttrs.ts";
import { ProgramRewriter } from "../ir/rewriter.ts";

class Decomposer {
  /** The phase of the op being decomposed: its parts keep it. */
  private phase: Phase | undefined;

  constructor(private readonly rewriter: ProgramRewriter, private readonly splitDims: ReadonlySet<string>) {}

  /** Emit an op; `output` reuses an id (the decomposed op's own), else a fresh one. */
  private add(attrs: OpAttrs, inputs: readonly ValueId[], loc: SourceLoc, hint: string | undefined, options: { output?: ValueId; out?: readonly string[] } = {}): ValueId {
    const dims = inferDims(attrs, inputs.map((input) => this.rewriter.value(input).dims), { out: options.out });
    const output = options.output ?? this.rewriter.newValue(dims, hint);
    this.rewriter.emit({ ...attrs, inputs: [...inputs], output, loc, ...(this.phase === undefined ? {} : { phase: this.phase }) } as Op);
    return output;
  }

  private isSplit(names: readonly string[]): boolean {
    return names.some((name) => this.splitDims.has(name));
  }

  /** Emit `op`, decomposed when its dim is split by the layout. */
  op(op: Op): void {
    this.phase = op.phase;
    const hint = this.rewriter.value(op.output).hint;
    const part = (suffix: string): string | undefined => (hint === undefined ? undefined : `${hint}.${suffix}`);
    const [x] = op.inputs;
    const { loc, output } = op;
    if (op.op === "reduce" && op.fn !== "sum" && op.fn !== "max" && this.isSplit(op.dims)) {
      if (op.fn === "mean") {
        const count = op.dims.reduce((product, name) => product * (this.rewriter.value(x).dims.find((dim: Dim) => dim.name === name)?.size ?? 1), 1);
        const total = this.add({ op: "reduce", fn: "sum", dims: op.dims }, [x], loc, part("sum"));
        this.add({ op: "binary", fn: "mul", scalar: { value: 1 / count, position: 1 } }, [total], loc, hint, { output });
      } else if (op.fn === "min") {
        const negated = this.add({ op: "unary", fn: "neg" }, [x], loc, part("neg"));
        const largest = this.add({ op: "reduce", fn: "max", dims: op.dims }, [negated], loc, part("max"));
        this.add({ op: "unary", fn: "neg" }, [largest], loc, hint, { output });
      } else {
        const largest = this.add({ op: "reduce", fn: "max", dims: op.dims }, [x], loc, part("max"));
        const shifted = this.add({ op: "binary", fn: "sub" }, [x, largest], loc, part("shifted"));
        const exps = this.add({ op: "unary", fn: "exp" }, [shifted], loc, part("exp"));
        const total = this.add({ op: "reduce", fn: "sum", dims: op.dims }, [exps], loc, part("sum"));
        const logged = this.add({ op: "unary", fn: "log" }, [total], loc, part("log"));
        this.add({ op: "binary", fn: "add" }, [logged, largest], loc, hint, { output });
      }
      return;
    }
    if (op.op === "softmax" && this.isSplit([op.dim])) {
      const largest = this.add({ op: "reduce", fn: "max", dims: [op.dim] }, [x], loc, part("max"));
      const shifted = this.add({ op: "binary", fn: "sub" }, [x, largest], loc, part("shifted"));
      const exps = this.add({ op: "unary", fn: "exp" }, [shifted], loc, part("exp"));
      const total = this.add({ op: "reduce", fn: "sum", dims: [op.dim] }, [exps], loc, part("sum"));
      if (op.log) {
        const logged = this.add({ op: "unary", fn: "log" }, [total], loc, part("log"));
        this.add({ op: "binary", fn: "sub" }, [shifted, logged], loc, hint, { output });
      } else {
        this.add({ op: "binary", fn: "div" }, [exps, total], loc, hint, { output });
      }
      return;
    }
    if ((op.op === "normalize" || op.op === "normalizeGrad") && this.isSplit([op.dim])) {
      this.normalization(op, part, hint);
      return;
    }
    if (op.op === "gather" && this.isSplit([op.dim])) {
      const [table, ids] = op.inputs;
      const dim = this.rewriter.value(table).dims.find((entry) => entry.name === op.dim);
      if (!dim) throw new Error(`decompose: gather table %${table} has no dim "${op.dim}"`);
      const hot = this.add({ op: "oneHot", dim }, [ids], loc, part("oneHot"));
      const out = this.rewriter.value(output).dims.map((entry) => entry.name);
      this.add({ op: "einsum" }, [hot, table], loc, hint, { output, out });
      return;
    }
    this.rewriter.emit(op);
  }

  /** `normalize` or `normalizeGrad` over a split dim, from sums (each a partial sum over the split, then all-reduced). */
  private normalization(op: Extract<Op, { op: "normalize" | "normalizeGrad" }>, part: (suffix: string) => string | undefined, hint: string | undefined): void {
    const [x, g] = op.inputs;
    const { loc, output, dim } = op;
    const count = this.rewriter.value(x).dims.find((entry: Dim) => entry.name === dim)?.size ?? 1;
    const meanOf = (value: ValueId, name: string): ValueId => {
      const total = this.add({ op: "reduce", fn: "sum", dims: [dim] }, [value], loc, part(`${name}.sum`));
      return this.add({ op: "binary", fn: "mul", scalar: { value: 1 / count, position: 1 } }, [total], loc, part(name));
    };
    const centered = this.add({ op: "binary", fn: "sub" }, [x, meanOf(x, "mean")], loc, part("centered"));
    const squares = this.add({ op: "unary", fn: "square" }, [centered], loc, part("square"));
    const shifted = this.add({ op: "binary", fn: "add", scalar: { value: op.epsilon, position: 1 } }, [meanOf(squares, "variance")], loc, part("variance.eps"));
    const rstd = this.add({ op: "unary", fn: "rsqrt" }, [shifted], loc, part("rstd"));
    if (op.op === "normalize") {
      this.add({ op: "binary", fn: "mul" }, [centered, rstd], loc, hint, { output });
      return;
    }
    // x's dims and order throughout (g may hold its dims in another order): (xh * mean(g xh) + mean(g) - g) * -rstd
    const normalized = this.add({ op: "binary", fn: "mul" }, [centered, rstd], loc, part("normalized"));
    const gyMean = meanOf(this.add({ op: "binary", fn: "mul" }, [normalized, g], loc, part("gy")), "gyMean");
    const along = this.add({ op: "binary", fn: "mul" }, [normalized, gyMean], loc, part("along"));
    const shiftedBack = this.add({ op: "binary", fn: "add" }, [along, meanOf(g, "gMean")], loc, part("shift"));
    const negated = this.add({ op: "binary", fn: "sub" }, [shiftedBack, g], loc, part("negated"));
    const scale = this.add({ op: "binary", fn: "mul", scalar: { value: -1, position: 1 } }, [rstd], loc, part("negRstd"));
    this.add({ op: "binary", fn: "mul" }, [negated, scale], loc, hint, { output });
  }

  block(block: Block): void {
    for (const statement of block) {
      if (!isLoop(statement)) {
        this.op(statement);
        continue;
      }
      this.rewriter.openBlock();
      this.block(statement.body);
      this.rewriter.emit({ ...statement, body: this.rewriter.closeBlock() });
    }
  }
}

/** The decompose pass (see the module comment). */
export function decompose(program: Program): Program {
  const splitDims = new Set(program.layout.map((rule) => rule.dim));
  const rewriter = new ProgramRewriter(program);
  new Decomposer(rewriter, splitDims).block(program.body);
  return { ...program, body: rewriter.body(), values: rewriter.values };
}
