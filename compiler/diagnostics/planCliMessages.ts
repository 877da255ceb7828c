/**
 * `meshtype plan` diagnostics (MT92xx): what the plan command was asked that
 * it cannot do. Usage errors exit with code 2, the others with code 1.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The plan command's message table. */
export const planCliMessages = {
  whichProgram: entry<{ file: string; known: string }>(
    "MT9201",
    (a) => `${a.file} binds several programs (${a.known}); \`meshtype plan\` plans one.`,
    () => "Name it with --program NAME.",
  ),
  tooManyDevices: entry<{ devices: number; cluster: string; nodes: number; perNode: number }>(
    "MT9202",
    (a) => `Cannot plan for ${a.devices} devices on cluster "${a.cluster}": it has ${a.nodes} node${a.nodes === 1 ? "" : "s"} of ${a.perNode}.`,
    (a) => `Give fewer devices, or more nodes with --nodes ${Math.ceil(a.devices / a.perNode)}.`,
  ),
  cannotRewrite: entry<{ file: string; program: string; reason: string }>(
    "MT9203",
    (a) => `Cannot write the plan of "${a.program}" into ${a.file}: ${a.reason}.`,
    (a) => `Bind it as \`export const ${a.program} = program(model, { mesh: M, layout: layout(M, D, "...") })\`, or copy the plan's layout from the table by hand.`,
  ),
  oneFile: entry<{ files: string }>(
    "MT9204",
    (a) => `\`meshtype plan\` plans one file at a time (got ${a.files}).`,
    () => "Run it once per file.",
  ),
  badMemory: entry<{ value: string }>(
    "MT9205",
    (a) => `--memory ${a.value} is not a positive number of GB.`,
    () => "Give the memory per device in GB, e.g. --memory 40.",
  ),
} as const;
