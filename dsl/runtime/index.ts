/**
 * meshtype/runtime: what generated device programs import. The device
 * context and its collectives, the simulated mesh that runs one program per
 * device in one process, and the helpers that shard and gather tensors.
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
export type { CollectiveCall } from "./collectives.ts";
