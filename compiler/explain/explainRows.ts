/**
 * The data behind `meshtype explain`: one row per op of a lowered program
 * (op, source location, global dims, local dims, sharding, and for a
 * collective its axis and bytes), and totals per collective kind. Bytes are
 * per device, float32, as the simulated mesh counts them (see bytes.ts); a
 * value split unevenly has its padded local dims, so its bytes are those of
 * its padded shards, and its row says which devices hold short ones.
 */
import type { Block, Phase, Program } from "../ir/ir.ts";
import { isLoop } from "../ir/opAttrs.ts";
import { formatDims, formatLoc, formatOpHead } from "../ir/printer.ts";
import { describePadding, formatSharding, paddedDimsOf } from "../ir/sharding.ts";
import { collectiveCost } from "./bytes.ts";
import { trainingMemory, type TrainingMemory } from "./memory.ts";
import { shardingSources } from "./shardingFrom.ts";

/** One op of the table. */
export interface ExplainRow {
  /** The op's kind and attributes, e.g. `einsum` or `allReduce axis=model reduce=sum`. */
  readonly op: string;
  /** `file:line:col` of the user's code (for a collective: the op it was inserted for). */
  readonly loc: string;
  readonly value: string;
  readonly globalDims: string;
  /** The dims one device holds (an uneven split's padded ones: ceil(size / devices)). */
  readonly localDims: string;
  /** For a value split unevenly: which devices hold short blocks (`vocab: 25129 per device, 25128 on model=1`). */
  readonly padding?: string;
  readonly sharding: string;
  /** Where the sharding came from (a layout rule, a relayout, propagation through the op's rule, a reduction decided once, the solver; see shardingFrom.ts). */
  readonly shardingFrom?: string;
  /** Loop nesting depth (0 outside loops). */
  readonly depth: number;
  /** How many times the op runs per call (the product of enclosing loop counts). */
  readonly runs: number;
  readonly collective?: string;
  readonly axis?: string;
  /** Payload bytes per device, per run. */
  readonly bytes?: number;
  /** Ring-model wire bytes per device, per run. */
  readonly wireBytes?: number;
  /** The op's part of a training step, where autodiff marked it (`Op.phase`). */
  readonly phase?: Phase;
}

/** The whole table of one program. */
export interface ExplainTable {
  readonly program: string;
  readonly mesh: string;
  readonly layout: string;
  readonly rows: readonly ExplainRow[];
  /** Payload bytes per device per call of the program, by collective kind (loops counted per iteration). */
  readonly bytesByCollective: Readonly<Record<string, number>>;
  readonly wireBytesByCollective: Readonly<Record<string, number>>;
  /** For a training step (a program that takes gradients): bytes per device of its parameters, gradients, optimizer state and saved activations. */
  readonly memory?: TrainingMemory;
}

function collectRows(program: Program, sources: ReadonlyMap<number, string>, block: Block, depth: number, runs: number, rows: ExplainRow[]): void {
  for (const statement of block) {
    if (isLoop(statement)) {
      collectRows(program, sources, statement.body, depth + 1, runs * statement.count, rows);
      continue;
    }
    const value = program.values.get(statement.output);
    const cost = collectiveCost(program, statement);
    const from = sources.get(statement.output);
    const padded = value?.sharding ? paddedDimsOf(value.dims, value.sharding, program.mesh) : [];
    rows.push({
      op: formatOpHead(statement),
      loc: formatLoc(statement.loc),
      value: `%${statement.output}${value?.hint ? ` ${value.hint}` : ""}`,
      globalDims: formatDims(value?.dims ?? []),
      localDims: formatDims(value?.localDims ?? []),
      ...(padded.length === 0 ? {} : { padding: padded.map(describePadding).join("; ") }),
      sharding: value?.sharding ? formatSharding(value.sharding) : "",
      ...(from === undefined ? {} : { shardingFrom: from }),
      depth,
      runs,
      ...(cost ? { collective: cost.kind, axis: cost.axis, bytes: cost.bytes, wireBytes: cost.wireBytes } : {}),
      ...(statement.phase === undefined ? {} : { phase: statement.phase }),
    });
  }
}

/** The explain table of a lowered program. */
export function explainProgram(program: Program): ExplainTable {
  if (program.stage !== "lowered") throw new Error(`explainProgram: "${program.name}" is not lowered`);
  const rows: ExplainRow[] = [];
  collectRows(program, shardingSources(program), program.body, 0, 1, rows);
  const bytesByCollective: Record<string, number> = {};
  const wireBytesByCollective: Record<string, number> = {};
  for (const row of rows) {
    if (!row.collective) continue;
    bytesByCollective[row.collective] = (bytesByCollective[row.collective] ?? 0) + (row.bytes ?? 0) * row.runs;
    wireBytesByCollective[row.collective] = (wireBytesByCollective[row.collective] ?? 0) + (row.wireBytes ?? 0) * row.runs;
  }
  return {
    program: program.name,
    mesh: program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" "),
    layout: program.layoutSpec,
    rows,
    bytesByCollective,
    wireBytesByCollective,
    ...withMemory(trainingMemory(program)),
  };
}

function withMemory(memory: TrainingMemory | undefined): { memory?: TrainingMemory } {
  return memory === undefined ? {} : { memory };
}
