/**
 * The catalog of every compiler diagnostic, gathered from the per-area tables.
 * Codes are unique across the catalog (a test checks it).
 */
import type { MessageTemplate } from "./diagnostic.ts";
import { autodiffMessages } from "./autodiffMessages.ts";
import { cliMessages } from "./cliMessages.ts";
import { costCliMessages, costMessages } from "./costMessages.ts";
import { frontendMessages } from "./frontendMessages.ts";
import { loweringMessages } from "./loweringMessages.ts";
import { planCliMessages } from "./planCliMessages.ts";
import { pipelineMessages } from "./pipelineMessages.ts";
import { plannerMessages } from "./plannerMessages.ts";
import { torchMessages } from "./torchMessages.ts";
import { validateMessages } from "./validateMessages.ts";

/** Every message table, by area: MT1xxx front end, MT2xxx validation, MT3xxx lowering, MT4xxx autodiff, MT5xxx planner and cost model, MT6xxx torch back end, MT9xxx command line. */
export const catalog: Readonly<Record<string, Readonly<Record<string, MessageTemplate<never>>>>> = {
  frontend: frontendMessages,
  validate: validateMessages,
  lower: loweringMessages,
  autodiff: autodiffMessages,
  planner: plannerMessages,
  torch: torchMessages,
  cli: cliMessages,
  cost: costMessages,
  costCli: costCliMessages,
  planCli: planCliMessages,
  pipeline: pipelineMessages,
};
