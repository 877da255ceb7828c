/**
 * The compiler's passes, in order, as one list. Each pass takes a Program and
 * returns one; the verifier runs on the way in and after every pass (a
 * verifier failure is a compiler bug). User errors are `CompileError`s.
 */
import type { Program } from "../ir/ir.ts";
import { verify } from "../ir/verify.ts";
import { assignShardings, propagateStrategy, type ShardingStrategy } from "./assignShardings/assignShardings.ts";
import { cse } from "./cse.ts";
import { decompose } from "./decompose.ts";
import { fuseLoops } from "./fuseLoops.ts";
import { hoistInvariants } from "./hoistInvariants.ts";
import { lower } from "./lower/lower.ts";
import { shardWeightUpdate } from "./shardWeightUpdate.ts";
import { cutStages } from "./stages/cutStages.ts";
import { validate } from "./validate.ts";

/** A named step of the pipeline. */
export interface Pass {
  readonly name: string;
  readonly run: (program: Program) => Program;
}

/** How the pipeline decides shardings: `propagate` unless asked otherwise (e.g. `optimizeStrategy(...)`). */
export interface PipelineOptions {
  readonly sharding?: ShardingStrategy;
}

/** The passes from a global program (what the front end builds) to a device program, with `options.sharding` deciding the shardings. */
export function passesWith(options: PipelineOptions = {}): readonly Pass[] {
  const strategy = options.sharding ?? propagateStrategy;
  return [
    { name: "validate", run: validate },
    { name: "hoistInvariants", run: hoistInvariants },
    { name: "fuseLoops", run: fuseLoops },
    { name: "decompose", run: decompose },
    { name: "cse", run: cse },
    { name: "shardWeightUpdate", run: shardWeightUpdate },
    { name: "assignShardings", run: (program) => assignShardings(program, strategy) },
    { name: "lower", run: lower },
  ];
}

/** The passes from a global program (what the front end builds) to a device program. */
export const passes: readonly Pass[] = passesWith();

/** Every program the pipeline made, by pass name (`input` first), for `meshtype explain` and debugging. */
export interface PipelineTrace {
  readonly stages: readonly { readonly pass: string; readonly program: Program }[];
}

/**
 * Run the passes on `program` and return the lowered program. With `trace`,
 * every intermediate program is recorded in it.
 */
export function compileProgram(program: Program, trace?: { stages: { pass: string; program: Program }[] }, options: PipelineOptions = {}): Program {
  // a pipelined program's stage cut is checked here too (its diagnostics), though this compiles it whole; compileStaged compiles its parts
  if (program.pipeline !== undefined) cutStages(program);
  let current = verify(program, "input");
  trace?.stages.push({ pass: "input", program: current });
  for (const pass of options.sharding === undefined ? passes : passesWith(options)) {
    current = verify(pass.run(current), pass.name);
    trace?.stages.push({ pass: pass.name, program: current });
  }
  return current;
}
