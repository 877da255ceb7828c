/**
 * The commands of `meshtype`, in the order `meshtype --help` lists them.
 * To add one: write `export const fooCommand = defineCommand({...})` in its
 * own file (see command.ts and build.ts), import it here and add it to the list.
 */
import { buildCommand } from "./build.ts";
import type { AnyCommand } from "./command.ts";
import { explainCommand } from "./explain.ts";
import { planCommand } from "./plan.ts";
import { profileCommand } from "./profile.ts";
import { simulateCommand } from "./simulate.ts";
import { gatherCommand } from "./gather.ts";
import { trainCommandSpec } from "./train.ts";

/** Every command of the command line. */
export const commands: readonly AnyCommand[] = [
  buildCommand,
  explainCommand,
  simulateCommand,
  planCommand,
  profileCommand,
  gatherCommand,
  trainCommandSpec,
];
