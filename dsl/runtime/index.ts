/**
 * meshtype/runtime: what generated device programs import. The device
 * context and its collectives, the simulated mesh that runs one program per
 * device in one process, the helpers that shard and gather tensors, and
 * those that run a compiled program on global inputs by its `<name>Meta`
 * (`runSharded`, `shardArgs`, `gatherResult`, `checkLocalArgs`).
 */
export type { DeviceContext, DeviceProgram, CollectiveKind } from "./deviceContext.ts";
export { CollectiveKinds } from "./deviceContext.ts";
export {
  type AxisState,
  type Sharding,
  type PartialReduce,
  replicated,
  split,
  partial,
  describeAxisState,
  describeSharding,
} from "./sharding.ts";
export { SimulatedMesh } from "./simulatedMesh.ts";
export { CommStats, ringWireBytes, BYTES_PER_ELEMENT, type CommCount, type CommEntry } from "./stats.ts";
export { shardTensor, gatherTensor } from "./shard.ts";
export { shardingOf, shardByLayout, gatherByLayout } from "./shardByLayout.ts";
export { takeChunk, chunkAlong, concatAlong, reduceTensors } from "./chunk.ts";
export type { CollectiveCall, UnevenOptions } from "./collectives.ts";
export { splitAxesOf, localSize, isUneven, blockOf, validLength, maskPadding, type Block, type DevicePlace } from "./padding.ts";
export { blockDim } from "./dropoutBlock.ts";
export type { MetaTensor, MetaTree, ProgramMeta, TensorTree } from "./programMeta.ts";
export { localDimsOf } from "./programMeta.ts";
export { checkLocalArgs } from "./checkArgs.ts";
export { shardArgs, gatherResult, runSharded, meshOfMeta, type DeviceFunction, type DeviceParams, type ShardedRun } from "./runSharded.ts";
export { maxDifference } from "./maxDifference.ts";
export { formatTensor, type FormatTensorOptions } from "../formatTensor.ts";
export { shardingGrid, type ShardingGrid, type ShardingCell, type DimRange, type MeshSizes } from "./shardingBlocks.ts";
export { drawSharding, drawProgramSharding, shardingSvg, programShardingSvg, describeSplit, type DrawOptions } from "./drawSharding.ts";
export { runPipelined, gatherPipelined, type PipelineFunctions } from "./runPipelined.ts";
export { pipelineTasks, peakInFlight, type PipelineTask } from "./pipelineSchedule.ts";
export type { PipelinedMeta, PipelinePartMeta, PipelinePhase, PipelineResultTree, PipelineCombine } from "./pipelineMeta.ts";
