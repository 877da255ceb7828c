/**
 * meshtype: a typed named-dimension DSL for laying out large-model training
 * over a mesh of devices. This module is what user code imports as "meshtype".
 */
export { MeshtypeError } from "./errors.ts";
export { Tensor, describeTensor, type Dim } from "./tensor.ts";
export { formatTensor, type FormatTensorOptions } from "./formatTensor.ts";
export { Dims, dims } from "./dims.ts";
export { Mesh, mesh, type MeshAxis } from "./mesh.ts";
export { Layout, layout } from "./layout.ts";
export { parseDims, type DimsError } from "./parseDims.ts";
export { parseLayout, groupRules, formatRules, type LayoutRule, type LayoutRuleGroup, type ParseLayout, type RuleTuple } from "./parseLayout.ts";
export { program, type Program } from "./program.ts";
export { pipelineSchedules, type PipelineBinding, type PipelineOption, type PipelineSchedule, type ValidatePipeline } from "./pipelineOption.ts";
export { dtypes, type Dtype } from "./dtype.ts";
export {
  cluster, clusterFromJson, clusterPresetNames,
  type ClusterChanges, type ClusterSpec, type DeviceSpec, type InterNodeLink, type IntraNodeLink, type PeakPrecision,
} from "./cluster.ts";
export { clusterPresets, type ClusterPresetName } from "./clusterPresets.ts";
export type { ParseDims, JoinDims, FirstRepeat, DimNames } from "./types/dimsString.ts";
export { validateDimsIn, type ValidateDims, type ValidateDimsIn, type DimsInError } from "./types/validateDims.ts";
export type { ValidateLayout, LayoutError } from "./types/validateLayout.ts";
export type { ValidateModel, ValidateMesh, ModelErrors, Model } from "./types/validateProgram.ts";
export type { ValidateSizes, ValidateAxes, IsPositiveInteger } from "./types/validateSizes.ts";
export type { Divides, ProductOf } from "./types/divisible.ts";
export { hasDims, type HasDims, type HasDim, type HasOneDim } from "./types/hasDims.ts";
export * from "./ops/index.ts";
export { checkpoint, grad, valueAndGrad, type Gradients, type Scalar, type ValueAndGrad } from "./autodiff/index.ts";
