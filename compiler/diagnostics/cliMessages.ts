/**
 * Command-line diagnostics (MT9xxx): bad usage of `meshtype` (unknown
 * command or option, missing or unreadable files) and what a command could
 * not do (unknown build target included). Usage errors exit with code 2, the others with code 1.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The command line's message table. */
export const cliMessages = {
  unknownCommand: entry<{ command: string }>(
    "MT9001",
    (a) => `Unknown command "${a.command}".`,
    () => "Use `meshtype build <file.ts>...` or `meshtype explain <file.ts>`; `meshtype --help` lists the options.",
  ),
  missingFiles: entry<{ command: string }>(
    "MT9002",
    (a) => `\`meshtype ${a.command}\` needs at least one .ts file.`,
    (a) => `Name the model files, e.g. \`meshtype ${a.command} examples/mlp/mlp.ts\`.`,
  ),
  fileNotFound: entry<{ file: string }>(
    "MT9003",
    (a) => `Cannot read "${a.file}": no such file.`,
    () => "Check the path (relative paths start from the current folder).",
  ),
  unknownOption: entry<{ option: string; command: string }>(
    "MT9004",
    (a) => `Unknown option "${a.option}" for \`meshtype ${a.command}\`.`,
    () => "`meshtype --help` lists the options of each command.",
  ),
  missingValue: entry<{ option: string }>(
    "MT9005",
    (a) => `Option ${a.option} needs a value.`,
    (a) => `Write it as \`${a.option} VALUE\`.`,
  ),
  programNotFound: entry<{ name: string; known: string }>(
    "MT9006",
    (a) => `No program named "${a.name}" in the given files (programs: ${a.known}).`,
    () => "Use the name of an exported const bound to program(...), e.g. `--program mlp8`.",
  ),
  noPrograms: entry<{ files: string }>(
    "MT9007",
    (a) => `No program(...) bindings in ${a.files}.`,
    () => "Bind a model to a mesh and a layout in the file: `export const mlp8 = program(mlp, { mesh: M, layout: L });`.",
  ),
  cannotWrite: entry<{ file: string; reason: string }>(
    "MT9008",
    (a) => `Cannot write "${a.file}": ${a.reason}`,
    () => "Choose another --out folder, or check its permissions.",
  ),
  unknownTarget: entry<{ target: string; known: string }>(
    "MT9009",
    (a) => `Unknown build target "${a.target}" (targets: ${a.known}).`,
    () => "Use `--target ts` for a TypeScript device module (the default) or `--target torch` for a torch.distributed module, e.g. `meshtype build examples/mlp/mlp.ts --target torch --out out/`.",
  ),
} as const;
