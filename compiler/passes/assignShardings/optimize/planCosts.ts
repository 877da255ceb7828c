/**
 * What the `optimize` strategy asks a cost model: the time one device spends
 * on an op under a strategy, and on converting a value between two
 * shardings. compiler/cost implements it for a cluster (costModel.ts here
 * adapts it); tests may pass a simpler one.
 */
import type { Dim } from "../../../../dsl/tensor.ts";
import type { Op, Sharding } from "../../../ir/ir.ts";
import type { OpStrategy } from "../../../ir/shardingAssignment.ts";
import type { OpShape } from "./candidates.ts";

/** Costs in seconds per run, per device. */
export interface PlanCosts {
  /** Seconds one device spends computing `op` (global dims `shape`) under `strategy`. */
  opSeconds(op: Op, shape: OpShape, strategy: OpStrategy): number;
  /** Seconds one device spends converting a value with global `dims` from `from` to `to` (0 when they are the same). */
  conversionSeconds(dims: readonly Dim[], from: Sharding, to: Sharding): number;
  /** Bytes per element of the program's activations. */
  readonly bytesPerElement: number;
  /** Bytes per element of its parameters and optimizer state (fp32 master weights in a bf16 program); default bytesPerElement. */
  readonly parameterBytesPerElement?: number;
}
