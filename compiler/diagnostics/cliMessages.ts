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
  unknownCommand: entry<{ command: string; known: string; suggestion: string | undefined }>(
    "MT9001",
    (a) => `Unknown command "${a.command}" (commands: ${a.known}).`,
    (a) => `${a.suggestion === undefined ? "" : `Did you mean \`meshtype ${a.suggestion}\`? `}\`meshtype --help\` lists the commands, \`meshtype <command> --help\` the options of one.`,
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
  unknownOption: entry<{ option: string; command: string; suggestion: string | undefined }>(
    "MT9004",
    (a) => `Unknown option "${a.option}" for \`meshtype ${a.command}\`.`,
    (a) => `${a.suggestion === undefined ? "" : `Did you mean ${a.suggestion}? `}\`meshtype ${a.command} --help\` lists its options.`,
  ),
  missingValue: entry<{ option: string; valueName: string }>(
    "MT9005",
    (a) => `Option ${a.option} needs a value.`,
    (a) => `Write it as \`${a.option} ${a.valueName}\` or \`${a.option}=${a.valueName}\`.`,
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
  unknownTarget: entry<{ target: string; known: string; suggestion: string | undefined }>(
    "MT9009",
    (a) => `Unknown build target "${a.target}" (targets: ${a.known}).`,
    (a) => `${a.suggestion === undefined ? "" : `Did you mean \`--target ${a.suggestion}\`? `}Use \`--target ts\` for a TypeScript device module (the default) or \`--target torch\` for a torch.distributed module, e.g. \`meshtype build examples/mlp/mlp.ts --target torch --out out/\`.`,
  ),
  trainNeedsOption: entry<{ option: string; why: string }>(
    "MT9401",
    (a) => `\`meshtype train\` needs ${a.option}: ${a.why}.`,
    () => "E.g. `meshtype train examples/train/gptTrain.ts --program gptTrainData --data tokens.npy --init-seed 0 --steps 50 --save ckpt/`.",
  ),
  notTrainingStep: entry<{ program: string; reason: string }>(
    "MT9402",
    (a) => `Program "${a.program}" is not a training step that \`meshtype train\` can loop: ${a.reason}.`,
    () => "A training step takes its params and optimizer state and the token ids and targets (`(params, state, ids, targets)`), and returns the new params and state under the same names and the loss: `{ params, state, loss }` (examples/train/gptTrain.ts).",
  ),
  torchNotFound: entry<{ python: string; reason: string }>(
    "MT9403",
    (a) => `\`meshtype train\` cannot start torch with ${a.python}: ${a.reason}`,
    () => "Give a Python with torch and numpy: `--python /path/to/python` or MESHTYPE_PYTHON (Debian: `apt-get install -y python3-torch`).",
  ),
  trainingFailed: entry<{ code: string; command: string }>(
    "MT9404",
    (a) => `The training run failed (torchrun exit ${a.code}); its output is above. Command: ${a.command}`,
    () => "Read the first Python traceback or meshtype_torch message in the output above; `meshtype train --help` lists the options.",
  ),
  optionTakesNoValue: entry<{ option: string; value: string }>(
    "MT9501",
    (a) => `Option ${a.option} is a switch and takes no value (got "${a.value}").`,
    (a) => `Write \`${a.option}\` alone to turn it on, or leave it out.`,
  ),
  optionRepeated: entry<{ option: string; values: string }>(
    "MT9502",
    (a) => `Option ${a.option} is given more than once (${a.values}).`,
    (a) => `Give ${a.option} once.`,
  ),
  unexpectedOperand: entry<{ command: string; operand: string }>(
    "MT9503",
    (a) => `\`meshtype ${a.command}\` takes no files or other operands (got "${a.operand}").`,
    (a) => `\`meshtype ${a.command} --help\` shows its usage.`,
  ),
  rankOutputMissing: entry<{ file: string; program: string; ranks: number }>(
    "MT9504",
    (a) => `Cannot read "${a.file}": ${a.program} runs on ${a.ranks} ranks and gather needs the result of each.`,
    (a) => `Run the program with \`--outputs DIR\` on all ${a.ranks} ranks (torchrun --nproc_per_node ${a.ranks} ... --program ${a.program} --outputs DIR), then \`meshtype gather <model.ts> --program ${a.program} --outputs DIR\`.`,
  ),
  rankOutputShape: entry<{ file: string; shape: string; expected: string }>(
    "MT9505",
    (a) => `"${a.file}" holds an array of shape (${a.shape}), but this rank's part of the result is ${a.expected}.`,
    () => "Gather the outputs with the model file and --program the run was built from (a changed model or layout changes the shards); build and run again if they differ.",
  ),
  rankOutputsDisagree: entry<{ leaf: string; reason: string }>(
    "MT9506",
    (a) => `The ranks' parts of ${a.leaf} do not fit together: ${a.reason}`,
    () => "The files must come from one run of this program; run it again into an empty --outputs folder.",
  ),
} as const;
