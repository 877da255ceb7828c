/**
 * Running a compiled pipelined program in tests: every part interpreted on
 * its device's context (as `runLowered` does for one program).
 */
import type { PipelineFunctions } from "../../dsl/runtime/runPipelined.ts";
import type { DeviceFunction } from "../../dsl/runtime/runSharded.ts";
import type { StagedProgram } from "../passes/stages/stagedProgram.ts";
import { interpret, type TensorTree } from "./interpret.ts";

/** Every part's device function, run by the IR interpreter on the device's context. */
export function interpretedParts(staged: StagedProgram): PipelineFunctions {
  return Array.from({ length: staged.cut.length }, (_, stage) =>
    Object.fromEntries(
      staged.parts
        .filter((part) => part.stage === stage)
        .map((part): [string, DeviceFunction] => [
          part.phase,
          ((ctx, ...params: never[]) =>
            interpret(part.program, part.program.params.map((param, index) => ({ name: param.name, tree: params[index] as TensorTree })), ctx)) as DeviceFunction,
        ]),
    ),
  );
}
