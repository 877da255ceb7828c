/**
 * The torch back end: lowered programs -> a Python module for torch.distributed
 * (one process per device, launched by torchrun), plus its runtime package.
 */
export { emitTorchModule, type TorchEmitOptions } from "./emitTorchModule.ts";
export { torchBuildFiles, torchModuleFileName, torchRuntimeFiles, torchRuntimeDir, type OutputFile } from "./runtimeFiles.ts";
